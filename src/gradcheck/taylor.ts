// The Taylor remainder test: along a random direction d, r(h) = |f(x+hd) − f(x) − h ∇f·d| is
// O(h²) when ∇f is right and O(h) when it is wrong, so the slope of log r against log h is a
// verdict that does not depend on a difference step. Steps lie on the grid h_k = 0.1·4^-k; the
// slope is fitted over the smallest steps still clear of round-off (the asymptotic regime, where a
// wrong gradient's O(h) term shows most). Reaching them costs few forwards: the remainder at the
// first step says, for a right gradient (r falls 16× a step), which step lies a few above
// round-off, and the walk starts there; it stops as soon as three consecutive steps fall 16× each
// and the next would be round-off. Anything else (a slower fall, a miss) walks on as before.
// Round-off is assumed generously (1e6 ulps of the loss); before a verdict of wrong, or when the run
// has not settled into one power of h, it is measured at two tiny steps, and the walk goes on below
// the assumed floor to the steps that decide. Where the caller estimated the loss's round-off from
// the forward, a floor from that estimate may first end the test in a clean pass, in fewer forwards
// where the loss curves little; anything else is decided as without it.
import { Rng } from '../engine/random';
import type { Tensor } from '../engine/tensor';
import { type Objective, valueMoved } from './objective';
import { type Direction, RankOne, denseOf, randomDirection, sameBits, scaledDirection, squaredNorm } from './directions';
import { type Gradient, gradientDot } from './deferred';

export interface TaylorResult {
  slope?: number;
  note?: string;
}

/** A Taylor slope below this says the gradient is wrong (a right one gives about 2, a wrong one 1). */
export const TAYLOR_WRONG_BELOW = 1.5;

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
/** Log₄ falls of consecutive steps this close to each other: the remainder is one power of h (settled). */
const SETTLED_WITHIN = 0.25;
/**
 * A round-off floor measured at tiny steps counts this many times the larger of two samples, and
 * never less than MEASURED_MIN_MARGIN ulps of the values: two samples of round-off can both be
 * small by chance.
 */
const MEASURED_FACTOR = 1e3;
const MEASURED_MIN_MARGIN = 1e3 * Number.EPSILON;
/**
 * An estimate of the loss's round-off (model.ts evaluationError) counts as a floor this many times
 * over, and never below MEASURED_MIN_MARGIN ulps of the values, for estimatedPass. The generous
 * floor stops the walk far above the real one wherever the loss curves little along d: at 50,890
 * parameters the remainder met it 3 steps below the first, a run too short to settle, and the
 * test then took 2 forwards to measure the floor and 1 more to walk on (6 in all, not 3).
 */
const ESTIMATED_FACTOR = 1e2;
/** Steps past the jump the estimated floor may take before the test goes on as without it. */
const ESTIMATED_STEPS = 3;

/**
 * @param avoid per tensor, flat indices the direction must not move (known kinks: crossing one
 *   makes the remainder O(h) even for a right gradient).
 * @param roundoff an estimate of the loss's own round-off (0: none): it may only shorten the
 *   test to a clean pass (estimatedPass); every other verdict is the generous floor's.
 */
