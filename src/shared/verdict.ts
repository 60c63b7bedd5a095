// One-glance verdicts for a model report, shared by the CodeLens, the status bar, diagnostics and
// the CLI, so every surface words a result the same way.
import type { CheckMethod, Decider, OpCheck, TensorCheck } from '../gradcheck/types';

/** What a verdict needs of a report: the checker's ModelReport and the runner's ModelCheckResult both fit. */
export interface CheckedModel {
  passed: boolean;
  params: TensorCheck[];
  manual?: TensorCheck[];
  ops: OpCheck[];
  error?: string | { message: string };
  /** The check's mode, named on a pass (a failure names its entry, whose row says how it was judged). */
  mode?: string;
}

/** A short number: 3 significant digits (`digits`), exponent form when very small or large. */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  // 3.53e-4, 1e-8: trailing zeros of the mantissa dropped.
  if (a < 1e-3 || a >= 1e5) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(x.toPrecision(digits)));
}

/**
 * Two values shown side by side (a gradient and its reference): as fmtNum, with as many more
 * digits (up to 12) as it takes for them to read differently when they differ; at least `minDigits`.
 */
export function fmtPair(a: number, b: number, minDigits = 3): [string, string] {
  for (let digits = minDigits; digits < 12; digits++) {
    const pair: [string, string] = [fmtNum(a, digits), fmtNum(b, digits)];
    if (pair[0] !== pair[1] || a === b || !Number.isFinite(a) || !Number.isFinite(b)) return pair;
  }
  return [fmtNum(a, 12), fmtNum(b, 12)];
}

export function fmtIndex(index: readonly number[]): string {
  return index.length ? `[${index.join(',')}]` : '';
}

export interface Blame {
  /** What is wrong: a parameter, the hand-written backward of a parameter, or a custom op. */
  kind: 'param' | 'manual' | 'op';
  name: string;
  index: number[];
  analytic: number;
  /** The reference value: numeric, or autograd's in an exact comparison (see `reference`). */
  numeric: number;
  maxAbsError: number;
  maxRelError: number;
  /** What `numeric` is, in words (referenceWord). */
  reference?: string;
}

/**
 * What the analytic value was compared with: central differences, or in an exact comparison
 * autograd (of the model's forward for a hand-written backward, of a custom op's own forward for
 * its backward and for the parameters upstream of it).
 */
export function referenceWord(kind: 'param' | 'manual' | 'op', method: CheckMethod | undefined): string {
  if (method !== 'exact') return 'numeric';
  return kind === 'param' ? "autograd through the custom ops' forwards" : 'autograd';
}

function fromTensor(kind: 'param' | 'manual', c: TensorCheck): Blame | null {
  if (c.passed || !c.worst) return null;
  return { kind, name: c.name, index: c.worst.index, analytic: c.worst.analytic, numeric: c.worst.numeric, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, reference: referenceWord(kind, c.method) };
}

function fromOp(c: OpCheck): Blame | null {
  if (c.passed || !c.worst) return null;
  return { kind: 'op', name: c.name, index: c.worst.index, analytic: c.worst.analytic, numeric: c.worst.numeric, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, reference: referenceWord('op', c.method) };
}

/** Every failing item of a report, worst (largest absolute error) first. */
export function blames(r: CheckedModel): Blame[] {
  const all = [
    ...r.ops.map(fromOp),
    ...(r.manual ?? []).map((c) => fromTensor('manual', c)),
    ...r.params.map((c) => fromTensor('param', c)),
  ].filter((b): b is Blame => b !== null);
  return all.sort((a, b) => b.maxAbsError - a.maxAbsError);
}

export function describeBlame(b: Blame): string {
  const what = b.kind === 'op' ? `op ${b.name}` : b.kind === 'manual' ? `backward ${b.name}` : b.name;
  const [a, n] = fmtPair(b.analytic, b.numeric);
  return `${what}${fmtIndex(b.index)}: analytic ${a} vs ${b.reference ?? 'numeric'} ${n}`;
}

/** The largest relative error over every check in the report. */
export function maxRelError(r: CheckedModel): number {
  const errs = [...r.params, ...(r.manual ?? []), ...r.ops].map((c) => c.maxRelError).filter(Number.isFinite);
  return errs.length ? Math.max(...errs) : 0;
}

