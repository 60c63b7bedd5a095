// The three ways to compare one tensor's gradient(s) with central differences:
// full (every element), sampled (k random elements) and fast (one random direction, then a
// drill-down by bisection to the element that makes the directional derivatives disagree).
import { Rng } from '../engine/random';
import { NOISE_FACTOR, type Tally, type Tolerance } from './compare';
import type { Decider } from './types';
import type { Differences } from './differences';
import { type Direction, denseOf, dotWith, randomDirection, smallestWeight } from './directions';
import { type Gradient, gradientDot } from './deferred';
import { dot } from './objective';

/** One analytic gradient for the tensor (autograd's or the hand-written one) and where its results go. */
export interface GradientSet {
  grad: Float64Array;
  tally: Tally;
}

export interface Strategy {
  mode: 'full' | 'fast' | 'sampled';
  tol: Tolerance;
  /** This tensor's own stream (streams.ts), so a tensor's draws do not depend on the others. */
  rng: Rng;
  samples: number;
  /** Above this many elements a fast check that cannot isolate its mismatch stops instead of checking them all. */
  fallbackLimit: number;
  /** Called after each element of a full or sampled sweep (progress.ts). */
  onElement?: () => void;
}

/** Bisection stops at blocks this small and checks their elements one by one. */
const LEAF = 8;
/** Fresh probes after a drill-down lands on elements that pass (a kink, or errors spread thin). */
const ROUNDS = 4;
/** Independent random directions per tensor in fast mode: an error orthogonal to one is caught by another. */
export const PROBES = 2;
/** Round-off of a central difference is about ε·|f|/eps; this many times that is noise, not evidence. */
const ROUNDOFF_FACTOR = 1e3;

/**
 * How far the directional derivatives may differ before the drill-down looks for a culprit. One
 * element's error δ shows up as δ·uᵢ, and |uᵢ| is at least `weight` (1/√n for random signs of a
 * unit u), so the element rule (atol + rtol·|n|) is scaled by it; otherwise an error in a small
 * component would hide behind the large ones. The floor keeps round-off from raising false
 * suspicions. A suspicion is settled element by element, so a tight allowance costs forwards,
 * never a false verdict.
 */
function directionalAllowance(diff: Differences, numeric: number, weight: number, tol: Tolerance): number {
  const roundoff = (ROUNDOFF_FACTOR * Number.EPSILON * (Math.abs(diff.f0) + 1)) / diff.eps;
  return (tol.atol + tol.rtol * Math.abs(numeric)) * Math.min(weight, 1) + roundoff;
}

/**
 * Which rule the directional derivatives break, if any: the scaled tolerance, or NOISE_FACTOR × the
 * directional noise floor (measured by `measure`, two more forwards, only when the cheap bound
 * cannot clear it). `weight` is the direction's smallest entry (directionalAllowance).
 */
function disagree(diff: Differences, weight: number, measure: () => number, a: number, n: number, tol: Tolerance): { broken?: Decider; noise: number } {
  const d = Math.abs(a - n);
  if (!(d <= directionalAllowance(diff, n, weight, tol))) return { broken: Number.isFinite(d) ? 'tolerance' : 'error', noise: NaN }; // NaN disagrees
  const cheap = diff.roundoffBound();
  if (d <= NOISE_FACTOR * cheap) return { noise: cheap };
  const noise = measure();
  return d > NOISE_FACTOR * noise ? { broken: 'noise', noise } : { noise };
}

/** A tensor's directional probe against its gradient: disagree() along u[0, n). */
function disagreeAlong(diff: Differences, t: number, dir: Direction, tag: string, a: number, n: number, tol: Tolerance): { broken?: Decider; noise: number } {
  return disagree(diff, smallestWeight(dir), () => diff.directionalNoise(t, dir, 0, dir.length, tag), a, n, tol);
}

/** One tensor of a joint probe: its index, its gradient, and the stream its own probes draw from. */
export interface JointMember {
  t: number;
  grad: Gradient;
  rng: Rng;
}

/** A joint probe that agreed: the summed directional derivatives and the noise floor they were judged by. */
export interface JointProbe {
  analytic: number;
  numeric: number;
  noise: number;
}

/**
 * Fast mode over several tensors at once. Each probe moves every tensor along its own random
 * direction, the very ones its probes alone would draw, so one central difference (two forwards)
 * stands for each tensor's own (two each). Derivatives are linear in the direction: the joint
 * error is the sum of the tensors' errors along their directions, so a wrong tensor shows here
 * as it would alone, against the same noise floor, unless the other tensors' errors cancel it,
 * which the random directions make a chance of probability zero. The allowance takes the smallest
 * entry of all the directions, so one element's error at the element tolerance still shows.
 * Returns the probes when every one agrees; undefined at the first that does not, and the tensors
 * are then probed one by one (checkTensor), which finds which is wrong and where, as before.
 */
export function probeTogether(diff: Differences, members: readonly JointMember[], tol: Tolerance): JointProbe[] | undefined {
  const tensors = diff.objective.tensors;
  const probes: JointProbe[] = [];
  for (let probe = 0; probe < PROBES; probe++) {
    const dirs: (Direction | undefined)[] = tensors.map(() => undefined);
    let analytic = 0;
    let weight = Infinity;
    for (const m of members) {
      const u = randomDirection(tensors[m.t].shape, m.rng);
      dirs[m.t] = u;
      analytic += gradientDot(m.grad, u);
      weight = Math.min(weight, smallestWeight(u));
    }
    const key = `joint.${probe}`;
    const numeric = diff.along(dirs, key);
    const { broken, noise } = disagree(diff, weight, () => diff.alongNoise(dirs, key), analytic, numeric, tol);
    if (broken) return undefined;
    probes.push({ analytic, numeric, noise });
  }
  return probes;
}