export function taylorTest(obj: Objective, f0: number, grads: readonly Gradient[], rng: Rng, avoid: readonly number[][] = [], roundoff = 0): TaylorResult {
  const d = taylorDirections(obj.tensors, rng, avoid);
  if (!d) {
    // Every element either is empty or sits on a kink, which a Taylor direction must not cross.
    const onKinks = avoid.some((a) => a.length > 0);
    return { note: onKinks ? 'Taylor test skipped: every parameter element sits on a kink (relu, abs or max at 0), which its direction must not cross' : 'Taylor test skipped: there is nothing to move' };
  }
  // Along the remembered directions where they are these (valuesAlong): the products a deferred
  // gradient's projection needs are then the shifted replay's own (directions.ts RankOne).
  const { valueAt, along } = valuesAlong(obj, f0, d);
  const slope = along.reduce((s, x, t) => s + gradientDot(grads[t], x), 0);
  if (!Number.isFinite(slope)) return { note: `Taylor test skipped: the gradient is not finite` };

  const step = (k: number) => FIRST_STEP * SHRINK ** -k;
  const scaleAt = (k: number, f: number) => Math.abs(f) + Math.abs(f0) + Math.abs(step(k) * slope);
  const remainders = (floorAt: (k: number, f: number) => number) => (k: number): Remainder => {
    const f = valueAt(k);
    const signed = f - f0 - step(k) * slope;
    const r = Math.abs(signed);
    return { k, r, sign: Math.sign(signed), clear: Number.isFinite(r) && r > floorAt(k, f), nextFloor: floorAt(k + 1, f) };
  };
  if (roundoff > 0 && Number.isFinite(roundoff)) {
    const estimatedFloor = (k: number, f: number) => Math.max(MEASURED_MIN_MARGIN * scaleAt(k, f), ESTIMATED_FACTOR * roundoff) + 1e-300;
    const quick = estimatedPass(remainders(estimatedFloor), estimatedFloor, f0, step);
    if (quick !== undefined) return { slope: quick };
  }

  let margin = ROUNDOFF_MARGIN;
  const floorAt = (k: number, f: number) => margin * scaleAt(k, f) + 1e-300;
  const remainder = remainders(floorAt);
  let points = jumpOrWalk(remainder, floorAt, f0);
  if (points.length >= 3 && (!settled(points) || fitOf(points, step) < TAYLOR_WRONG_BELOW)) {
    // Where the loss curves little along d, the remainder reaches the generous floor while it is
    // still falling into the asymptotic regime, or while the steps still cross a kink of relu or
    // max, and a fit over those steps can call a right gradient wrong (1 seed in 300 on a 20→16→5
    // MLP, 1 in 100 on the CNN example). So before a verdict of wrong, and where the run has not
    // settled, the real round-off, measured at two steps where a quadratic remainder would be far
    // below it, lets the walk go on to the smallest steps, which decide: a wrong gradient's O(h)
    // term only shows more there.
    const measured = measuredMargin(points[points.length - 1], (k) => ({ r: remainder(k).r, scale: scaleAt(k, valueAt(k)) }));
    if (measured < margin) {
      margin = measured;
      points = walk(points[0].k, remainder);
    }
  }
  if (points.length < 3) {
    return { note: 'Taylor test inconclusive: the remainder is at round-off for every step (the loss is linear along the test direction), which is what a right gradient gives' };
  }
  return { slope: fitOf(points, step) };
}

/**
 * The test's direction, drawn from `rng`: entries of size about 1 in every tensor (a matrix's
 * rank-one, shifts.ts), the avoided elements left still, then one unit length overall. Undefined
 * when nothing moves.
 */
export function taylorDirections(tensors: readonly Tensor[], rng: Rng, avoid: readonly number[][] = []): Direction[] | undefined {
  const raw = tensors.map((t, i): Direction => {
    const x = randomDirection(t.shape, rng, Math.sqrt(t.size));
    if (!avoid[i]?.length) return x;
    const y = denseOf(x).slice(); // no longer rank-one
    for (const k of avoid[i]) y[k] = 0;
    return y;
  });
  const norm = Math.sqrt(raw.reduce((s, x) => s + squaredNorm(x), 0));
  return norm === 0 ? undefined : raw.map((x) => scaledDirection(x, 1 / norm));
}

/** The test's first step along its direction: the replay's own check moves there too (model.ts). */
export const TAYLOR_FIRST_STEP = FIRST_STEP;

/**
 * Takes f(x + TAYLOR_FIRST_STEP·d) as the objective's value there, for a Taylor test along d: the
 * replay's check has just computed it, and the test then starts without computing it again.
 */
export function rememberFirstStep(obj: Objective, f0: number, d: readonly Direction[], value: number): void {
  taken.set(obj, { f0, d, f: new Map([[0, value]]) });
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
 * The slope fitted over the smallest steps: the run after the remainder's last change of sign (the
 * larger steps before it belong to a cubic term or a kink crossed, or, for a wrong gradient, to the
 * curvature its O(h) term has not yet overtaken), and of that run the three quadratic falls it ends
 * in, or its last FIT_POINTS. A step before a quadratic end may still be short of the asymptotic
 * regime, and where the curvature along d is small it would pull a right gradient's slope to 1.
 */
function fitOf(points: readonly Remainder[], step: (k: number) => number): number {
  let from = points.length - 1;
  while (from > 0 && points[from - 1].sign === points[from].sign && points[from - 1].k === points[from].k - 1) from--;
  const run = points.length - from >= 3 ? points.slice(from) : points;
  const fitted = run.slice(quadraticEnd(run) ? -3 : -FIT_POINTS);
  return fitSlope(fitted.map((p) => [Math.log(step(p.k)), Math.log(p.r)]));
}

