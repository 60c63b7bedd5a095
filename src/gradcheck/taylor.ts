// The Taylor remainder test: along a random direction d, r(h) = |f(x+hd) − f(x) − h ∇f·d| is
// O(h²) when ∇f is right and O(h) when it is wrong, so the slope of log r against log h is a
// verdict that does not depend on a difference step. Steps lie on the grid h_k = 0.1·4^-k; the
// slope is fitted over the smallest steps still clear of round-off (the asymptotic regime, where a
// wrong gradient's O(h) term shows most). Reaching them costs few forwards: the remainder at the
// first step says, for a right gradient (r falls 16× a step), which step lies a few above
// round-off, and the walk starts there; it stops as soon as three consecutive steps fall 16× each
// and the next would be round-off. Anything else (a slower fall, a miss) walks on as before.
import { Rng } from '../engine/random';
import { type Objective, withShiftAll } from './objective';
import { type Direction, RankOne, denseOf, dotWith, randomDirection, sameBits, scaledDirection, squaredNorm } from './directions';

export interface TaylorResult {
  slope?: number;
  note?: string;
}

const FIRST_STEP = 0.1;
const SHRINK = 4;
const MAX_STEPS = 24;
/** Points fitted: the smallest steps whose remainder is clear of round-off. */
const FIT_POINTS = 4;
/**
 * A remainder counts only when it is this many ulps of the values it is computed from (generous:
 * the loss itself may carry round-off from cancelling terms).
 */
const ROUNDOFF_MARGIN = 1e6 * Number.EPSILON;
/**
 * The walk starts where a quadratic fall from the first step puts the remainder at this many times
 * round-off: three steps (16× each) above it, so the three fitted points are the last clear ones.
 */
const START_ABOVE_FLOOR = 16 ** 2;
/**
 * Log₄ of the fall between consecutive steps that counts as quadratic for stopping early. The
 * band is narrow on purpose: an O(h) term big enough to pull the fit below TAYLOR_WRONG_BELOW at
 * the steps not taken already flattens these falls below 1.8 or, of the opposite sign to the
 * curvature, steepens them past 2.2 or flips the remainder's sign.
 */
const QUADRATIC_FALL: readonly [number, number] = [1.8, 2.2];

/**
 * @param avoid per tensor, flat indices the direction must not move (known kinks: crossing one
 *   makes the remainder O(h) even for a right gradient).
 */
export function taylorTest(obj: Objective, f0: number, grads: readonly Float64Array[], rng: Rng, avoid: readonly number[][] = []): TaylorResult {
  // Entries of size about 1 in every tensor (a matrix's rank-one, shifts.ts), then one unit length overall.
  const raw = obj.tensors.map((t, i): Direction => {
    const x = randomDirection(t.shape, rng, Math.sqrt(t.size));
    if (!avoid[i]?.length) return x;
    const y = denseOf(x).slice(); // no longer rank-one
    for (const k of avoid[i]) y[k] = 0;
    return y;
  });
  const norm = Math.sqrt(raw.reduce((s, x) => s + squaredNorm(x), 0));
  if (norm === 0) return { note: 'Taylor test skipped: there is nothing to move' };
  const d = raw.map((x) => scaledDirection(x, 1 / norm));
  const slope = d.reduce((s, x, t) => s + dotWith(grads[t], x), 0);
  if (!Number.isFinite(slope)) return { note: `Taylor test skipped: the gradient is not finite` };

  const valueAt = valuesAlong(obj, f0, d);
  const step = (k: number) => FIRST_STEP * SHRINK ** -k;
  const floorAt = (k: number, f: number) => ROUNDOFF_MARGIN * (Math.abs(f) + Math.abs(f0) + Math.abs(step(k) * slope)) + 1e-300;
  const remainder = (k: number): Remainder => {
    const f = valueAt(k);
    const signed = f - f0 - step(k) * slope;
    const r = Math.abs(signed);
    return { k, r, sign: Math.sign(signed), clear: Number.isFinite(r) && r > floorAt(k, f), nextFloor: floorAt(k + 1, f) };
  };

  const first = remainder(0);
  // A jump, when the first remainder says the steps near round-off lie far down the grid.
  const start = first.clear ? startStep(first.r, (k) => floorAt(k, f0)) : 0;
  let points = start > 0 ? fromJump(start, remainder) : undefined;
  // Otherwise (or when the jump found no clean run) the walk from the first step, as the test
  // always ran; every value already taken is reused.
  points ??= walk(0, remainder);
  if (points.length < 3) {
    return { note: 'Taylor test inconclusive: the remainder is at round-off for every step (the loss is linear along the test direction), which is what a right gradient gives' };
  }
  return { slope: fitSlope(points.slice(-FIT_POINTS).map((p) => [Math.log(step(p.k)), Math.log(p.r)])) };
}

interface Remainder {
  k: number;
  r: number;
  /** The sign of f(x+hd) − f(x) − h ∇f·d: a right gradient's is the curvature's, the same at every small step. */
  sign: number;
  /** r is above the round-off floor of the values it comes from. */
  clear: boolean;
  /** The floor at the next step. */
  nextFloor: number;
}

