// Shape ops: they move values, never change them. Every VJP is the inverse movement (the inverse
// permutation, the reverse reshape, a scatter of the slice into zeros); broadcastTo's VJP is the
// identity because the tape's central unbroadcast already sums the gradient back.
// Outputs always own fresh data (tensors are immutable values, see tensor.ts).
import { provideRecordedAlgebra } from '../autograd';
import { registerBackwardOp } from '../backwardOp';
import { broadcastIndex, unbroadcast } from '../broadcast';
import { add } from './arithmetic';
import { gather, stridedOffsets } from '../kernels/strided';
import { allocate, zeroedValues, copyValues } from '../memory';
import { type OpDef, apply, registerOp, TensorLike, asTensor } from '../registry';
import { GradlensError, Shape, Tensor, fmtShape, normAxis, sizeOf, stridesOf } from '../tensor';
import { plainAt, plainSize, Plain } from './reference';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

// ---------------------------------------------------------------------------------------------
// Kernels (engine side)

/** Output data of `x` with its axes reordered: out axis i is input axis axes[i]. */
function permuteData(x: Tensor, axes: readonly number[]): { data: Float64Array; shape: number[] } {
  const shape = axes.map((a) => x.shape[a]);
  const inStrides = stridesOf(x.shape);
  const strides = axes.map((a) => inStrides[a]);
  return { data: gather(x.data, stridedOffsets(shape, strides)), shape };
}

/**
 * Copies the box [begin, begin + size) of `src` (shape `srcShape`) into the box at `dstBegin` of
 * `dst` (shape `dstShape`). Slicing reads a box out; its VJP and concat's forward write one in.
 */
