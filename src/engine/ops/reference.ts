// Plain-loop helpers for the op test specs' reference forwards. They are written independently of
// the engine's kernels (no index maps, no shared code), so a kernel bug cannot hide in both.
import type { Shape } from '../tensor';

export interface Plain {
  data: ArrayLike<number>;
  shape: Shape;
}

export function plainSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Element of `x` at multi-index `idx`, reading broadcast axes (size 1 or missing) as index 0. */
export function plainAt(x: Plain, idx: readonly number[]): number {
  let flat = 0;
  const off = idx.length - x.shape.length;
  for (let i = 0; i < x.shape.length; i++) {
    const d = x.shape[i];
    flat = flat * d + (d === 1 ? 0 : idx[off + i]);
  }
  return x.data[flat];
}

export function plainMap(x: Plain, f: (v: number) => number): Plain {
  return { data: Array.from(x.data, f), shape: x.shape };
}

/** Binary elementwise with NumPy broadcasting, by enumerating every output multi-index. */
export function plainZip(a: Plain, b: Plain, f: (x: number, y: number) => number): Plain {
  const n = Math.max(a.shape.length, b.shape.length);
  const shape: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a.shape[a.shape.length - n + i] ?? 1;
    const db = b.shape[b.shape.length - n + i] ?? 1;
    shape.push(Math.max(da, db));
  }
  const out: number[] = [];
  const idx = new Array<number>(n).fill(0);
  for (let k = 0; k < plainSize(shape); k++) {
    let rem = k;
    for (let i = n - 1; i >= 0; i--) {
      idx[i] = rem % shape[i];
      rem = Math.floor(rem / shape[i]);
    }
    out.push(f(plainAt(a, idx), plainAt(b, idx)));
  }
  return { data: out, shape };
}

/**
 * Independent reference: walks every input multi-index, drops (or zeroes) the reduced axes and
 * folds into a plain array keyed by the output's flat index.
 */
export function plainReduce(x: Plain, attrs: { axis?: number | readonly number[]; keepDims?: boolean }, init: number, fold: (acc: number, v: number) => number, finish: (acc: number, count: number) => number): Plain {
  const nd = x.shape.length;
  const rawAxes = attrs.axis === undefined ? x.shape.map((_, i) => i) : typeof attrs.axis === 'number' ? [attrs.axis] : [...attrs.axis];
  const reduced = rawAxes.map((a) => (a < 0 ? a + nd : a));
  const outShape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!reduced.includes(i)) outShape.push(d);
    else if (attrs.keepDims) outShape.push(1);
  });
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const acc = new Array<number>(outSize).fill(init);
  const total = x.shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    let rem = k;
    const idx = new Array<number>(nd);
    for (let i = nd - 1; i >= 0; i--) {
      idx[i] = rem % x.shape[i];
      rem = Math.floor(rem / x.shape[i]);
    }
    let o = 0;
    for (let i = 0; i < nd; i++) {
      if (!reduced.includes(i)) o = o * x.shape[i] + idx[i]; // kept size-1 axes add nothing to the index
    }
    acc[o] = fold(acc[o], x.data[k]);
  }
  let count = 1;
  for (const a of reduced) count *= x.shape[a];
  return { data: acc.map((v) => finish(v, count)), shape: outShape };
}
