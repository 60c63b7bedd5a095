// The checker works on one abstraction: a scalar function of a few tensors whose elements it may
// perturb in place. A model (its params, with the output projected to a scalar) and a custom op at
// one call site (its inputs) both become an Objective, so every mode serves both.
import { Tensor } from '../engine/tensor';
import { type Direction, addScaled } from './directions';

export interface Objective {
  /** Names for the report, one per tensor (`W1`, or `x0` for an op's inputs). */
  readonly names: readonly string[];
  /** The tensors whose `.data` is perturbed (and always restored exactly). */
  readonly tensors: readonly Tensor[];
  /** The scalar at the tensors' current values, computed without recording a tape. */
  value(): number;
  /**
   * The scalar with element k of tensor t set to `value` and everything else as it is; the same
   * as value() after that assignment, but may recompute only what the element reaches (replay.ts).
   */
  valueAt?(t: number, k: number, value: number): number;
  /** The scalar with every tensor t moved by h·dirs[t] (undefined: left as is); as value() after that move. */
  valueShifted?(dirs: readonly (Direction | undefined)[], h: number): number;
}

/** vᵀy over flat data. */
export function project(y: Tensor, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += y.data[i] * v[i];
  return s;
}

/** Runs `fn` with x[k] set to `value`, then restores the original bits whatever happens. */
export function withElement<T>(x: Float64Array, k: number, value: number, fn: () => T): T {
  const orig = x[k];
  x[k] = value;
  try {
    return fn();
  } finally {
    x[k] = orig;
  }
}

/** The objective with every tensor moved by h·d[t]: its own shifted evaluation where it has one, else a real move. */
export function valueMoved(obj: Objective, d: readonly Direction[], h: number): number {
  return obj.valueShifted ? obj.valueShifted(d, h) : withShiftAll(obj.tensors, d, h, () => obj.value());
}

/**
 * Runs `fn` with every tensor moved by h·d[t] (one direction per tensor), restoring them all.
 * The originals are saved into one buffer, kept for the next call (a model's worth of doubles is
 * worth not allocating and zeroing per check): copied in and out natively, the move itself is the
 * only loop.
 */
export function withShiftAll<T>(tensors: readonly Tensor[], d: readonly Direction[], h: number, fn: () => T): T {
  let total = 0;
  for (const t of tensors) total += t.size;
  const saved = spare !== undefined && spare.length >= total ? spare : new Float64Array(total);
  spare = undefined; // in use: a nested call gets its own
  let kept = 0;
  try {
    for (let o = 0; kept < tensors.length; ) {
      const x = tensors[kept].data;
      saved.set(x, o);
      o += x.length;
      kept++;
      addScaled(x, d[kept - 1], h);
    }
    return fn();
  } finally {
    for (let i = 0, o = 0; i < kept; i++) {
      const x = tensors[i].data;
      x.set(saved.subarray(o, o + x.length));
      o += x.length;
    }
    keepSpare(saved);
  }
}

function keepSpare(buffer: Float64Array): void {
  if (buffer.length <= SPARE_MAX && !(spare && spare.length >= buffer.length)) spare = buffer;
}

/** withShiftAll's buffer between calls, up to SPARE_MAX doubles (8 MB). */
let spare: Float64Array | undefined;
const SPARE_MAX = 2 ** 20;

/** Σ a[i]·b[i] over [lo, hi), in four interleaved sums: one running sum waits on each add's latency. */
export function dot(a: Float64Array, b: Float64Array, lo = 0, hi = a.length): number {
  return dotAt(a, lo, b, lo, hi - lo);
}

/** Σ a[ia + i]·b[ib + i] for i < n, in four interleaved sums. */
export function dotAt(a: Float64Array, ia: number, b: Float64Array, ib: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[ia + i] * b[ib + i];
    s1 += a[ia + i + 1] * b[ib + i + 1];
    s2 += a[ia + i + 2] * b[ib + i + 2];
    s3 += a[ia + i + 3] * b[ib + i + 3];
  }
  for (; i < n; i++) s0 += a[ia + i] * b[ib + i];
  return s0 + s1 + (s2 + s3);
}