export function checkTensor(diff: Differences, t: number, sets: GradientSet[], s: Strategy): void {
  const n = diff.objective.tensors[t].size;
  if (n === 0 || sets.length === 0) return;
  if (s.mode === 'fast') {
    checkFast(diff, t, sets, s);
    return;
  }
  const indices = s.mode === 'full' ? range(0, n) : sampleIndices(n, s.samples, s.rng);
  for (const k of indices) {
    for (const set of sets) judgeInto(diff, t, k, set, s.tol);
    s.onElement?.();
  }
}

/** Compares one element and records it; true when it failed. */
function judgeInto(diff: Differences, t: number, k: number, set: GradientSet, tol: Tolerance): boolean {
  const a = set.grad[k];
  const r = diff.judge(t, k, a, tol);
  set.tally.add(k, a, r.numeric ?? diff.element(t, k).numeric, r);
  return r.verdict === 'fail';
}

function checkFast(diff: Differences, t: number, sets: GradientSet[], s: Strategy): void {
  const n = diff.objective.tensors[t].size;
  const pending = new Set(sets);
  for (let probe = 0; probe < PROBES && pending.size; probe++) {
    const u = randomDirection(diff.objective.tensors[t].shape, s.rng);
    const tag = `u.${probe}`;
    const numeric = diff.directional(t, u, 0, n, tag);
    for (const set of [...pending]) {
      const a = dotWith(set.grad, u);
      const { broken, noise } = disagreeAlong(diff, t, u, tag, a, numeric, s.tol);
      set.tally.addDirectional(a, numeric, broken, noise);
      if (!broken) continue;
      pending.delete(set); // located (or settled element by element) by the drill-down
      drillDown(diff, t, set, u, tag, numeric, s);
    }
  }
}

/**
 * The directional derivatives disagree: find the element responsible. Directional derivatives are
 * linear in the direction, so the error of one half of the coordinates is the parent's error minus
 * the other half's, and each bisection level costs two forwards.
 */
function drillDown(diff: Differences, t: number, set: GradientSet, u: Direction, probeTag: string, numeric: number, s: Strategy): void {
  const n = u.length;
  const seen = new Set<number>();
  let dir = denseOf(u);
  let tag = probeTag;
  let top = numeric;
  for (let round = 0; round < ROUNDS; round++) {
    const [lo, hi] = bisect(diff, t, set.grad, dir, tag, top);
    let failed = false;
    for (let k = lo; k < hi; k++) {
      if (seen.has(k)) continue;
      seen.add(k);
      if (judgeInto(diff, t, k, set, s.tol)) failed = true;
    }
    if (failed) {
      set.tally.forgiveDirectional(); // located: the element failures now carry the verdict
      return;
    }
    // The block holds no failure: probe again with those coordinates taken out of the direction.
    dir = dir.slice();
    dir.fill(0, lo, hi);
    tag = `${probeTag}.${round + 1}`;
    top = diff.directional(t, dir, 0, n, tag);
    if (!disagreeAlong(diff, t, dir, tag, dot(set.grad, dir), top, s.tol).broken) {
      set.tally.forgiveDirectional();
      return;
    }
  }
  if (n - seen.size > s.fallbackLimit) {
    set.tally.error = `the directional derivatives disagree but the drill-down could not isolate one element; run a full check of this tensor`;
    return;
  }
  // Errors spread too thin to bisect: settle it element by element; those verdicts replace the suspicion.
  for (let k = 0; k < n; k++) if (!seen.has(k)) judgeInto(diff, t, k, set, s.tol);
  set.tally.forgiveDirectional();
}

function bisect(diff: Differences, t: number, g: Float64Array, dir: Float64Array, tag: string, top: number): [number, number] {
  let lo = 0;
  let hi = dir.length;
  let parentNumeric = top;
  let parentAnalytic = dot(g, dir, lo, hi);
  while (hi - lo > LEAF) {
    const mid = (lo + hi) >>> 1;
    const nLeft = diff.directional(t, dir, lo, mid, tag);
    const aLeft = dot(g, dir, lo, mid);
    const nRight = parentNumeric - nLeft;
    const aRight = parentAnalytic - aLeft;
    if (mismatch(aLeft, nLeft) >= mismatch(aRight, nRight)) {
      hi = mid;
      parentNumeric = nLeft;
      parentAnalytic = aLeft;
    } else {
      lo = mid;
      parentNumeric = nRight;
      parentAnalytic = aRight;
    }
  }
  return [lo, hi];
}

function mismatch(a: number, n: number): number {
  const d = Math.abs(a - n);
  return Number.isNaN(d) ? Infinity : d;
}

export function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo }, (_, i) => lo + i);
}

/** k distinct indices in [0, n), ascending (a partial Fisher–Yates shuffle). */
export function sampleIndices(n: number, k: number, rng: Rng): number[] {
  if (k >= n) return range(0, n);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = idx[i];
    idx[i] = idx[j];
    idx[j] = tmp;
  }
  return Array.from(idx.subarray(0, k)).sort((a, b) => a - b);
}

export function randomNormal(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}
