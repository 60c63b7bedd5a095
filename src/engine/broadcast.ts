// NumPy broadcasting, forwards and backwards. This is the one place that undoes broadcasting:
// VJPs return gradients in the output's shape and `unbroadcast` sums them back to each input.
import { stridedOffsets } from './kernels/strided';
import { allocate, checkAllocation, zeroedValues } from './memory';
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
  // A model broadcasts the same few shape pairs on every forward (a bias over the batch): the maps
  // are kept, read-only, instead of being rebuilt each time.
  const key = `${inShape.join(',')}>${outShape.join(',')}`;
  const hit = mapCache.get(key);
  if (hit) return hit;
  const n = outShape.length;
  const inStrides = stridesOf(inShape);
  // stride 0 on broadcast axes, aligned to the right
  const strides = new Array<number>(n).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const o = n - inShape.length + i;
    strides[o] = inShape[i] === 1 ? 0 : inStrides[i];
  }
  const map = stridedOffsets(outShape, strides);
  if (map.length <= MAP_CACHE_ELEMENTS) {
    if (mapCache.size >= MAP_CACHE_ENTRIES) mapCache.delete(mapCache.keys().next().value!);
    mapCache.set(key, map);
  }
  return map;
}

const mapCache = new Map<string, Int32Array>();
const MAP_CACHE_ENTRIES = 64;
/** Larger maps are cheap to rebuild next to the work they index. */
const MAP_CACHE_ELEMENTS = 1 << 16;

export function expandData(op: string, x: Tensor, shape: Shape): Float64Array {
  broadcastShapes(op, x.shape, shape);
  checkAllocation(op, sizeOf(shape) * Float64Array.BYTES_PER_ELEMENT);
  const map = broadcastIndex(x.shape, shape);
  if (!map) return x.data;
  const out = zeroedValues(map.length);
  for (let i = 0; i < map.length; i++) out[i] = x.data[map[i]];
  return out;
}

/** Sums a gradient of the broadcast shape back down to `shape`. */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const out = zeroedValues(sizeOf(shape));
  if (out.length > 0 && isTrailing(shape, grad.shape)) {
    // A bias's gradient: the rows summed, each element in row order as the map loop would.
    const g = grad.data;
    const n = out.length;
    for (let o = 0; o < g.length; o += n) for (let j = 0; j < n; j++) out[j] += g[o + j];
    return new Tensor(out, shape.slice());
  }
  const map = broadcastIndex(shape, grad.shape);
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
  const out = allocate(op, n);
  const ad = a.data;
  const bd = b.data;
  const rows = ROWS[op];
  if (rows && ad.length === n && bd.length > 1 && bd.length < n && isTrailing(b.shape, shape)) {
    rows(out, ad, bd, true);
    return new Tensor(out, shape);
  }
  if (rows && bd.length === n && ad.length > 1 && ad.length < n && isTrailing(a.shape, shape)) {
    rows(out, bd, ad, false);
    return new Tensor(out, shape);
  }
  const ma = ad.length === n ? null : ad.length === 1 ? ZERO_MAP : broadcastIndex(a.shape, shape);
  const mb = bd.length === n ? null : bd.length === 1 ? ZERO_MAP : broadcastIndex(b.shape, shape);
  const kernel = ARITHMETIC[op];
  if (kernel) kernel(out, ad, ma, bd, mb);
  else for (let i = 0; i < n; i++) out[i] = f(ad[at(ma, i)], bd[at(mb, i)]);
  return new Tensor(out, shape);
}

/** A scalar operand's index map: every output element reads element 0 (see `at`). */
const ZERO_MAP = new Int32Array(0);

function at(map: Int32Array | null, i: number): number {
  return map === null ? i : map === ZERO_MAP ? 0 : map[i];
}

type Kernel = (out: Float64Array, a: Float64Array, ma: Int32Array | null, b: Float64Array, mb: Int32Array | null) => void;

/**
 * The four arithmetic ops get loops of their own: through the shared `f` every elementwise op
 * would make one megamorphic call per element, the engine's hottest path in a check's sweep.
 * (Written out: closures from one factory would share their call feedback and lose the point.)
 */
const ARITHMETIC: Record<string, Kernel | undefined> = {
  add: (out, a, ma, b, mb) => {
    if (ma === null && mb === null) for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
    else for (let i = 0; i < out.length; i++) out[i] = a[at(ma, i)] + b[at(mb, i)];
  },
  sub: (out, a, ma, b, mb) => {
    if (ma === null && mb === null) for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
    else for (let i = 0; i < out.length; i++) out[i] = a[at(ma, i)] - b[at(mb, i)];
  },
  mul: (out, a, ma, b, mb) => {
    if (ma === null && mb === null) for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
    else for (let i = 0; i < out.length; i++) out[i] = a[at(ma, i)] * b[at(mb, i)];
  },
  div: (out, a, ma, b, mb) => {
    if (ma === null && mb === null) for (let i = 0; i < out.length; i++) out[i] = a[i] / b[i];
    else for (let i = 0; i < out.length; i++) out[i] = a[at(ma, i)] / b[at(mb, i)];
  },
};

/** `inner` is `shape`'s trailing axes (leading 1s aside): it repeats over the leading ones, row by row, as a bias does. */
function isTrailing(inner: Shape, shape: Shape): boolean {
  let i = 0;
  while (i < inner.length && inner[i] === 1) i++;
  const k = inner.length - i;
  if (k === 0 || k > shape.length) return false;
  for (let j = 0; j < k; j++) if (inner[i + j] !== shape[shape.length - k + j]) return false;
  return true;
}

/**
 * The four ops with one operand repeated along the leading axes (`row`, its length dividing the
 * output's): no index map, one pass per row. `rowIsB` says which side of the op the row is on.
 */
type RowKernel = (out: Float64Array, full: Float64Array, row: Float64Array, rowIsB: boolean) => void;
const ROWS: Record<string, RowKernel | undefined> = {
  add: (out, full, row, rowIsB) => {
    const n = row.length;
    if (rowIsB) for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = full[o + j] + row[j];
    else for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = row[j] + full[o + j];
  },
  sub: (out, full, row, rowIsB) => {
    const n = row.length;
    if (rowIsB) for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = full[o + j] - row[j];
    else for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = row[j] - full[o + j];
  },
  mul: (out, full, row, rowIsB) => {
    const n = row.length;
    if (rowIsB) for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = full[o + j] * row[j];
    else for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = row[j] * full[o + j];
  },
  div: (out, full, row, rowIsB) => {
    const n = row.length;
    if (rowIsB) for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = full[o + j] / row[j];
    else for (let o = 0; o < out.length; o += n) for (let j = 0; j < n; j++) out[o + j] = row[j] / full[o + j];
  },
};

export function unaryKernel(x: Tensor, f: (v: number) => number): Tensor {
  const n = x.data.length;
  const out = zeroedValues(n);
  const d = x.data;
  for (let i = 0; i < n; i++) out[i] = f(d[i]);
  return new Tensor(out, x.shape.slice());
}
