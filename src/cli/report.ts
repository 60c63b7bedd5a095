// Turns runner results into what the CLI prints: the --json documents (docs/cli-json.md) and
// the readable check table. Paths are shown relative to the working directory when inside it.
import * as path from 'node:path';
import type { TensorCheck } from '../gradcheck/types';
import type { RunResult } from '../runner/index';
import type { ModelCheckResult, OpCheckResult, RunError, SourceLocation, TracedGraph } from '../shared/workerProtocol';

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

function tensorJson(c: TensorCheck): Record<string, unknown> {
  return { ...c };
}

function opJson(op: OpCheckResult): Record<string, unknown> {
  const { site: _site, loc, definedAt, ...rest } = op;
  return { ...rest, ...locJson(loc), ...(definedAt ? { definedAt: locJson(definedAt) } : {}) };
}

function modelCheckJson(m: ModelCheckResult): Record<string, unknown> {
  const { name, loc, error, backwardLoc, params, manual, ops, ...rest } = m;
  return {
    name,
    ...locJson(loc),
    ...rest,
    ...(error ? { error: errorJson(error) } : {}),
    params: params.map(tensorJson),
    ...(manual ? { manual: manual.map(tensorJson) } : {}),
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

const HEADER = ['model', 'name', 'shape', 'max abs error', 'max rel error', 'worst index', 'analytic vs numeric', 'verdict'];

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}

function tensorRow(model: string, label: string, c: TensorCheck): string[] {
  const w = c.worst;
  return [
    model,
    label,
    `[${c.shape.join(',')}]`,
    num(c.maxAbsError),
    num(c.maxRelError),
    w ? `[${w.index.join(',')}]` : '-',
    w ? `${num(w.analytic)} vs ${num(w.numeric)}` : '-',
    c.passed ? (c.nonDifferentiable ? 'pass (kink)' : 'pass') : 'FAIL',
  ];
}

function opRow(model: string, op: OpCheckResult): string[] {
  const w = op.worst;
  return [
    model,
    `op ${op.name}${op.loc ? ` (line ${op.loc.line})` : ''}`,
    w ? `input ${w.input}` : '-',
    num(op.maxAbsError),
    num(op.maxRelError),
    w ? `[${w.index.join(',')}]` : '-',
    w ? `${num(w.analytic)} vs ${num(w.numeric)}` : '-',
    op.passed ? 'pass' : 'FAIL',
  ];
}

export function checkRows(m: ModelCheckResult): string[][] {
  const rows = m.params.map((c) => tensorRow(m.name, c.name, c));
  for (const c of m.manual ?? []) rows.push(tensorRow(m.name, `${c.name} (backward)`, c));
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
  const worst = (c: { worst: { index: number[]; analytic: number; numeric: number } | null; maxAbsError: number }): string =>
    c.worst ? `worst element [${c.worst.index.join(', ')}]: analytic ${num(c.worst.analytic)} vs numeric ${num(c.worst.numeric)} (abs error ${num(c.maxAbsError)})` : 'no element could be compared';
  for (const c of m.params.filter((p) => !p.passed)) {
    out.push(`${where(m.loc, file)}: model '${m.name}': the autograd gradient of '${c.name}' disagrees with the numeric one; ${c.error ?? worst(c)}.`);
  }
  for (const c of (m.manual ?? []).filter((p) => !p.passed)) {
    out.push(`${where(m.backwardLoc ?? m.loc, file)}: model '${m.name}': the hand-written backward gives a wrong gradient for '${c.name}'; ${c.error ?? worst(c)}.`);
  }
  for (const op of m.ops.filter((o) => !o.passed)) {
    const called = op.loc ? ` (called at line ${op.loc.line})` : '';
    out.push(`${where(op.definedAt ?? op.loc, file)}: custom op '${op.name}'${called}: its backward disagrees with the numeric gradient${op.worst ? ` for input ${op.worst.input}` : ''}; ${op.error ?? worst(op)}.`);
  }
  if (!m.deterministic) out.push(`${where(m.loc, file)}: model '${m.name}': two runs gave different numbers, so the comparison is not meaningful.`);
  return out;
}