/** The last three points are consecutive steps of one sign whose two falls agree: one power of h, not a mix of two. */
function settled(points: readonly Remainder[]): boolean {
  const [a, b, c] = points.slice(-3);
  return b.k === a.k + 1 && c.k === b.k + 1 && a.sign === b.sign && b.sign === c.sign && Math.abs(fall(a, b) - fall(b, c)) <= SETTLED_WITHIN;
}

/**
 * The round-off of a remainder, as a margin in units of the values it comes from: sampled at the
 * two steps past `last` where its remainder, falling quadratically, would be a hundredth of an ulp
 * (still steps that move the parameters, about 1e-5 of last's). Taken as a bound with
 * MEASURED_FACTOR to spare; a remainder that is not quadratic only makes it larger.
 */
function measuredMargin(last: Remainder, sample: (k: number) => { r: number; scale: number }): number {
  const at = sample(last.k);
  let k = last.k;
  while (k < MAX_STEPS - 1 && last.r * 16 ** -(k - last.k) > 0.01 * Number.EPSILON * at.scale) k++;
  let worst = 0;
  for (const j of [k, k + 1]) {
    const { r, scale } = sample(j);
    worst = Math.max(worst, r / scale);
  }
  return Number.isFinite(worst) ? Math.max(MEASURED_FACTOR * worst, MEASURED_MIN_MARGIN) : Infinity;
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
 * The jump to the steps a few above round-off where the first remainder points, else the walk from
 * the first step. Steps more than `beyond` past the jump's are not taken (they count as round-off).
 */
function jumpOrWalk(remainder: (k: number) => Remainder, floorAt: (k: number, f: number) => number, f0: number, beyond = Infinity): Remainder[] {
  const first = remainder(0);
  const start = first.clear ? startStep(first.r, (k) => floorAt(k, f0)) : 0;
  const last = start + beyond;
  const within = (k: number): Remainder => (k <= last ? remainder(k) : { k, r: NaN, sign: 0, clear: false, nextFloor: NaN });
  // Otherwise (or when the jump found no clean run) the walk from the first step, as the test
  // always ran; every value already taken is reused.
  return (start > 0 ? fromJump(start, within) : undefined) ?? walk(0, within);
}

/**
 * The slope over the steps a floor from the forward's round-off estimate reaches, when they end as
 * only a right gradient's do: three consecutive steps falling 16× each, of one sign and settled,
 * with the next at that floor, and a slope of a pass. Undefined otherwise, and the test runs as
 * without an estimate, from the generous floor (the values taken are reused). The estimate counts
 * only the roundings at the ops' outputs: where a loss cancels large terms inside one op (a custom
 * op's raw loop, a sum of large opposite values), the steps it reaches are round-off, and a floor
 * measured there can be as low: fitted, such points called a right gradient wrong, and a floor
 * raised to them buried a wrong one's O(h) term. A run of round-off does not fall 16× twice.
 */
function estimatedPass(remainder: (k: number) => Remainder, floorAt: (k: number, f: number) => number, f0: number, step: (k: number) => number): number | undefined {
  // A right gradient's run ends two steps past the jump; a floor below the real round-off would
  // walk on through round-off to the last step, for nothing.
  const points = jumpOrWalk(remainder, floorAt, f0, ESTIMATED_STEPS);
  if (points.length < 3 || !quadraticEnd(points) || !settled(points)) return undefined;
  const slope = fitOf(points, step);
  return slope >= TAYLOR_WRONG_BELOW ? slope : undefined;
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
function valuesAlong(obj: Objective, f0: number, d: readonly Direction[]): { valueAt: (k: number) => number; along: readonly Direction[] } {
  let memo = taken.get(obj);
  if (!memo || memo.f0 !== f0 || !sameDirections(memo.d, d)) {
    memo = { f0, d, f: new Map() };
    taken.set(obj, memo);
  }
  // The remembered directions, not their equal copy: the shifted replay keeps its plan per directions object.
  const { f, d: along } = memo;
  const valueAt = (k: number): number => {
    let v = f.get(k);
    if (v === undefined) {
      const h = FIRST_STEP * SHRINK ** -k;
      v = valueMoved(obj, along, h);
      f.set(k, v);
    }
    return v;
  };
  return { valueAt, along };
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