/** Log₄ of how much the remainder falls from one step to the next. */
function fall(a: Remainder, b: Remainder): number {
  return Math.log(a.r / b.r) / Math.log(SHRINK);
}

/** b falls from a as h² does, without a change of sign (a wrong gradient's O(h) term can flip it). */
function quadratic(a: Remainder, b: Remainder): boolean {
  const x = fall(a, b);
  return a.sign === b.sign && x >= QUADRATIC_FALL[0] && x <= QUADRATIC_FALL[1];
}

/**
 * The remainders clear of round-off from step `from` down until the walk on would find no more:
 * two steps in a row at round-off, or one that a quadratic fall from the last clear step explains
 * (a remainder about to change sign falls faster), or three clear steps in a row falling
 * quadratically from which a further such fall would be round-off.
 */
function walk(from: number, remainder: (k: number) => Remainder): Remainder[] {
  const points: Remainder[] = [];
  let misses = 0;
  for (let k = from; k <= MAX_STEPS; k++) {
    const p = remainder(k);
    if (p.clear) {
      points.push(p);
      misses = 0;
      if (quadraticEnd(points)) break;
      continue;
    }
    if (points.length === 0) continue;
    const last = points[points.length - 1];
    if (++misses >= 2 || (last.k === k - 1 && quadratic(last, p))) break;
  }
  return points;
}

/** The last three points are consecutive steps falling quadratically, and one more such fall would be round-off. */
function quadraticEnd(points: readonly Remainder[]): boolean {
  if (points.length < 3) return false;
  const [a, b, c] = points.slice(-3);
  return b.k === a.k + 1 && c.k === b.k + 1 && quadratic(a, b) && quadratic(b, c) && c.r / SHRINK ** 2 <= c.nextFloor;
}

/**
 * The walk from a jump to `start`, then up from there until the points to fit are as the walk from
 * the first step would fit them: three when they end in a quadratic fall, else FIT_POINTS (the
 * remainder fell faster than quadratically above the start, or has not settled yet). Undefined
 * when those steps are not one run of consecutive clear ones.
 */
function fromJump(start: number, remainder: (k: number) => Remainder): Remainder[] | undefined {
  const head = remainder(start);
  const points = head.clear ? walk(start, remainder) : [];
  const wanted = quadraticEnd(points) ? 3 : FIT_POINTS;
  for (let k = (points[0]?.k ?? start) - 1; points.length < wanted && k >= 0; k--) {
    const p = remainder(k);
    if (p.clear) points.unshift(p);
    else if (points.length) return undefined; // a clear step between two at round-off
  }
  const consecutive = points.every((p, i) => i === 0 || p.k === points[i - 1].k + 1);
  return points.length >= 3 && consecutive ? points : undefined;
}

/**
 * The step where a remainder falling 16× a step from `first` (at step 0) is still START_ABOVE_FLOOR
 * times round-off; 0 when that is the first step already.
 */
function startStep(first: number, floorAt: (k: number) => number): number {
  let k = 0;
  while (k < MAX_STEPS - 2 && first * 16 ** -(k + 1) >= START_ABOVE_FLOOR * floorAt(k + 1)) k++;
  return k;
}

/**
 * f(x + h_k·d) by step index, each taken once per objective and direction: the hand-written
 * backward's test moves along the same direction as autograd's (the same stream), so it reuses
 * these forwards instead of repeating them.
 */
function valuesAlong(obj: Objective, f0: number, d: readonly Direction[]): (k: number) => number {
  let memo = taken.get(obj);
  if (!memo || memo.f0 !== f0 || !sameDirections(memo.d, d)) {
    memo = { f0, d, f: new Map() };
    taken.set(obj, memo);
  }
  const f = memo.f;
  return (k) => {
    let v = f.get(k);
    if (v === undefined) {
      const h = FIRST_STEP * SHRINK ** -k;
      v = obj.valueShifted ? obj.valueShifted(d, h) : withShiftAll(obj.tensors, d, h, () => obj.value());
      f.set(k, v);
    }
    return v;
  };
}

/** The values taken along the latest direction, per objective (a check's objective lives as long as its check). */
const taken = new WeakMap<Objective, { f0: number; d: readonly Direction[]; f: Map<number, number> }>();

function sameDirections(a: readonly Direction[], b: readonly Direction[]): boolean {
  return a.length === b.length && a.every((x, i) => sameDirection(x, b[i]));
}

function sameDirection(a: Direction, b: Direction): boolean {
  if (a instanceof RankOne || b instanceof RankOne) return a instanceof RankOne && b instanceof RankOne && sameBits(a.left, b.left) && sameBits(a.right, b.right);
  return sameBits(a, b);
}

/** Least-squares slope of y against x. */
export function fitSlope(points: [number, number][]): number {
  const m = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / m;
  const my = points.reduce((s, p) => s + p[1], 0) / m;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}
