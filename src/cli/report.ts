// Turns runner results into what the CLI prints: the --json documents (docs/cli-json.md) and
// the readable check table. Paths are shown relative to the working directory when inside it.
import * as path from 'node:path';
import type { CheckMethod, TensorCheck } from '../gradcheck/types';
import type { RunResult } from '../runner/index';
import type { ManualCheckResult, ModelCheckResult, OpCheckResult, RunError, SourceLocation, TracedGraph } from '../shared/workerProtocol';
import { DECIDER_WORDS, fmtPair, jointProbeText, referenceWord, throughWrongOps, throughWrongOpsText } from '../shared/verdict';

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function where(loc: Partial<SourceLocation> | undefined, fallbackFile: string): string {
  const file = displayPath(loc?.file ?? fallbackFile);
  return loc?.line ? `${file}:${loc.line}:${loc.column ?? 1}` : file;
}

/** 'file:line:col: message', the form compilers use, so editors and terminals link it. */
export function formatError(err: RunError, fallbackFile: string): string {
  return `${where(err, fallbackFile)}: ${err.message}`;
}

// ---- JSON ---------------------------------------------------------------------------------

function errorJson(e: RunError): Record<string, unknown> {
  return { kind: e.kind, message: e.message, ...(e.file ? { file: displayPath(e.file) } : {}), ...(e.line ? { line: e.line, column: e.column } : {}) };
}

function locJson(loc: SourceLocation | undefined): { file: string | null; line: number | null; column: number | null } {
  return { file: loc ? displayPath(loc.file) : null, line: loc?.line ?? null, column: loc?.column ?? null };
}

function tensorJson(c: TensorCheck, loc?: SourceLocation): Record<string, unknown> {
  return { ...c, ...(loc ? locJson(loc) : {}) };
}

/**
 * Where a parameter's row belongs: its key in a literal `params: { … }` (for an `nn` name such as
 * `fc1.weight`, the `fc1` entry), as the Problems panel places it; else the model.
 */
export function paramLoc(m: ModelCheckResult, name: string): SourceLocation | undefined {
  return m.paramLocs?.[name] ?? m.paramLocs?.[name.split('.')[0]];
}

/** A hand-written backward's row: the located mistake replaces the internal stack line. */
function manualJson(c: ManualCheckResult): Record<string, unknown> {
  const { blame, blameLoc, ...rest } = c;
  return { ...rest, ...(blame ? { blame: { message: blame.message, ...locJson(blameLoc) } } : {}) };
}

function opJson(op: OpCheckResult): Record<string, unknown> {
  const { site: _site, loc, definedAt, backwardAt, blame, blameLoc, ...rest } = op;
  return {
    ...rest,
    ...locJson(loc),
    ...(definedAt ? { definedAt: locJson(definedAt) } : {}),
    ...(backwardAt ? { backward: locJson(backwardAt) } : {}),
    ...(blame ? { blame: { message: blame.message, ...locJson(blameLoc) } } : {}),
  };
}

function modelCheckJson(m: ModelCheckResult): Record<string, unknown> {
  const { name, loc, error, backwardLoc, params, manual, ops, paramLocs: _paramLocs, ...rest } = m;
  return {
    name,
    ...locJson(loc),
    ...rest,
    ...(error ? { error: errorJson(error) } : {}),
    params: params.map((c) => tensorJson(c, paramLoc(m, c.name))),
    ...(manual ? { manual: manual.map(manualJson) } : {}),
    ...(backwardLoc ? { backward: locJson(backwardLoc) } : {}),
    ops: ops.map(opJson),
  };
}

/** The `files` entry of one file, for any task. */
export function fileJson(r: RunResult, shownAs: string): Record<string, unknown> {
  const base = { file: shownAs, ...(r.output ? { output: r.output } : {}) };
  if (!r.ok) return { ...base, models: [], error: errorJson(r.error) };
  const models = (r.models as Array<ModelCheckResult | { loc?: SourceLocation; error?: RunError }>).map((m) => {
    if (r.task === 'check') return modelCheckJson(m as ModelCheckResult);
    const { name, loc, error, ...rest } = m as { name: string; loc?: SourceLocation; error?: RunError; graph?: TracedGraph };
    if (rest.graph) {
      // Node positions get the same path form as every other position in the document.
      rest.graph = { ...rest.graph, nodes: rest.graph.nodes.map((n) => (n.loc ? { ...n, loc: { ...n.loc, file: displayPath(n.loc.file) } } : n)) };
    }
    return { name, ...locJson(loc), ...rest, ...(error ? { error: errorJson(error) } : {}) };
  });
  return { ...base, models };
}