/** `✓ max rel err 3e-9` or `✗ W1[3,7]: analytic 0.12 vs numeric 0.31`. */
export function verdictText(r: CheckedModel): string {
  if (r.passed) return `✓ max rel err ${fmtNum(maxRelError(r))}${r.mode ? ` · ${r.mode} mode` : ''}`;
  if (r.error) return `✗ ${typeof r.error === 'string' ? r.error : r.error.message}`;
  const b = blames(r)[0];
  return b ? `✗ ${describeBlame(b)}` : '✗ check failed';
}

// ---- How an entry was judged ----------------------------------------------------------------

/** Each method in a few words: the tables show the method's key, sentences and tooltips these. */
export const METHOD_WORDS: Record<CheckMethod, string> = {
  exact: 'exact comparison with autograd',
  full: 'full numeric check',
  fast: 'fast check (vᵀJu) with drill-down',
  sampled: 'sampled numeric check',
};

/** The signal that decided a verdict, as a sentence names it ("decided by the noise floor"). */
export const DECIDER_WORDS: Record<Decider, string> = {
  tolerance: 'the tolerance',
  noise: 'the noise floor',
  taylor: 'the Taylor slope',
  error: 'an error',
};

/** "stemW, n1g0, n1b0, tW10, tb10, tW20 and 12 more": the first `shown` names, for a sentence. */
export function someNames(names: readonly string[], shown = 6): string {
  if (names.length <= shown) return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/**
 * The parameters whose rows fail only because a wrong custom op's backward lies on their path
 * (TensorCheck.viaCustomOps), in a model with a failing op. At three or more, every surface tells them in one sentence instead of one each
 * (a layer norm op used in every block of a Mixer spoiled 18 parameters, and 18 lines said so).
 */
export function throughWrongOps<T extends { name: string; passed: boolean; viaCustomOps?: boolean }>(params: readonly T[], ops: readonly { passed: boolean }[]): T[] {
  const via = params.filter((c) => !c.passed && c.viaCustomOps);
  return via.length >= 3 && ops.some((o) => !o.passed) ? via : [];
}

/** The one sentence for throughWrongOps' parameters: "the autograd gradients of 18 parameters (…) …". */
export function throughWrongOpsText(names: readonly string[]): string {
  return `the autograd gradients of ${names.length} parameters (${someNames(names)}) are wrong where they pass back through a custom op whose hand-written backward is wrong; autograd through the custom ops' forwards is right`;
}

/**
 * When a fast check's joint probes agreed, the rows they stand for all show one and the same sum
 * (every parameter moved at once, each along its own direction), not each parameter's own error:
 * "every parameter moved at once, each along its own direction, and those probes agreed, so the
 * fast rows show one joint error". Undefined when fewer than two rows share a probe.
 */
export function jointProbeText(params: readonly { name: string; directional?: { together?: readonly string[] } }[]): string | undefined {
  const joint = params.filter((c) => (c.directional?.together?.length ?? 0) > 1).map((c) => c.name);
  if (joint.length < 2) return undefined;
  const all = joint.length === params.length;
  return `${all ? 'every parameter' : joint.join(', ')} moved at once, each along its own direction, and those probes agreed, so ${all ? 'the fast rows' : 'their rows'} show one joint error`;
}

/**
 * "full numeric check, noise floor 3e-10, decided by the tolerance": the method, the noise floor
 * when the checker measured one, and the decider of a failure (a pass needs no decider).
 */
export function judgedText(c: Pick<TensorCheck, 'noiseFloor' | 'decidedBy' | 'passed'> & { method?: CheckMethod }, num: (x: number) => string = fmtNum): string {
  return [c.method ? (METHOD_WORDS[c.method] ?? c.method) : '', c.noiseFloor !== undefined ? `noise floor ${num(c.noiseFloor)}` : '', !c.passed && c.decidedBy ? `decided by ${DECIDER_WORDS[c.decidedBy] ?? c.decidedBy}` : '']
    .filter(Boolean)
    .join(', ');
}
