// Tolerances and the per-tensor tally that becomes a TensorCheck.
import { unravel, type Shape } from '../engine/tensor';
import type { CheckMethod, Decider, TensorCheck } from './types';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** PyTorch's rule: an element passes when |a − n| <= atol + rtol·|n|. */
export function allowed(n: number, tol: Tolerance): number {
  return tol.atol + tol.rtol * Math.abs(n);
}

/**
 * How far past its allowance an element is (> 1 fails). NaN or Inf anywhere counts as infinitely bad,
 * so the worst element is always the one a user should look at first.
 */
export function violation(a: number, n: number, tol: Tolerance, allowance = allowed(n, tol)): number {
  if (!Number.isFinite(a) || !Number.isFinite(n)) return Infinity;
  return Math.abs(a - n) / allowance;
}

/**
 * A discrepancy this many times the comparison's measured noise floor is evidence of a wrong
 * gradient even inside the tolerances; below it, the tolerances alone decide.
 */
export const NOISE_FACTOR = 100;

/** One element's comparison, judged by the tolerance and by the noise floor of its numeric value. */
export interface ElementJudgement {
  verdict: Verdict;
  /** What decided a failure. */
  decidedBy?: Decider;
  /** The comparison's own error estimate for this element (absolute). */
  noise?: number;
  /** Why the element failed, or is a kink. */
  note?: string;
  /** A passing element that sits on a kink (its one-sided slopes disagree). */
  kink?: string;
  /** The numeric value judged, where it is not the central difference at eps (a larger step resolved it). */
  numeric?: number;
}

/** The tighter of the two allowances: PyTorch's tolerance, and NOISE_FACTOR × the noise floor. */
export function allowance(n: number, tol: Tolerance, noise: number | undefined): number {
  const byTol = allowed(n, tol);
  return noise === undefined ? byTol : Math.min(byTol, NOISE_FACTOR * noise);
}

/**
 * How bad an element is, for naming the worst: [tier, how far past]. Non-finite values first
 * (tier 2); then elements past PyTorch's tolerance (tier 1), by how far past it they are; then the
 * rest (tier 0), by how far past their allowance (NOISE_FACTOR × the noise floor, or the
 * tolerance). By the allowance alone a tiny element outranked a large one wherever the noise floor
 * is the tighter rule: in an exact comparison, whose floor is ulps of each element's own size, a row
 * of 4e-4 off by 8e-4 was named worst beside a row of 0.02 off by 0.02.
 */
export function severity(a: number, n: number, tol: Tolerance, noise: number | undefined): [number, number] {
  if (!Number.isFinite(a) || !Number.isFinite(n)) return [2, Infinity];
  const byTol = violation(a, n, tol);
  return byTol > 1 ? [1, byTol] : [0, violation(a, n, tol, allowance(n, tol, noise))];
}

/** x is more severe than y (severity()). */
export function moreSevere(x: readonly [number, number], y: readonly [number, number]): boolean {
  return x[0] !== y[0] ? x[0] > y[0] : x[1] > y[1];
}

/** Which rule a discrepancy `d` breaks first: the tolerance, the noise floor, or neither. */
export function brokenRule(d: number, n: number, tol: Tolerance, noise: number | undefined): Decider | undefined {
  if (!(d <= allowed(n, tol))) return Number.isFinite(d) ? 'tolerance' : 'error';
  if (noise !== undefined && d > NOISE_FACTOR * noise) return 'noise';
  return undefined;
}

/**
 * |a − n| / max(|a|, |n|, atol). The atol floor keeps gradients that are zero up to round-off
 * (analytic 0, numeric 1e-11) from reading as 100 % wrong.
 */
export function relError(a: number, n: number, tol: Tolerance): number {
  if (!Number.isFinite(a) || !Number.isFinite(n)) return Infinity;
  return Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), tol.atol);
}

export type Verdict = 'pass' | 'fail' | 'kink';

/** Tensors up to this many elements keep every compared value, for the results' heatmaps. */
export const ELEMENTS_MAX = 400;

