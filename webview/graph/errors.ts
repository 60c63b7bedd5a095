// Maps a check's results onto graph nodes: a parameter node takes the worse of its autograd and
// hand-written-backward checks; a custom op's nodes take that op's check.
import type { GraphView, ModelResultView, TensorCheckView } from '../../src/shared/protocol';
import type { NodeError } from './render';

function tensorError(c: TensorCheckView, what: string): NodeError {
  // A check that errored outright (NaN gradient, missing entry) has no usable figure: it is a failure.
  const rel = Number.isFinite(c.maxRelError) ? c.maxRelError : Infinity;
  return { relError: rel, passed: c.passed && !c.error, what };
}

function worse(a: NodeError | undefined, b: NodeError): NodeError {
  if (!a) return b;
  if (a.passed !== b.passed) return a.passed ? b : a;
  return a.relError >= b.relError ? a : b;
}

export function nodeErrors(g: GraphView, r: ModelResultView | undefined): Map<string, NodeError> {
  const out = new Map<string, NodeError>();
  if (!r) return out;
  const byParam = new Map<string, NodeError>();
  for (const c of r.params) byParam.set(c.name, worse(byParam.get(c.name), tensorError(c, 'autograd vs numeric')));
  for (const c of r.manual ?? []) byParam.set(c.name, worse(byParam.get(c.name), tensorError(c, 'hand-written backward vs numeric')));
  for (const n of g.nodes) {
    if (n.kind === 'param' && n.name !== undefined && byParam.has(n.name)) out.set(n.id, byParam.get(n.name)!);
  }
  for (const op of r.ops) {
    const e: NodeError = { relError: Number.isFinite(op.maxRelError) ? op.maxRelError : Infinity, passed: op.passed && !op.error, what: `custom op ${op.name}: backward vs numeric` };
    const calls = g.nodes.filter((n) => n.op === op.name);
    // The worst call when its line is known; otherwise every call of the op.
    const worst = op.loc ? calls.filter((n) => n.loc?.line === op.loc!.line) : [];
    for (const n of worst.length ? worst : calls) out.set(n.id, worse(out.get(n.id), e));
  }
  return out;
}
