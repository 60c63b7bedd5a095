// Maps a check's results onto graph nodes. A parameter has up to two checks: autograd vs numeric
// (is the model's maths differentiable as traced?) and the hand-written backward vs numeric (is the
// user's own backward right?). They mean different things, so the node says which one failed: a
// parameter whose autograd passes but whose hand-written backward fails is marked 'manual', not as
// a plain failure. A custom op's nodes take that op's check.
import type { GraphView, ModelResultView, SourceLocation, TensorCheckView } from '../types';
import { isSourceLocation } from '../../src/shared/protocol';
import { fmt } from '../dom';

/** Which check a node's mark comes from. */
export type ErrorSource = 'autograd' | 'manual' | 'op';

/** How a node is marked after a check: its worst relative error and whether it failed. */
export interface NodeError {
  relError: number;
  passed: boolean;
  source: ErrorSource;
  /** One line per check that touched the node, worst first: for the tooltip and the aria label. */
  lines: string[];
  /** Where a hand-written backward's mistake was located, when the checker found it. */
  blameLoc?: SourceLocation;
}

/** Error band for colouring: the legend names the same bands. */
export function errorBand(e: NodeError): 'fail' | 'manual' | 'warn' | 'pass' {
  if (!e.passed) return e.source === 'manual' ? 'manual' : 'fail';
  return e.relError > 1e-6 ? 'warn' : 'pass';
}

const relOf = (c: { maxRelError: number }): number => (Number.isFinite(c.maxRelError) ? c.maxRelError : Infinity);
// A check that errored outright (NaN gradient, missing entry) has no usable figure: it is a failure.
const passedOf = (c: { passed: boolean; error?: string }): boolean => c.passed && !c.error;

/** "wrong at W1[3, 2]: 0.07522 vs 0.01007" or the check's own error sentence. */
function failure(c: TensorCheckView): string {
  if (c.error) return c.error;
  if (!c.worst) return `max rel. error ${fmt(c.maxRelError)}`;
  return `wrong at ${c.name}[${c.worst.index.join(', ')}]: ${fmt(c.worst.analytic)} vs ${fmt(c.worst.numeric)} (${c.method === 'exact' ? 'autograd' : 'numeric'})`;
}

function line(c: TensorCheckView, who: string): string {
  return passedOf(c) ? `${who} passes (max rel. error ${fmt(c.maxRelError)})` : `${who} ${failure(c)}`;
}

/** The blamed location of a manual check, validated here: the field is outside the view's type. */
function blameLocOf(c: TensorCheckView): SourceLocation | undefined {
  const loc = (c as { blameLoc?: unknown }).blameLoc;
  return isSourceLocation(loc) ? loc : undefined;
}

function paramError(auto: TensorCheckView | undefined, manual: TensorCheckView | undefined): NodeError {
  const autoOk = !auto || passedOf(auto);
  const manualOk = !manual || passedOf(manual);
  const lines: string[] = [];
  // The failing check's line comes first: it is what the node is coloured by.
  if (manual && !manualOk) lines.push(line(manual, 'hand-written backward'));
  if (auto) lines.push(line(auto, 'autograd'));
  if (manual && manualOk) lines.push(line(manual, 'hand-written backward'));
  const rel = Math.max(auto ? relOf(auto) : 0, manual ? relOf(manual) : 0);
  const blameLoc = manual && !manualOk ? blameLocOf(manual) : undefined;
  if (blameLoc) lines.push(`the backward's mistake is located at line ${blameLoc.line}`);
  // Autograd failing is the graver finding (the model itself); otherwise a manual failure.
  const source: ErrorSource = !autoOk || autoOk === manualOk ? 'autograd' : 'manual';
  return { relError: rel, passed: autoOk && manualOk, source, lines, ...(blameLoc ? { blameLoc } : {}) };
}

export function worse(a: NodeError | undefined, b: NodeError): NodeError {
  if (!a) return b;
  if (a.passed !== b.passed) return a.passed ? b : a;
  return a.relError >= b.relError ? a : b;
}

export function nodeErrors(g: GraphView, r: ModelResultView | undefined): Map<string, NodeError> {
  const out = new Map<string, NodeError>();
  if (!r) return out;
  const auto = new Map(r.params.map((c) => [c.name, c]));
  const manual = new Map((r.manual ?? []).map((c) => [c.name, c]));
  for (const n of g.nodes) {
    if (n.kind !== 'param' || n.name === undefined) continue;
    if (auto.has(n.name) || manual.has(n.name)) out.set(n.id, paramError(auto.get(n.name), manual.get(n.name)));
  }
  for (const op of r.ops) {
    const ok = passedOf(op);
    const what = `custom op ${op.name}: backward ${ok ? 'passes' : op.error ?? (op.worst ? `wrong at input ${op.worst.input ?? 0} [${op.worst.index.join(', ')}]: ${fmt(op.worst.analytic)} vs ${fmt(op.worst.numeric)} (${op.method === 'exact' ? 'autograd' : 'numeric'})` : 'fails')}`;
    const e: NodeError = { relError: relOf(op), passed: ok, source: 'op', lines: [what] };
    const calls = g.nodes.filter((n) => n.op === op.name);
    // The worst call when its line is known; otherwise every call of the op.
    const worst = op.loc ? calls.filter((n) => n.loc?.line === op.loc!.line) : [];
    for (const n of worst.length ? worst : calls) out.set(n.id, worse(out.get(n.id), e));
  }
  return out;
}