/** Collects element comparisons for one tensor and reports the worst. */
export class Tally {
  private maxAbs = 0;
  /** Where maxAbs is (flat), -1 before any element. */
  private maxAbsK = -1;
  private maxRel = 0;
  private worst: { k: number; a: number; n: number; v: [number, number]; noise?: number } | null = null;
  private checked = 0;
  private failed = 0;
  private decider: Decider | undefined;
  private noise = 0;
  private kink: { index: number[]; note: string } | undefined;
  /** Flat indices found to sit on (or next to) a kink; the Taylor test steers clear of them. */
  readonly kinks: number[] = [];
  error: string | undefined;
  private directional: { analytic: number; numeric: number; failed: boolean; explained: boolean; together?: readonly string[] } | undefined;
  /**
   * Every element's values, kept for small tensors; reported only when all of them were compared.
   * Made at the first element compared: a fast check that compares none would pay for three
   * buffers per tensor (each above 64 bytes costs ~0.6 µs of its own, engine/memory.ts) and never read them.
   */
  private values: { analytic: Float64Array; numeric: Float64Array; seen: Uint8Array; count: number } | undefined;
  private readonly size: number;

  constructor(
    readonly name: string,
    readonly shape: Shape,
    private readonly tol: Tolerance,
    readonly method: CheckMethod,
  ) {
    let size = 1;
    for (let i = 0; i < shape.length; i++) size *= shape[i];
    this.size = size;
  }

  /** `kink` marks a passing element that sits on a kink: it counts as passed, and the Taylor test avoids it. */
  add(k: number, a: number, n: number, j: ElementJudgement): void {
    const { verdict, note, kink } = j;
    this.checked++;
    this.keep(k, a, n);
    if (j.noise !== undefined && j.noise > this.noise) this.noise = j.noise;
    if (kink !== undefined && verdict === 'pass') {
      this.kink ??= { index: unravel(k, this.shape), note: kink };
      this.kinks.push(k);
    }
    if (verdict === 'kink') {
      // Not a failure: the difference straddles a kink, so it is not evidence against the gradient.
      this.kink ??= { index: unravel(k, this.shape), note: note ?? 'not differentiable here' };
      this.kinks.push(k);
      return;
    }
    if (verdict === 'fail') {
      this.failed++;
      // A tolerance failure outranks a noise one: it is the rule users know from PyTorch.
      if (this.decider !== 'tolerance' && this.decider !== 'error') this.decider = j.decidedBy ?? 'tolerance';
    }
    this.compared(k, a, n, j.noise);
    if (verdict === 'fail' && note && !this.error) this.error = note;
  }

  /**
   * add() for an element that passed, with no kink: the same bookkeeping with plain arguments. An
   * exact comparison adds every element of every gradient (50,890 at once): the judgement object
   * per element made that 30 ns an element.
   */
  addPass(k: number, a: number, n: number, noise: number): void {
    this.checked++;
    this.keep(k, a, n);
    if (noise > this.noise) this.noise = noise;
    this.compared(k, a, n, noise);
  }

  /** The errors of an element that counts (passed or failed, not a kink), and the worst so far. */
  private compared(k: number, a: number, n: number, noise: number | undefined): void {
    const abs = Number.isFinite(a) && Number.isFinite(n) ? Math.abs(a - n) : Infinity;
    if (this.maxAbsK < 0 || abs > this.maxAbs) {
      this.maxAbs = Math.max(this.maxAbs, abs);
      this.maxAbsK = k;
    }
    this.maxRel = Math.max(this.maxRel, relError(a, n, this.tol));
    const v = severity(a, n, this.tol, noise);
    if (!this.worst || moreSevere(v, this.worst.v)) this.worst = { k, a, n, v, noise };
  }

  private keep(k: number, a: number, n: number): void {
    const size = this.size;
    if (!(size <= ELEMENTS_MAX) || k >= size) return;
    const vals = (this.values ??= { analytic: new Float64Array(size), numeric: new Float64Array(size), seen: new Uint8Array(size), count: 0 });
    vals.analytic[k] = a;
    vals.numeric[k] = n;
    if (!vals.seen[k]) vals.count++;
    vals.seen[k] = 1;
  }

