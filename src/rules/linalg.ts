// Plain-array linear algebra for the derivative table's identities. Deliberately independent of the
// engine: a rule is checked by these loops and central differences, never by the engine's own VJPs.
import { Rng } from '../engine/random';

/** A dense row-major matrix (a vector is n×1). */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  const m = { rows, cols, data: new Float64Array(rows * cols) };
  if (data) m.data.set(data);
  return m;
}

export function randomMat(rng: Rng, rows: number, cols: number, scale = 1): Mat {
  const m = mat(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = scale * rng.normal();
  return m;
}

/** A well-conditioned square matrix (I·n plus noise), so inverses and log det are safe. */
export function randomSpd(rng: Rng, n: number): Mat {
  const a = randomMat(rng, n, n, 0.5);
  const m = matmul(a, transpose(a));
  for (let i = 0; i < n; i++) m.data[i * n + i] += n;
  return m;
}

export const at = (m: Mat, i: number, j: number): number => m.data[i * m.cols + j];

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul ${a.rows}x${a.cols} by ${b.rows}x${b.cols}`);
  const out = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) out.data[i * b.cols + j] += v * b.data[k * b.cols + j];
    }
  return out;
}

export function transpose(a: Mat): Mat {
  const out = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  return out;
}

export function add(a: Mat, b: Mat, beta = 1): Mat {
  return mat(a.rows, a.cols, a.data.map((v, i) => v + beta * b.data[i]));
}

export function scale(a: Mat, s: number): Mat {
  return mat(a.rows, a.cols, a.data.map((v) => v * s));
}

export function map(a: Mat, f: (v: number, i: number) => number): Mat {
  return mat(a.rows, a.cols, a.data.map(f));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function trace(a: Mat): number {
  let s = 0;
  for (let i = 0; i < Math.min(a.rows, a.cols); i++) s += at(a, i, i);
  return s;
}

/** Inverse and determinant by Gauss–Jordan elimination with partial pivoting. */
export function invDet(a: Mat): { inv: Mat; det: number } {
  const n = a.rows;
  const w = Float64Array.from(a.data);
  const inv = mat(n, n);
  for (let i = 0; i < n; i++) inv.data[i * n + i] = 1;
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(w[r * n + c]) > Math.abs(w[p * n + c])) p = r;
    if (w[p * n + c] === 0) throw new Error('singular matrix');
    if (p !== c) {
      det = -det;
      for (let j = 0; j < n; j++) {
        [w[c * n + j], w[p * n + j]] = [w[p * n + j], w[c * n + j]];
        [inv.data[c * n + j], inv.data[p * n + j]] = [inv.data[p * n + j], inv.data[c * n + j]];
      }
    }
    const piv = w[c * n + c];
    det *= piv;
    for (let j = 0; j < n; j++) {
      w[c * n + j] /= piv;
      inv.data[c * n + j] /= piv;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = w[r * n + c];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        w[r * n + j] -= f * w[c * n + j];
        inv.data[r * n + j] -= f * inv.data[c * n + j];
      }
    }
  }
  return { inv, det };
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export function softmax(z: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]);
  const e = Float64Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function oneHot(k: number, y: number): Float64Array {
  const o = new Float64Array(k);
  o[y] = 1;
  return o;
}

/** The identity's Jacobian I (n×n), flat. */
export function eye(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}
