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
