// Random probe directions. A matrix gets a rank-one direction a·bᵀ: a product with it is a
// matrix-vector product (shifts.ts), and aᵀE·b, what an error matrix E shows along it, is a nonzero
// polynomial in (a, b) for any E ≠ 0, so it vanishes with probability zero. The factors' entries are
// random signs times magnitudes in [1, 2): every element keeps a weight of the same order as the
// others (one wrong element always shows), and the magnitudes have a density (no exact cancellation,
// as ±1 factors would allow for errors like a constant offset: aᵀ1 = 0 when the signs balance).
import type { Rng } from '../engine/random';

/** A matrix direction d[i·n + j] = left[i]·right[j]. */
export interface Factors {
  left: Float64Array;
  right: Float64Array;
}

const rankOneFactors = new WeakMap<Float64Array, Factors>();

/** The dense matrix left·rightᵀ, flat, remembered as rank-one so that products with it stay cheap. */
export function rankOne(left: Float64Array, right: Float64Array): Float64Array {
  const d = outer(left, right);
  rankOneFactors.set(d, { left, right });
  return d;
}

/** left·rightᵀ, flat (row-major). */
export function outer(left: Float64Array, right: Float64Array): Float64Array {
  const n = right.length;
  const d = new Float64Array(left.length * n);
  for (let i = 0; i < left.length; i++) for (let j = 0; j < n; j++) d[i * n + j] = left[i] * right[j];
  return d;
}

export function factorsOf(d: Float64Array): Factors | undefined {
  return rankOneFactors.get(d);
}

/**
 * n random signs ±1, 32 from each draw: as good as normal draws for a probe direction (an error
 * vector e shows as e·u with the same variance) and far cheaper than Box–Muller at 10⁵ elements.
 */
export function randomSigns(n: number, rng: Rng): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 32) {
    const bits = (rng.next() * 4294967296) >>> 0;
    for (let b = 0; b < 32 && i + b < n; b++) out[i + b] = (bits >>> b) & 1 ? 1 : -1;
  }
  return out;
}

/** Random signs times magnitudes in [1, 2). */
function signedMagnitudes(n: number, rng: Rng): Float64Array {
  const out = randomSigns(n, rng);
  for (let i = 0; i < n; i++) out[i] *= 1 + rng.next();
  return out;
}

function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/**
 * A random direction for a tensor of this shape, with Euclidean length `length`: rank-one for a
 * matrix, random signs otherwise (cheap at 10⁵ elements, and as good: same variance of e·u).
 */
export function randomDirection(shape: readonly number[], rng: Rng, length = 1): Float64Array {
  const n = shape.reduce((p, d) => p * d, 1);
  if (shape.length === 2 && shape[0] > 1 && shape[1] > 1) {
    const left = signedMagnitudes(shape[0], rng);
    const right = signedMagnitudes(shape[1], rng);
    const s = length / (norm(left) * norm(right));
    for (let i = 0; i < left.length; i++) left[i] *= s;
    return rankOne(left, right);
  }
  const u = randomSigns(n, rng);
  const s = length / Math.sqrt(n || 1);
  for (let i = 0; i < n; i++) u[i] *= s;
  return u;
}

/** `d` times s, rank-one still when d is. */
export function scaledDirection(d: Float64Array, s: number): Float64Array {
  const f = factorsOf(d);
  if (f) return rankOne(f.left.map((x) => x * s), f.right);
  return d.map((x) => x * s);
}

/** The smallest |d[k]| over the coordinates d moves: how faintly one element's error can show along d. */
export function smallestWeight(d: Float64Array): number {
  const f = factorsOf(d);
  if (f) return minAbs(f.left) * minAbs(f.right);
  let m = Infinity;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0 && Math.abs(d[i]) < m) m = Math.abs(d[i]);
  return m === Infinity ? 0 : m;
}

function minAbs(x: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < x.length; i++) m = Math.min(m, Math.abs(x[i]));
  return m;
}