// ---- Exit code ----------------------------------------------------------------------------

/** 2 when a file or a model could not be run, else 1 when a check failed, else 0. */
export function exitCodeOf(results: readonly RunResult[]): 0 | 1 | 2 {
  let code: 0 | 1 | 2 = 0;
  for (const r of results) {
    if (!r.ok) return 2;
    for (const m of r.models as Array<{ error?: RunError; passed?: boolean }>) {
      if (m.error) return 2;
      if (r.task === 'check' && m.passed === false) code = 1;
    }
  }
  return code;
}

// ---- Table --------------------------------------------------------------------------------

/** `method` is how a row was judged (exact, full, fast, sampled); a failure's verdict names what decided it. */
const HEADER = ['model', 'name', 'shape', 'method', 'max abs error', 'max rel error', 'noise floor', 'worst index', 'analytic vs reference', 'verdict'];

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}

/** A failing element's two values, with the digits it takes to tell them apart (a passing one's read alike). */
function shownPair(a: number, b: number, failing: boolean): [string, string] {
  const pair: [string, string] = [num(a), num(b)];
  return failing && pair[0] === pair[1] && a !== b && Number.isFinite(a) && Number.isFinite(b) ? fmtPair(a, b) : pair;
}

/** "kink at [0]", or with several, "3 kinks, first at [0]". */
function kinkText(k: NonNullable<TensorCheck['nonDifferentiable']>, indexed: boolean): string {
  const at = indexed ? ` at [${k.index.join(',')}]` : '';
  return k.count && k.count > 1 ? `${k.count} kinks, first${at}` : `kink${at}`;
}

function tensorRow(model: string, label: string, c: TensorCheck): string[] {
  const w = c.worst;
  return [
    model,
    label,
    `[${c.shape.join(',')}]`,
    c.method,
    num(c.maxAbsError),
    num(c.maxRelError),
    num(c.noiseFloor),
    w ? `[${w.index.join(',')}]` : '-',
    w ? shownPair(w.analytic, w.numeric, !c.passed).join(' vs ') : '-',
    c.passed ? (c.nonDifferentiable ? `pass (${kinkText(c.nonDifferentiable, c.shape.length > 0)})` : 'pass') : c.decidedBy ? `FAIL (${c.decidedBy})` : 'FAIL',
  ];
}

/** A second-order row can be about the upstream gradient: its index is one past the inputs. */
function inputLabel(op: OpCheckResult, input: number): string {
  return op.inputShapes && input === op.inputShapes.length ? 'upstream gradient dy' : `input ${input}`;
}

function opRow(model: string, op: OpCheckResult): string[] {
  const w = op.worst;
  // The row is about one input: the worst one, or the only one.
  const input = w ? w.input : op.inputShapes?.length === 1 ? 0 : undefined;
  const shape = input !== undefined ? op.inputShapes?.[input] : undefined;
  return [
    model,
    `op ${op.name}${op.loc ? ` (line ${op.loc.line})` : ''}${input !== undefined ? `, ${inputLabel(op, input)}` : ''}`,
    shape ? `[${shape.join(',')}]` : '-',
    op.method ?? '-',
    num(op.maxAbsError),
    num(op.maxRelError),
    num(op.noiseFloor),
    w ? `[${w.index.join(',')}]` : '-',
    w ? shownPair(w.analytic, w.numeric, !op.passed).join(' vs ') : '-',
    op.passed ? 'pass' : op.decidedBy ? `FAIL (${op.decidedBy})` : 'FAIL',
  ];
}

export function checkRows(m: ModelCheckResult): string[][] {
  const rows = m.params.map((c) => tensorRow(m.name, c.name, c));
  const hand = m.order === 2 ? 'hand-written, order 2' : 'backward';
  for (const c of m.manual ?? []) rows.push(tensorRow(m.name, `${c.name} (${hand})`, c));
  for (const op of m.ops) rows.push(opRow(m.name, op));
  return rows;
}

