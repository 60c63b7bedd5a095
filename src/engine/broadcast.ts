// NumPy broadcasting, forwards and backwards. This is the one place that undoes broadcasting:
// VJPs return gradients in the output's shape and `unbroadcast` sums them back to each input.
import { stridedOffsets } from './kernels/strided';
import { GradlensError, Shape, Tensor, fmtShape, sizeOf, stridesOf } from './tensor';

export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new GradlensError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (${da} vs ${db} at axis ${i - n})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each flat index of `outShape`, the flat index into a tensor of shape `inShape` that
 * broadcasts to it. Returns null when no broadcasting happens (the identity map).
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array | null {
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return null;
  const n = outShape.length;
  const inStrides = stridesOf(inShape);
  // stride 0 on broadcast axes, aligned to the right
  const strides = new Array<number>(n).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = n - inShape.length + i;
    strides[o] = inShape[i] === 1 ? 0 : inStrides[i];
  }
  return stridedOffsets(outShape, strides);
}

/** Materialises `x` broadcast to `shape` (no tape; used by kernels and by broadcastTo). */
export function expandData(op: string, x: Tensor, shape: Shape): Float64Array {
  broadcastShapes(op, x.shape, shape);
  const map = broadcastIndex(x.shape, shape);
  if (!map) return x.data;
  const out = new Float64Array(map.length);
  for (let i = 0; i < map.length; i++) out[i] = x.data[map[i]];
  return out;
}

/** Sums a gradient of the broadcast shape back down to `shape`. */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const map = broadcastIndex(shape, grad.shape);
  const out = new Float64Array(sizeOf(shape));
  if (map) {
    for (let i = 0; i < map.length; i++) out[map[i]] += grad.data[i];
  } else {
    out.set(grad.data);
  }
  return new Tensor(out, shape.slice());
}

/**
 * Elementwise binary kernel with broadcasting. The common case of equal shapes and the
 * scalar-operand cases run without an index map.
 */
export function binaryKernel(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const n = sizeOf(shape);
  const out = new Float64Array(n);
  const ad = a.data;
  const bd = b.data;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  } else if (bd.length === 1 && ad.length === n) {
    const y = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], y);
  } else if (ad.length === 1 && bd.length === n) {
    const x = ad[0];
    for (let i = 0; i < n; i++) out[i] = f(x, bd[i]);
  } else {
    const ma = broadcastIndex(a.shape, shape);
    const mb = broadcastIndex(b.shape, shape);
    for (let i = 0; i < n; i++) out[i] = f(ad[ma ? ma[i] : i], bd[mb ? mb[i] : i]);
  }
  return new Tensor(out, shape);
}

export function unaryKernel(x: Tensor, f: (v: number) => number): Tensor {
  const n = x.data.length;
  const out = new Float64Array(n);
  const d = x.data;
  for (let i = 0; i < n; i++) out[i] = f(d[i]);
  return new Tensor(out, x.shape.slice());
}
