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

/** The broadcasting cases of the binary elementwise ops' test specs. */
export const broadcastCases = [
  { label: 'same shape', inputs: [{ shape: [3, 4] }, { shape: [3, 4] }] },
  { label: 'row broadcast', inputs: [{ shape: [3, 4] }, { shape: [4] }] },
  { label: 'column and scalar broadcast', inputs: [{ shape: [3, 1] }, { shape: [] }] },
  { label: 'both broadcast', inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }] },
];

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

/** Flat row-major index → multi-index. */
export function plainIndexOf(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** The elements of each output slot, by plain multi-index walking (the references' grouping). */
export function plainGroups(x: Plain, axis: number | readonly number[] | undefined, keepDims = false): { groups: number[][]; shape: number[] } {
  const nd = x.shape.length;
  const raw = axis === undefined ? x.shape.map((_, i) => i) : typeof axis === 'number' ? [axis] : [...axis];
  const reduced = raw.map((a) => (a < 0 ? a + nd : a));
  const shape: number[] = [];
  x.shape.forEach((d, i) => (!reduced.includes(i) ? shape.push(d) : keepDims ? shape.push(1) : undefined));
  const groups: number[][] = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => []);
  for (let k = 0; k < x.data.length; k++) {
    const idx = plainIndexOf(k, x.shape);
    let o = 0;
    for (let i = 0; i < nd; i++) if (!reduced.includes(i)) o = o * x.shape[i] + idx[i];
    groups[o].push(x.data[k]);
  }
  return { groups, shape };
}

/** Folds each output slot's elements (see plainGroups); `finish` gets the fold and the slot's count. */
export function plainReduce(x: Plain, attrs: { axis?: number | readonly number[]; keepDims?: boolean }, init: number, fold: (acc: number, v: number) => number, finish: (acc: number, count: number) => number): Plain {
  const { groups, shape } = plainGroups(x, attrs.axis, attrs.keepDims);
  return { data: groups.map((g) => finish(g.reduce(fold, init), g.length)), shape };
}