  /**
   * Records a directional (fast-mode) comparison: it names no element, and a mismatch is only a
   * suspicion until drilled down. `together`: the tensors probed at once (strategies.ts
   * probeTogether), whose summed derivatives a and n are.
   */
  addDirectional(a: number, n: number, failed: Decider | undefined, noise: number, together?: readonly string[]): void {
    if (this.directional?.failed) return; // the first mismatch stands until a drill-down explains it
    this.directional = { analytic: a, numeric: n, failed: failed !== undefined, explained: false, ...(together ? { together } : {}) };
    if (failed) this.directionalDecider = failed;
    if (noise > this.noise) this.noise = noise;
  }

  private directionalDecider: Decider | undefined;

  /** The drill-down's element verdicts (failures, or a kink) now stand for the directional mismatch. */
  forgiveDirectional(): void {
    if (this.directional) Object.assign(this.directional, { failed: false, explained: true });
  }

  result(): TensorCheck {
    let { maxAbs, maxRel } = this;
    const dir = this.directional;
    if (dir && !dir.explained) {
      // The directional error counts unless element checks took its place (a kink would inflate it).
      maxAbs = Math.max(maxAbs, Number.isFinite(dir.analytic - dir.numeric) ? Math.abs(dir.analytic - dir.numeric) : Infinity);
      maxRel = Math.max(maxRel, relError(dir.analytic, dir.numeric, this.tol));
    }
    const passed = this.failed === 0 && !dir?.failed && this.error === undefined;
    const out: TensorCheck = {
      name: this.name,
      shape: this.shape.slice(),
      passed,
      method: this.method,
      ...noiseFloorOf(this.noise, this.failed ? this.worst?.noise : undefined),
      ...(passed ? {} : { decidedBy: this.error !== undefined && !this.failed ? 'error' : (this.decider ?? this.directionalDecider ?? 'tolerance') }),
      ...(this.failed ? { wrong: this.failed } : {}),
      maxAbsError: maxAbs,
      // Named where it is not the worst element's (a large gradient off by a little is past its
      // tolerance less than a small one off by as much): the two numbers shown side by side differ.
      ...(this.failed && this.worst && maxAbs === this.maxAbs && this.maxAbsK >= 0 && this.maxAbsK !== this.worst.k ? { maxAbsAt: unravel(this.maxAbsK, this.shape) } : {}),
      maxRelError: maxRel,
      worst: this.worst ? { index: unravel(this.worst.k, this.shape), analytic: this.worst.a, numeric: this.worst.n } : null,
      checked: this.checked,
    };
    const kinks = this.kink ? new Set(this.kinks).size : 0;
    if (this.kink) out.nonDifferentiable = kinks > 1 ? { ...this.kink, count: kinks } : this.kink;
    if (this.error !== undefined) out.error = this.error;
    if (dir) out.directional = { analytic: dir.analytic, numeric: dir.numeric, ...(dir.together ? { together: dir.together.slice() } : {}) };
    const vals = this.values;
    if (vals && vals.count === vals.seen.length) out.elements = { analytic: Array.from(vals.analytic), numeric: Array.from(vals.numeric) };
    return out;
  }
}

/**
 * The floor a row shows: the largest over its comparisons, or for a row with wrong elements, its
 * worst element's, the one that judged the failure shown (a larger floor elsewhere in the tensor,
 * above the worst error, read as if the failure were noise).
 */
function noiseFloorOf(largest: number, worst: number | undefined): { noiseFloor?: number } {
  const floor = worst !== undefined && worst > 0 ? worst : largest;
  return floor > 0 ? { noiseFloor: floor } : {};
}

/** A TensorCheck for a gradient that could not be compared at all (missing, misshapen, NaN). */
export function failedCheck(name: string, shape: Shape, error: string, method: CheckMethod): TensorCheck {
  return { name, shape: shape.slice(), passed: false, method, decidedBy: 'error', maxAbsError: Infinity, maxRelError: Infinity, worst: null, checked: 0, error };
}
