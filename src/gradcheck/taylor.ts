// The Taylor remainder test: along a random direction d, r(h) = |f(x+hd) − f(x) − h ∇f·d| is
// O(h²) when ∇f is right and O(h) when it is wrong, so the slope of log r against log h is a
// verdict that does not depend on a difference step. Steps shrink by 4 until r reaches round-off
// (a right gradient's remainder drops 16× a step, so that takes few forwards); the slope is fitted
// over the smallest steps that are still clear of it (the asymptotic regime).
import { Rng } from '../engine/random';
import { type Objective, dot, withShiftAll } from './objective';
import { type Direction, denseOf, dotWith, randomDirection, scaledDirection, squaredNorm } from './directions';

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

  const points: [number, number][] = [];
  let misses = 0;
  for (let i = 0; i <= MAX_STEPS; i++) {
    const h = FIRST_STEP * SHRINK ** -i;
    const f = obj.valueShifted ? obj.valueShifted(d, h) : withShiftAll(obj.tensors, d, h, () => obj.value());
    const r = Math.abs(f - f0 - h * slope);
    const floor = ROUNDOFF_MARGIN * (Math.abs(f) + Math.abs(f0) + Math.abs(h * slope)) + 1e-300;
    if (Number.isFinite(r) && r > floor) {
      points.push([Math.log(h), Math.log(r)]);
      misses = 0;
    } else if (points.length > 0 && ++misses >= 2) break;
  }
  if (points.length < 3) {
    return { note: 'Taylor test inconclusive: the remainder is at round-off for every step (the loss is linear along the test direction), which is what a right gradient gives' };
  }
  return { slope: fitSlope(points.slice(-FIT_POINTS)) };
}

/** Least-squares slope of y against x. */
function fitSlope(points: [number, number][]): number {
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