function copyBox(src: Float64Array, srcShape: Shape, srcBegin: readonly number[], dst: Float64Array, dstShape: Shape, dstBegin: readonly number[], size: readonly number[]): void {
  const n = size.length;
  if (sizeOf(size) === 0) return;
  if (n === 0) {
    dst[0] = src[0];
    return;
  }
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  let s0 = 0;
  let d0 = 0;
  for (let i = 0; i < n; i++) {
    s0 += srcBegin[i] * ss[i];
    d0 += dstBegin[i] * ds[i];
  }
  // Rows along the last axis are contiguous in both: copy them whole, walk the outer axes.
  const row = size[n - 1];
  const outer = sizeOf(size.slice(0, n - 1));
  const idx = new Array<number>(n - 1).fill(0);
  let s = s0;
  let d = d0;
  for (let r = 0; r < outer; r++) {
    dst.set(src.subarray(s, s + row), d);
    for (let a = n - 2; a >= 0; a--) {
      idx[a]++;
      s += ss[a];
      d += ds[a];
      if (idx[a] < size[a]) break;
      s -= ss[a] * size[a];
      d -= ds[a] * size[a];
      idx[a] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plain-loop references for the test specs: one multi-index loop each, no strides, no box copies.

function plainIndexOf(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

function plainGather(shape: number[], read: (idx: number[]) => number): Plain {
  const data: number[] = [];
  for (let k = 0; k < plainSize(shape); k++) data.push(read(plainIndexOf(k, shape)));
  return { data, shape };
}

// ---------------------------------------------------------------------------------------------
// transpose and permute

function checkAxes(op: string, axes: readonly number[], ndim: number): number[] {
  if (!Array.isArray(axes) || axes.length !== ndim) {
    throw new GradlensError(op, `axes ${JSON.stringify(axes)} must list each of the ${ndim} axes exactly once`);
  }
  const norm = axes.map((a) => normAxis(op, a, ndim));
  if (new Set(norm).size !== ndim) throw new GradlensError(op, `axes [${axes.join(',')}] repeat an axis; each of the ${ndim} axes must appear exactly once`);
  return norm;
}

function lastTwoSwapped(ndim: number): number[] {
  const axes = Array.from({ length: ndim }, (_, i) => i);
  axes[ndim - 2] = ndim - 1;
  axes[ndim - 1] = ndim - 2;
  return axes;
}

const transposeOp = registerOp<NoAttrs>({
  name: 'transpose',
  family: 'shape',
  inputs: ['x'],
  summary: 'Swaps the last two axes only (the matrix transpose, batched over leading axes); needs at least 2 dimensions, so a 1-D vector is an error. For other axes use permute.',
  forward: ([x]) => {
    if (x.ndim < 2) throw new GradlensError('transpose', `swaps only the last two axes, so it needs at least 2 dimensions, got shape ${fmtShape(x.shape)}; reshape a vector to [1,n] or [n,1] first, or reorder other axes with permute`);
    const { data, shape } = permuteData(x, lastTwoSwapped(x.ndim));
    return new Tensor(data, shape);
  },
  vjp: [(dy) => transpose(dy)],
  latex: { forward: 'Y = X^{\\top}', grads: ['\\bar{X} = \\bar{Y}^{\\top}'], shapes: 'X \\in \\mathbb{R}^{m \\times n}' },
  test: {
    cases: [
      { label: 'matrix', inputs: [{ shape: [3, 4] }] },
      { label: 'batched', inputs: [{ shape: [2, 3, 4] }] },
    ],
    reference: ([x]) => {
      const n = x.shape.length;
      const shape = [...x.shape.slice(0, n - 2), x.shape[n - 1], x.shape[n - 2]];
      return plainGather(shape, (idx) => {
        const src = [...idx.slice(0, n - 2), idx[n - 1], idx[n - 2]];
        return plainAt(x, src);
      });
    },
  },
});

interface PermuteAttrs {
  axes: number[];
}

const permuteOp = registerOp<PermuteAttrs>({
  name: 'permute',
  family: 'shape',
  inputs: ['x'],
  summary: 'Reorders the axes: output axis i is input axis axes[i].',
  forward: ([x], { axes }) => {
    const { data, shape } = permuteData(x, checkAxes('permute', axes, x.ndim));
    return new Tensor(data, shape);
  },
  vjp: [
    (dy, { attrs: { axes }, inputs: [x] }) => {
      const norm = checkAxes('permute', axes, x.ndim);
      const inverse = new Array<number>(norm.length);
      norm.forEach((a, i) => (inverse[a] = i));
      return permute(dy, inverse);
    },
  ],
  latex: { forward: 'Y_{i_{p_1} \\dots i_{p_n}} = X_{i_1 \\dots i_n}', grads: ['\\bar{X} = \\operatorname{permute}(\\bar{Y}, p^{-1})'] },
  test: {
    cases: [
      { label: '3-D cycle', inputs: [{ shape: [2, 3, 4] }], attrs: { axes: [2, 0, 1] } },
      { label: 'negative axes', inputs: [{ shape: [2, 3, 4] }], attrs: { axes: [-2, -1, 0] } },
      { label: '4-D', inputs: [{ shape: [2, 1, 3, 2] }], attrs: { axes: [3, 1, 0, 2] } },
    ],
    reference: ([x], { axes }) => {
      const n = x.shape.length;
      const p = axes.map((a) => (a < 0 ? a + n : a));
      const shape = p.map((a) => x.shape[a]);
      return plainGather(shape, (idx) => {
        const src = new Array<number>(n);
        p.forEach((a, i) => (src[a] = idx[i]));
        return plainAt(x, src);
      });
    },
  },
});

// ---------------------------------------------------------------------------------------------
// reshape and broadcastTo

interface ReshapeAttrs {
  shape: number[];
}

/** Resolves one -1 entry; errors name both shapes and their sizes. */
function resolveReshape(from: Shape, to: readonly number[]): number[] {
  if (!Array.isArray(to)) throw new GradlensError('reshape', `the new shape must be an array of numbers, got ${typeof to}`);
  const free = to.filter((d) => d === -1).length;
  if (free > 1) throw new GradlensError('reshape', `only one dimension may be -1, got ${fmtShape(to)}`);
  for (const d of to) {
    if (d !== -1 && (!Number.isInteger(d) || d < 0)) throw new GradlensError('reshape', `invalid dimension ${d} in ${fmtShape(to)}: dimensions are whole numbers >= 0, or one -1`);
  }
  const n = sizeOf(from);
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (free === 1) {
    if (known === 0 || n % known !== 0) {
      throw new GradlensError('reshape', `cannot reshape ${fmtShape(from)} (${n} values) to ${fmtShape(to)}: ${n} is not a multiple of ${known}`);
    }
    return to.map((d) => (d === -1 ? n / known : d));
  }
  if (known !== n) throw new GradlensError('reshape', `cannot reshape ${fmtShape(from)} (${n} values) to ${fmtShape(to)} (${known} values)`);
  return to.slice();
}

const reshapeOp = registerOp<ReshapeAttrs>({
  name: 'reshape',
  family: 'shape',
  inputs: ['x'],
  summary: 'Same values in row-major order, new shape; one dimension may be -1 (inferred).',
  forward: ([x], { shape }) => new Tensor(copyValues(x.data), resolveReshape(x.shape, shape)),
  vjp: [(dy, { inputs: [x] }) => reshape(dy, x.shape.slice())],
  latex: { forward: 'y = \\operatorname{reshape}(x)', grads: ['\\bar{x} = \\operatorname{reshape}^{-1}(\\bar{y})'] },
  test: {
    cases: [
      { label: 'matrix to 3-D', inputs: [{ shape: [4, 3] }], attrs: { shape: [2, 3, 2] } },
      { label: 'inferred -1', inputs: [{ shape: [2, 6] }], attrs: { shape: [-1, 4] } },
      { label: 'to scalar', inputs: [{ shape: [1, 1] }], attrs: { shape: [] } },
    ],
    // Row-major order is the definition, so the reference copies values in order; the shape is derived independently.
    reference: ([x], { shape }) => {
      const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      return { data: Array.from(x.data), shape: shape.map((d) => (d === -1 ? x.data.length / known : d)) };
    },
  },
});

interface BroadcastToAttrs {
  shape: number[];
}

function checkBroadcastTo(from: Shape, to: readonly number[]): void {
  if (!Array.isArray(to)) throw new GradlensError('broadcastTo', `the target shape must be an array of numbers, got ${typeof to}`);
  const off = to.length - from.length;
  if (off < 0) throw new GradlensError('broadcastTo', `cannot broadcast shape ${fmtShape(from)} to ${fmtShape(to)}: the target has fewer dimensions`);
  from.forEach((d, i) => {
    if (d !== 1 && d !== to[off + i]) {
      throw new GradlensError('broadcastTo', `cannot broadcast shape ${fmtShape(from)} to ${fmtShape(to)} (${d} vs ${to[off + i]} at axis ${off + i})`);
    }
  });
}

/** x repeated along its broadcast axes, as fresh data (the shapes were checked by the caller). */
function broadcastData(x: Tensor, to: readonly number[]): Float64Array {
  const map = broadcastIndex(x.shape, to);
  return map ? gather(x.data, map) : copyValues(x.data);
}

const broadcastToOp = registerOp<BroadcastToAttrs>({
  name: 'broadcastTo',
  family: 'shape',
  inputs: ['x'],
  summary: 'Repeats x along axes of size 1 (and new leading axes) to fill the given shape (NumPy rules).',
  forward: ([x], { shape }) => {
    checkBroadcastTo(x.shape, shape);
    return new Tensor(broadcastData(x, shape), shape.slice());
  },
  // The tape sums the gradient back over the broadcast axes (broadcast.ts: unbroadcast).
  vjp: [(dy) => dy],
  latex: { forward: 'Y = \\operatorname{broadcast}(x)', grads: ['\\bar{x} = \\textstyle\\sum_{\\text{broadcast axes}} \\bar{Y}'] },
  test: {
    cases: [
      { label: 'column to 3-D', inputs: [{ shape: [3, 1] }], attrs: { shape: [2, 3, 4] } },
      { label: 'row', inputs: [{ shape: [4] }], attrs: { shape: [3, 4] } },
      { label: 'scalar', inputs: [{ shape: [] }], attrs: { shape: [2, 2] } },
    ],
    reference: ([x], { shape }) => plainGather(shape.slice(), (idx) => plainAt(x, idx)),
  },
});

interface SumToAttrs {
  shape: number[];
}

/**
 * broadcastTo's backward: sums a gradient of the broadcast shape back down to `shape`. The tape
 * does this with the plain `unbroadcast` kernel; a recorded backward (`createGraph`) does it with
 * this op, so the sum can be differentiated again.
 */
const sumToOp = registerOp<SumToAttrs>({
  name: 'sumTo',
  family: 'backward',
  backwardOf: 'broadcastTo',
  inputs: ['g'],
  summary: 'Sums a broadcast gradient back to a shape it was broadcast from (the tape\'s unbroadcast, recorded).',
  forward: ([g], { shape }) => {
    checkBroadcastTo(shape, g.shape.slice());
    return unbroadcast(g, shape);
  },
  vjp: [(dy, { inputs: [g] }) => broadcastTo(dy, g.shape.slice())],
  latex: { forward: 'y = \\textstyle\\sum_{\\text{broadcast axes}} G', grads: ['\\bar{G} = \\operatorname{broadcast}(\\bar{y})'] },
  test: {
    cases: [
      { label: 'rows summed', inputs: [{ shape: [3, 4] }], attrs: { shape: [4] } },
      { label: 'keeps a column', inputs: [{ shape: [2, 3, 4] }], attrs: { shape: [3, 1] } },
      { label: 'to a scalar', inputs: [{ shape: [2, 2] }], attrs: { shape: [] } },
    ],
    reference: ([g], { shape }) => {
      const out = { data: new Array<number>(plainSize(shape)).fill(0), shape: shape.slice() };
      const off = g.shape.length - shape.length;
      for (let k = 0; k < g.data.length; k++) {
        const idx = plainIndexOf(k, g.shape).slice(off).map((v, i) => (shape[i] === 1 ? 0 : v));
        let flat = 0;
        idx.forEach((v, i) => (flat = flat * shape[i] + v));
        out.data[flat] += g.data[k];
      }
      return out;
    },
  },
});

// ---------------------------------------------------------------------------------------------
// concat (variadic)

interface ConcatAttrs {
  axis: number;
}

function checkConcat(xs: readonly Tensor[], axis: number): number {
  if (xs.length === 0) throw new GradlensError('concat', 'needs at least one tensor');
  const ref = xs[0];
  if (ref.ndim === 0) throw new GradlensError('concat', 'cannot concatenate scalars (shape []); reshape them to [1] first');
  const a = normAxis('concat', axis, ref.ndim);
  xs.forEach((x, k) => {
    const same = x.ndim === ref.ndim && x.shape.every((d, i) => i === a || d === ref.shape[i]);
    if (!same) {
      throw new GradlensError('concat', `shapes ${fmtShape(ref.shape)} and ${fmtShape(x.shape)} (tensor ${k}) must match on every axis except axis ${axis}`);
    }
  });
  return a;
}

const concatOp = registerOp<ConcatAttrs>({
  name: 'concat',
  family: 'shape',
  inputs: ['xs'],
  variadic: true,
  summary: 'Joins tensors along an axis; all other dimensions must match.',
  forward: (xs, { axis }) => {
    const a = checkConcat(xs, axis);
    const shape = xs[0].shape.slice();
    shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
    const out = allocate('concat', sizeOf(shape));
    const at = new Array<number>(shape.length).fill(0);
    for (const x of xs) {
      copyBox(x.data, x.shape, new Array<number>(x.ndim).fill(0), out, shape, at, x.shape);
      at[a] += x.shape[a];
    }
    return new Tensor(out, shape);
  },
  // Input k's gradient is its own stretch of dy along the axis.
  vjp: [
    (dy, { inputs, index, attrs: { axis } }) => {
      const a = normAxis('concat', axis, dy.ndim);
      const begin = new Array<number>(dy.ndim).fill(0);
      for (let k = 0; k < index; k++) begin[a] += inputs[k].shape[a];
      return slice(dy, begin, inputs[index].shape.slice());
    },
  ],
  latex: { forward: 'Y = [X_1, X_2, \\dots]', grads: ['\\bar{X}_k = \\bar{Y}_{[\\text{rows of } X_k]}'] },
  test: {
    cases: [
      { label: 'three along axis 1', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }], attrs: { axis: 1 } },
      { label: 'two along axis 0', inputs: [{ shape: [1, 3] }, { shape: [2, 3] }], attrs: { axis: 0 } },
      { label: 'negative axis, 3-D', inputs: [{ shape: [2, 2, 1] }, { shape: [2, 2, 3] }], attrs: { axis: -1 } },
      { label: 'vectors', inputs: [{ shape: [2] }, { shape: [3] }], attrs: { axis: 0 } },
    ],
    reference: (xs, { axis }) => {
      const n = xs[0].shape.length;
      const a = axis < 0 ? axis + n : axis;
      const shape = xs[0].shape.slice();
      shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
      return plainGather(shape, (idx) => {
        let pos = idx[a];
        for (const x of xs) {
          if (pos < x.shape[a]) return plainAt(x, idx.map((v, i) => (i === a ? pos : v)));
          pos -= x.shape[a];
        }
        return NaN;
      });
    },
  },
});

// ---------------------------------------------------------------------------------------------
// slice (tfjs style) and split

interface SliceAttrs {
  begin: number[];
  /** -1 means "to the end of the axis". */
  size: number[];
}

/** Pads begin with 0 and size with -1 up to ndim, resolves -1, and checks bounds. */
function resolveSlice(shape: Shape, begin: number | readonly number[], size?: number | readonly number[]): { begin: number[]; size: number[] } {
  const n = shape.length;
  const b = typeof begin === 'number' ? [begin] : Array.isArray(begin) ? begin.slice() : null;
  const s = size === undefined ? [] : typeof size === 'number' ? [size] : Array.isArray(size) ? size.slice() : null;
  if (!b || !s) throw new GradlensError('slice', 'begin and size must be numbers or arrays of numbers');
  if (b.length > n || s.length > n) throw new GradlensError('slice', `begin [${b.join(',')}] / size [${s.join(',')}] have more entries than shape ${fmtShape(shape)} has axes`);
  const rb: number[] = [];
  const rs: number[] = [];
  for (let i = 0; i < n; i++) {
    const bi = b[i] ?? 0;
    const si = s[i] ?? -1;
    if (!Number.isInteger(bi) || bi < 0 || bi > shape[i]) {
      throw new GradlensError('slice', `begin ${bi} is out of range for axis ${i} of shape ${fmtShape(shape)}`);
    }
    const len = si === -1 ? shape[i] - bi : si;
    if (!Number.isInteger(len) || len < 0 || bi + len > shape[i]) {
      throw new GradlensError('slice', `size ${si} from begin ${bi} runs past axis ${i} of shape ${fmtShape(shape)} (length ${shape[i]})`);
    }
    rb.push(bi);
    rs.push(len);
  }
  return { begin: rb, size: rs };
}

interface UnsliceAttrs extends SliceAttrs {
  shape: number[];
}

/** slice's backward: dy written into the box of a zero tensor. Linear; its own VJP is the slice. */
const unsliceOp: OpDef<UnsliceAttrs> = registerBackwardOp<UnsliceAttrs>({
  name: 'unslice',
  backwardOf: 'slice',
  inputs: ['dy'],
  differentiable: [true],
  summary: "slice's VJP: the box's gradient placed into zeros of the sliced tensor's shape.",
  kernel: ([dy], { begin, size, shape }) => {
    const out = zeroedValues(sizeOf(shape));
    copyBox(dy.data, size, new Array<number>(size.length).fill(0), out, shape, begin, size);
    return new Tensor(out, shape.slice());
  },
  vjp: [(g, { attrs: { begin, size } }) => apply(sliceOp, [g], { begin, size })],
  reference: ([dy], { begin, size, shape }) =>
    plainGather(shape.slice(), (idx) => (idx.every((v, i) => v >= begin[i] && v < begin[i] + size[i]) ? plainAt(dy, idx.map((v, i) => v - begin[i])) : 0)),
  latex: { forward: '\\bar{X}_{[b : b + s]} = \\bar{Y}, \\text{ zero elsewhere}', grads: [] },
  cases: [
    { label: 'matrix box', inputs: [{ shape: [2, 3] }], attrs: { begin: [1, 0], size: [2, 3], shape: [3, 4] } },
    { label: '3-D', inputs: [{ shape: [1, 3, 2] }], attrs: { begin: [1, 0, 2], size: [1, 3, 2], shape: [2, 3, 4] } },
  ],
});

const sliceOp: OpDef<SliceAttrs> = registerOp<SliceAttrs>({
  name: 'slice',
  family: 'shape',
  inputs: ['x'],
  summary: 'The box [begin, begin + size) of x (tfjs style; size -1 runs to the end of the axis).',
  forward: ([x], attrs) => {
    const { begin, size } = resolveSlice(x.shape, attrs.begin, attrs.size);
    const out = zeroedValues(sizeOf(size));
    copyBox(x.data, x.shape, begin, out, size, new Array<number>(size.length).fill(0), size);
    return new Tensor(out, size);
  },
  // The gradient is dy placed back into a zero tensor of x's shape.
  vjp: [
    (dy, { inputs: [x], attrs }) => {
      const { begin, size } = resolveSlice(x.shape, attrs.begin, attrs.size);
      return apply(unsliceOp, [dy], { begin, size, shape: x.shape.slice() });
    },
  ],
  latex: { forward: 'Y = X_{[b : b + s]}', grads: ['\\bar{X}_{[b : b + s]} = \\bar{Y}, \\text{ zero elsewhere}'] },
  test: {
    // The generic NaN test poisons element 0, so these boxes start at the origin; offsets are
    // covered in test/unit/engine/linalg.test.ts.
    cases: [
      { label: 'matrix box', inputs: [{ shape: [3, 4] }], attrs: { begin: [0, 0], size: [2, 3] } },
      { label: 'size -1 to the end', inputs: [{ shape: [2, 3, 4] }], attrs: { begin: [0, 0, 0], size: [1, -1, 2] } },
      { label: 'short begin and size', inputs: [{ shape: [4, 3] }], attrs: { begin: [0], size: [2] } },
    ],
    reference: ([x], { begin, size }) => {
      const n = x.shape.length;
      const b = Array.from({ length: n }, (_, i) => begin[i] ?? 0);
      const shape = Array.from({ length: n }, (_, i) => ((size[i] ?? -1) === -1 ? x.shape[i] - b[i] : size[i]));
      return plainGather(shape, (idx) => plainAt(x, idx.map((v, i) => v + b[i])));
    },
  },
});

// ---------------------------------------------------------------------------------------------
// The public functions

/**
 * Swaps the last two axes only: `[..., m, n]` becomes `[..., n, m]` (the matrix transpose, batched
 * over leading axes). A 1-D vector is an error (reshape it to `[1, n]` or `[n, 1]`); to reorder
 * other axes use `permute`.
 */
export const transpose = (x: TensorLike): Tensor => apply(transposeOp, [x], none);

export function permute(x: TensorLike, axes: readonly number[]): Tensor {
  return apply(permuteOp, [x], { axes: Array.isArray(axes) ? axes.slice() : (axes as number[]) });
}

/** New shape, same row-major values; one dimension may be -1 and is inferred. */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return apply(reshapeOp, [x], { shape: Array.isArray(shape) ? shape.slice() : (shape as number[]) });
}

export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return apply(broadcastToOp, [x], { shape: Array.isArray(shape) ? shape.slice() : (shape as number[]) });
}