export function renderTable(rows: readonly string[][]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, j) => Math.max(...all.map((r) => (r[j] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((cell, j) => cell.padEnd(widths[j])).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Sentences under the table for each failure: what failed, where, and its worst element. */
export function failureLines(m: ModelCheckResult, file: string): string[] {
  const out: string[] = [];
  if (m.error) {
    const prefix = m.error.message.includes(`'${m.name}'`) ? '' : `model '${m.name}': `;
    return [`${where(m.error.line ? m.error : m.loc, file)}: ${prefix}${m.error.message}`];
  }
  const worst = (c: { worst: { index: number[]; analytic: number; numeric: number } | null; maxAbsError: number; maxAbsAt?: number[]; method?: CheckMethod }, kind: 'param' | 'manual' | 'op'): string =>
    c.worst ? `worst element [${c.worst.index.join(', ')}]: analytic ${shownPair(c.worst.analytic, c.worst.numeric, true).join(` vs ${referenceWord(kind, c.method)} `)} (${maxAbsWords(c, kind)})` : 'no element could be compared';
  if (!m.deterministic) {
    // No element was judged, so there is nothing to say per parameter: the randomness is the finding.
    const why = m.params.find((c) => c.error)?.error ?? 'two runs gave different numbers, so the comparison is not meaningful';
    out.push(`${where(m.loc, file)}: model '${m.name}': ${why}; make forward and backward deterministic (fixed seeds, no Math.random).`);
    return [...out, ...opFailureLines(m, file, (c) => worst(c, 'op'))];
  }
  if (m.order === 2) return [...out, ...secondOrderLines(m, file, worst)];
  // Many rows spoiled by one wrong custom op: one line for them (the op's own line follows).
  const viaOps = throughWrongOps(m.params, m.ops);
  if (viaOps.length) out.push(`${where(paramLoc(m, viaOps[0].name) ?? m.loc, file)}: model '${m.name}': ${throughWrongOpsText(viaOps.map((c) => c.name))} (below); each one's worst element is in the table.`);
  for (const c of m.params.filter((p) => !p.passed && !viaOps.includes(p))) {
    const other = c.method === 'exact' ? `autograd through the custom ops' forwards (their hand-written backward is wrong)` : 'the numeric one';
    out.push(`${where(paramLoc(m, c.name) ?? m.loc, file)}: model '${m.name}': the autograd gradient of '${c.name}' disagrees with ${other}; ${c.error ?? worst(c, 'param')}.`);
  }
  // One slip that spoils several gradients (W1 and b1) is explained once, as in the Problems panel.
  const explained = new Map<string, string>();
  for (const c of (m.manual ?? []).filter((p) => !p.passed)) {
    out.push(`${where(c.blameLoc ?? m.backwardLoc ?? m.loc, file)}: model '${m.name}': the hand-written backward gives a wrong gradient for '${c.name}'; ${c.error ?? worst(c, 'manual')}.`);
    if (!c.blame || !c.blameLoc) continue;
    const key = `${c.blameLoc.line}:${c.blameLoc.column}:${c.blame.message.split(c.name).join('\u0000')}`;
    const first = explained.get(key);
    if (first) out.push(`  The same mistake as ${first}'s, explained above.`);
    else {
      explained.set(key, c.name);
      out.push(`  ${c.blame.message}`);
    }
  }
  return [...out, ...opFailureLines(m, file, (c) => worst(c, 'op'))];
}

/**
 * The max abs error beside the worst element, and where it is when that is elsewhere: the worst is
 * the element furthest past its tolerance, so a large gradient off by more in absolute terms can
 * sit at another index (at another call or input, for an op).
 */
function maxAbsWords(c: { worst: { analytic: number; numeric: number } | null; maxAbsError: number; maxAbsAt?: number[] }, kind: 'param' | 'manual' | 'op'): string {
  const error = `max abs error ${num(c.maxAbsError)}`;
  if (c.maxAbsAt) return `${error}, at [${c.maxAbsAt.join(', ')}]`;
  const here = c.worst ? Math.abs(c.worst.analytic - c.worst.numeric) : NaN;
  return kind === 'op' && c.worst && Number.isFinite(c.maxAbsError) && c.maxAbsError > 1.0001 * here ? `${error}, at another element or call` : error;
}

/** A second-order check's failures: H·v per parameter, the hand-written rule, then the ops that cause them. */
function secondOrderLines(m: ModelCheckResult, file: string, worst: (c: TensorCheck | OpCheckResult, kind: 'param' | 'manual' | 'op') => string): string[] {
  const out: string[] = [];
  for (const c of m.params.filter((p) => !p.passed)) {
    out.push(`${where(paramLoc(m, c.name) ?? m.loc, file)}: model '${m.name}': second order: H·v by double backward for '${c.name}' disagrees with differences of the gradient; ${c.error ?? worst(c, 'param')}.`);
  }
  for (const c of (m.manual ?? []).filter((p) => !p.passed)) {
    out.push(`${where(m.backwardLoc ?? m.loc, file)}: model '${m.name}': second order: the hand-written rule for '${c.name}' disagrees (see the notes for which one); ${c.error ?? worst(c, 'manual')}.`);
  }
  for (const op of m.ops.filter((o) => !o.passed)) {
    const called = op.loc ? ` (called at line ${op.loc.line})` : '';
    out.push(`${where(op.backwardAt ?? op.definedAt ?? op.loc ?? m.loc, file)}: op '${op.name}'${called}: its backward is not differentiated right (double backward against differences of its VJP${op.worst ? `, argument ${op.worst.input}` : ''}); ${op.error ?? worst(op, 'op')}.`);
  }
  return out;
}

function opFailureLines(m: ModelCheckResult, file: string, worst: (c: OpCheckResult) => string): string[] {
  return m.ops
    .filter((o) => !o.passed)
    .flatMap((op) => {
      const called = op.loc ? ` (called at line ${op.loc.line})` : '';
      const against = op.method === 'exact' ? "autograd through the op's own forward" : 'the numeric gradient';
      const what = op.worst || !op.error ? `its backward disagrees with ${against}${op.worst ? ` for input ${op.worst.input}` : ''}` : 'its backward could not be checked';
      // At the line of the mistake in its backward when it was located, as for a model's backward.
      const line = `${where(op.blameLoc ?? op.backwardAt ?? op.definedAt ?? op.loc, file)}: custom op '${op.name}'${called}: ${what}; ${op.error ?? worst(op)}.`;
      return op.blame && op.blameLoc ? [line, `  ${op.blame.message}`] : [line];
    });
}

// ---- Per-model and closing summaries --------------------------------------------------------

/**
 * A fast check's way, and when its joint probes agreed, that the rows they stand for show one and the
 * same sum (each parameter moved along its own direction at once), not each parameter's own error.
 */
function fastText(m: ModelCheckResult): string {
  const joint = jointProbeText(m.params);
  return `fast check (random directions, drill-down on mismatch)${joint ? `: ${joint}` : ''}`;
}

/** One line per model under the table: how it was checked and what the Taylor test says. */
export function modelLine(m: ModelCheckResult): string | undefined {
  if (m.error) return undefined;
  if (!m.deterministic) return `${m.name}: no element compared and no Taylor test, since the model is nondeterministic.`;
  const split = m.slices ? `, split across ${m.slices} workers` : '';
  const elements = m.params.reduce((s, c) => s + c.checked, 0);
  if (m.order === 2) {
    const decided2 = !m.passed && m.decidedBy ? `; fails, decided by ${DECIDER_WORDS[m.decidedBy]}` : '';
    return `${m.name}: second-order check of H·v over ${elements.toLocaleString('en-US')} parameter element${elements === 1 ? '' : 's'} and ${m.ops.length} op${m.ops.length === 1 ? '' : 's'} (gradgradcheck)${decided2}.`;
  }
  // A sampled check says of how many: 96 elements of a 203,520-element model is not a full check.
  const total = m.params.reduce((s, c) => s + c.shape.reduce((n, d) => n * d, 1), 0);
  const count = m.mode === 'sampled' && elements < total ? `${elements.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}` : elements.toLocaleString('en-US');
  const what = m.mode === 'fast' ? fastText(m) : `${m.mode} check of ${count} parameter element${total === 1 ? '' : 's'}`;
  const decided = !m.passed && m.decidedBy ? `; fails, decided by ${DECIDER_WORDS[m.decidedBy]}` : '';
  return `${m.name}: ${what}${split}; ${taylorText(m)}${decided}.`;
}

/** The Taylor slope(s), or the note that says why there is none (it is then not repeated among the notes). */
function taylorText(m: ModelCheckResult): string {
  const legend = '(≈2 right, ≈1 wrong)';
  const own = m.manualTaylorSlope;
  if (m.taylorSlope !== undefined && own !== undefined) return `Taylor slope ${m.taylorSlope.toFixed(2)} for autograd, ${own.toFixed(2)} for the hand-written backward ${legend}`;
  if (m.taylorSlope !== undefined) return `Taylor slope ${m.taylorSlope.toFixed(2)} ${legend}`;
  const note = taylorNote(m);
  if (own !== undefined) return `Taylor slope ${own.toFixed(2)} for the hand-written backward ${legend}; for autograd: ${note ?? 'none'}`;
  return note ?? 'no Taylor slope';
}

function taylorNote(m: ModelCheckResult): string | undefined {
  return m.notes?.find((n) => n.startsWith('Taylor test') && !n.startsWith('Taylor test of the hand-written backward'));
}

/** The report's remarks not already said by the model line, one `model: note: …` line each. */
export function noteLines(m: ModelCheckResult): string[] {
  if (m.error) return [];
  // The model line already says why a nondeterministic model has no Taylor test.
  const shown = !m.deterministic || m.taylorSlope === undefined ? taylorNote(m) : undefined;
  return (m.notes ?? []).filter((n) => n !== shown).map((n) => `${m.name}: note: ${n}.`);
}

export interface RunSummary {
  files: number;
  /** Files that could not be run at all (syntax error, unknown import, time limit…). */
  filesNotRun: string[];
  models: number;
  passed: number;
  /** Models that failed a check or could not be checked, each at its first problem (error, backward, op, else the model). */
  failed: { name: string; file: string; line: number | null; column: number | null; notChecked?: true }[];
}

export function summarize(results: readonly RunResult[], shownAs: readonly string[]): RunSummary {
  const summary: RunSummary = { files: results.length, filesNotRun: [], models: 0, passed: 0, failed: [] };
  results.forEach((r, i) => {
    if (!r.ok) {
      summary.filesNotRun.push(shownAs[i]);
      return;
    }
    for (const m of r.models as ModelCheckResult[]) {
      summary.models++;
      if (m.passed && !m.error) summary.passed++;
      else summary.failed.push({ name: m.name, ...placeJson(failurePlace(m), r.file), ...(m.error ? { notChecked: true as const } : {}) });
    }
  });
  return summary;
}

/** Where a failed model's first problem is written: the line a user should open first. */
function failurePlace(m: ModelCheckResult): Partial<SourceLocation> | undefined {
  if (m.error) return m.error.line ? m.error : m.loc;
  // A wrong custom op also spoils the autograd gradients through it: its backward is the cause.
  const op = m.ops.find((o) => !o.passed);
  if (op) return op.blameLoc ?? op.backwardAt ?? op.definedAt ?? op.loc ?? m.loc;
  const manual = (m.manual ?? []).find((c) => !c.passed);
  if (m.params.every((c) => c.passed) && manual) return manual.blameLoc ?? m.backwardLoc ?? m.loc;
  return m.loc;
}

function placeJson(loc: Partial<SourceLocation> | undefined, fallbackFile: string): { file: string; line: number | null; column: number | null } {
  return { file: displayPath(loc?.file ?? fallbackFile), line: loc?.line ?? null, column: loc?.line ? (loc.column ?? 1) : null };
}

const LISTED = 10;

/** `9 of 10 models passed in 10 files; 1 failed: buggyMlp (examples/buggy-backward.ts:49:19).` */
export function closingLine(s: RunSummary): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const list = (items: string[]): string => (items.length > LISTED ? `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more` : items.join(', '));
  let line = `${s.passed} of ${plural(s.models, 'model')} passed in ${plural(s.files, 'file')}`;
  const at = (f: RunSummary['failed'][number]): string => `${f.name} (${f.line ? `${f.file}:${f.line}:${f.column}` : f.file})`;
  // A model whose check stopped with an error (exit code 2) is not one that failed a comparison (1).
  const failed = s.failed.filter((f) => !f.notChecked);
  const unchecked = s.failed.filter((f) => f.notChecked);
  if (failed.length) line += `; ${failed.length} failed: ${list(failed.map(at))}`;
  if (unchecked.length) line += `; ${unchecked.length} could not be checked: ${list(unchecked.map(at))}`;
  if (s.filesNotRun.length) line += `; ${plural(s.filesNotRun.length, 'file')} could not be run: ${list(s.filesNotRun)}`;
  return `${line}.`;
}