/** Sums `g` back down to `shape`, a shape that broadcasts to g's. */
export function sumTo(g: TensorLike, shape: readonly number[]): Tensor {
  return apply(sumToOp, [g], { shape: Array.isArray(shape) ? shape.slice() : (shape as number[]) });
}

// A recorded backward (grad's createGraph) undoes broadcasting and adds gradients up with these.
provideRecordedAlgebra({ sumTo: (g, shape) => (sameShape(g.shape, shape) ? g : sumTo(g, shape)), add });

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs)) throw new GradlensError('concat', 'expects an array of tensors as its first argument');
  return apply(concatOp, xs, { axis });
}

/**
 * `slice(x, begin, size?)`, as in tfjs: the box starting at `begin` with extent `size` per axis.
 * A number stands for a one-entry array; missing trailing entries mean begin 0 and size -1;
 * size -1 runs to the end of its axis. Out-of-range boxes are errors, never clamped.
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  const t = asTensor('slice', x);
  const r = resolveSlice(t.shape, begin, size);
  return apply(sliceOp, [t], r);
}

/**
 * Splits x along `axis` into `count` equal parts, or into parts of the given sizes (one may be
 * -1: the remainder). A composite of slice, so each part has slice's gradient.
 */
export function split(x: TensorLike, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  const t = asTensor('split', x);
  const a = normAxis('split', axis, t.ndim);
  const len = t.shape[a];
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount <= 0 || len % sizesOrCount !== 0) {
      throw new GradlensError('split', `axis ${axis} of shape ${fmtShape(t.shape)} has length ${len}, which cannot be split into ${sizesOrCount} equal parts`);
    }
    sizes = new Array<number>(sizesOrCount).fill(len / sizesOrCount);
  } else if (Array.isArray(sizesOrCount)) {
    sizes = sizesOrCount.slice();
    const free = sizes.filter((s) => s === -1).length;
    const known = sizes.reduce((p, s) => (s === -1 ? p : p + s), 0);
    if (free > 1 || sizes.some((s) => s !== -1 && (!Number.isInteger(s) || s < 0))) {
      throw new GradlensError('split', `sizes [${sizes.join(',')}] must be whole numbers >= 0, with at most one -1`);
    }
    if (free === 1 && known <= len) sizes = sizes.map((s) => (s === -1 ? len - known : s));
    else if (known !== len) {
      throw new GradlensError('split', `sizes [${sizesOrCount.join(',')}] sum to ${known}, but axis ${axis} of shape ${fmtShape(t.shape)} has length ${len}`);
    }
  } else {
    throw new GradlensError('split', 'the second argument must be a count or an array of sizes');
  }
  const parts: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    const begin = new Array<number>(t.ndim).fill(0);
    const size = t.shape.slice();
    begin[a] = at;
    size[a] = s;
    parts.push(slice(t, begin, size));
    at += s;
  }
  return parts;
}
