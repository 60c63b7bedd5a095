// Indexing ops: flip, gather (NumPy's take_along_axis) and scatterAdd, gather's backward. Each
// forward is one index map (output element → input element); flip's VJP is flip, gather's is a
// scatterAdd and scatterAdd's a gather, so every backward here is itself a registry op, and
// differentiable again (PyTorch pairs gather and scatter_add the same way).
import { NestedArray, tensor } from '../create';
import { stridedOffsets } from '../kernels/strided';
import { allocate } from '../memory';
import { TensorLike, apply, asTensor, registerOp } from '../registry';
import { GradlensError, Shape, Tensor, fmtShape, normAxis, sizeOf, stridesOf } from '../tensor';
import { type Plain, plainIndexOf, plainSize } from './reference';

// ---------------------------------------------------------------------------------------------
// flip

interface FlipAttrs {
  /** Normalised, unique. */
  axes: number[];
}

function flipAxes(x: Tensor, axes: number | readonly number[] | undefined): number[] {
  const raw = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : Array.isArray(axes) ? axes : null;
  if (!raw) throw new GradlensError('flip', `axes must be a number, an array of numbers or undefined (all axes), got ${typeof axes}`);
  const norm = raw.map((a) => {
    if (typeof a !== 'number') throw new GradlensError('flip', `axes must be numbers, got ${typeof a}`);
    return normAxis('flip', a, x.ndim);
  });
  if (new Set(norm).size !== norm.length) throw new GradlensError('flip', `axes [${raw.join(',')}] name an axis twice (shape ${fmtShape(x.shape)})`);
  return norm;
}

const flipOp = registerOp<FlipAttrs>({
  name: 'flip',
  family: 'shape',
  inputs: ['x'],
  summary: 'Reverses the order of elements along the given axes (all axes by default).',
  forward: ([x], { axes }) => {
    // Walk the output with negative strides on the flipped axes, from the far end of each.
    const strides = stridesOf(x.shape);
    let start = 0;
    for (const a of axes) {
      if (x.shape[a] === 0) continue;
      start += (x.shape[a] - 1) * strides[a];
      strides[a] = -strides[a];
    }
    const map = stridedOffsets(x.shape, strides);
    const out = allocate('flip', map.length);
    for (let k = 0; k < map.length; k++) out[k] = x.data[start + map[k]];
    return new Tensor(out, x.shape.slice());
  },
  vjp: [(dy, { attrs: { axes } }) => flip(dy, axes)],
  latex: { forward: 'y_{i} = x_{n-1-i} \\ \\text{(along each flipped axis)}', grads: ['\\bar{x} = \\operatorname{flip}(\\bar{y})'] },
  test: {
    cases: [
      { label: 'vector', inputs: [{ shape: [5] }], attrs: { axes: [0] } },
      { label: 'last axis of a matrix', inputs: [{ shape: [3, 4] }], attrs: { axes: [1] } },
      { label: 'two of three axes', inputs: [{ shape: [2, 3, 4] }], attrs: { axes: [0, 2] } },
    ],
    reference: ([x], { axes }) => {
      const out: number[] = [];
      const n = x.shape.length;
      for (let k = 0; k < x.data.length; k++) {
        const idx = plainIndexOf(k, x.shape);
        let flat = 0;
        for (let i = 0; i < n; i++) flat = flat * x.shape[i] + (axes.includes(i) ? x.shape[i] - 1 - idx[i] : idx[i]);
        out.push(x.data[flat]);
      }
      return { data: out, shape: x.shape };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// gather and scatterAdd

interface GatherAttrs {
  axis: number;
}

interface ScatterAttrs {
  axis: number;
  /** The output's shape: the shape of the tensor gathered from. */
  shape: number[];
}

/**
 * The index map shared by gather and scatterAdd: for each output element of gather (each source
 * element of scatterAdd), the flat index into the tensor of shape `xShape` it reads (or adds
 * into). x and indices have the same number of axes; off `axis` their lengths broadcast (equal,
 * or one of them 1, as in NumPy's take_along_axis); along `axis` the output has the indices' length.
 */
function indexPlan(op: string, xShape: Shape, indices: Tensor, axis: number): { outShape: number[]; map: Int32Array } {
  const n = xShape.length;
  if (n === 0) throw new GradlensError(op, 'cannot index a scalar (shape []) along an axis');
  if (indices.ndim !== n) {
    throw new GradlensError(op, `indices ${fmtShape(indices.shape)} must have as many axes as the tensor ${fmtShape(xShape)} (${n}); reshape them, e.g. to [N,1] to pick one element per row`);
  }
  const a = normAxis(op, axis, n);
  const outShape = xShape.map((d, i) => {
    const k = indices.shape[i];
    if (i === a) return k;
    if (d !== k && d !== 1 && k !== 1) throw new GradlensError(op, `indices ${fmtShape(indices.shape)} and tensor ${fmtShape(xShape)} differ at axis ${i} (${k} vs ${d}); off axis ${axis} their lengths must match or one be 1`);
    return Math.max(d, k);
  });
  const len = xShape[a];
  const xStrides = stridesOf(xShape).map((s, i) => (xShape[i] === 1 && i !== a ? 0 : s));
  xStrides[a] = 0; // the index supplies this axis's offset
  const base = stridedOffsets(outShape, xStrides);
  const iStrides = stridesOf(indices.shape).map((s, i) => (indices.shape[i] === 1 ? 0 : s));
  const at = stridedOffsets(outShape, iStrides);
  const step = stridesOf(xShape)[a];
  const map = new Int32Array(base.length);
  for (let o = 0; o < map.length; o++) {
    const ix = indices.data[at[o]];
    if (!Number.isInteger(ix) || ix < 0 || ix >= len) {
      const what = Number.isInteger(ix) ? `is out of range for axis ${axis} of length ${len} (indices run from 0 to ${len - 1})` : 'is not a whole number';
      throw new GradlensError(op, `index ${ix} at position ${at[o]} of indices ${fmtShape(indices.shape)} ${what}, tensor ${fmtShape(xShape)}`);
    }
    map[o] = base[o] + ix * step;
  }
  return { outShape, map };
}

function checkAxisArg(op: string, axis: unknown): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new GradlensError(op, `axis must be a whole number (the axis the indices run along), got ${axis === undefined ? 'undefined (a missing argument?)' : typeof axis}`);
  return axis;
}

/** Plain reference of the gather rule: output multi-index, with the axis replaced by the index. */
function plainGather(x: Plain, ix: Plain, axis: number): { shape: number[]; source: (idx: number[]) => number; total: number } {
  const n = x.shape.length;
  const a = axis < 0 ? axis + n : axis;
  const shape = x.shape.map((d, i) => (i === a ? ix.shape[i] : Math.max(d, ix.shape[i])));
  const source = (idx: number[]): number => {
    let iflat = 0;
    for (let i = 0; i < n; i++) iflat = iflat * ix.shape[i] + (ix.shape[i] === 1 ? 0 : idx[i]);
    let flat = 0;
    for (let i = 0; i < n; i++) flat = flat * x.shape[i] + (i === a ? ix.data[iflat] : x.shape[i] === 1 ? 0 : idx[i]);
    return flat;
  };
  return { shape, source, total: plainSize(shape) };
}

const gatherOp = registerOp<GatherAttrs>({
  name: 'gather',
  family: 'shape',
  inputs: ['x', 'indices'],
  summary:
    'Picks elements along an axis: out[i][j] = x[i][indices[i][j]] for axis 1 (NumPy take_along_axis, PyTorch gather; F.takeAlongAxis is the same op). Off the axis, the shapes broadcast. Indices are not differentiated.',
  forward: ([x, indices], { axis }) => {
    const { outShape, map } = indexPlan('gather', x.shape, indices, axis);
    const out = allocate('gather', map.length);
    for (let o = 0; o < map.length; o++) out[o] = x.data[map[o]];
    return new Tensor(out, outShape);
  },
  vjp: [(dy, { inputs: [x, indices], attrs: { axis } }) => scatterAdd(dy, indices, axis, x.shape), null],
  latex: {
    forward: 'Y_{ij} = X_{i,\\,k_{ij}} \\quad (k = \\text{indices, axis } 1)',
    grads: ['\\bar{X}_{il} = \\textstyle\\sum_{j:\\,k_{ij} = l} \\bar{Y}_{ij} \\quad (\\text{a scatter-add})'],
    shapes: 'X \\in \\mathbb{R}^{m \\times n},\\ k \\in \\{0..n-1\\}^{m \\times p},\\ Y \\in \\mathbb{R}^{m \\times p}',
  },
  test: {
    cases: [
      // Ordered so that each case's seeded indices read x's first element (the NaN test poisons it).
      { label: 'one per row (a label pick)', inputs: [{ shape: [6, 3] }, { shape: [6, 1], intHigh: 3 }], attrs: { axis: 1 } },
      { label: 'repeats along axis 0', inputs: [{ shape: [3, 4] }, { shape: [5, 4], intHigh: 3 }], attrs: { axis: 0 } },
      { label: 'tensor broadcast', inputs: [{ shape: [1, 5] }, { shape: [3, 4], intHigh: 5 }], attrs: { axis: 1 } },
      { label: 'negative axis, indices broadcast', inputs: [{ shape: [2, 3, 4] }, { shape: [1, 3, 6], intHigh: 4 }], attrs: { axis: -1 } },
      { label: 'vector', inputs: [{ shape: [5] }, { shape: [3], intHigh: 5 }], attrs: { axis: 0 } },
    ],
    reference: ([x, ix], { axis }) => {
      const { shape, source, total } = plainGather(x, ix, axis);
      const out: number[] = [];
      for (let k = 0; k < total; k++) out.push(x.data[source(plainIndexOf(k, shape))]);
      return { data: out, shape };
    },
  },
});

const scatterAddOp = registerOp<ScatterAttrs>({
  name: 'scatterAdd',
  family: 'shape',
  inputs: ['src', 'indices'],
  summary: "Adds each element of src into a zero tensor of the given shape at its index along the axis: gather's backward (PyTorch scatter_add). Indices are not differentiated.",
  forward: ([src, indices], { axis, shape }) => {
    const { outShape, map } = indexPlan('scatterAdd', shape, indices, axis);
    if (outShape.length !== src.ndim || outShape.some((d, i) => d !== src.shape[i])) {
      throw new GradlensError('scatterAdd', `src ${fmtShape(src.shape)} must have the shape ${fmtShape(outShape)} that gathering with indices ${fmtShape(indices.shape)} from ${fmtShape(shape)} gives`);
    }
    const out = allocate('scatterAdd', sizeOf(shape));
    for (let o = 0; o < map.length; o++) out[map[o]] += src.data[o];
    return new Tensor(out, shape.slice());
  },
  vjp: [(dy, { inputs: [, indices], attrs: { axis } }) => gather(dy, indices, axis), null],
  latex: {
    forward: 'Y_{il} = \\textstyle\\sum_{j:\\,k_{ij} = l} S_{ij} \\quad (k = \\text{indices, axis } 1)',
    grads: ['\\bar{S}_{ij} = \\bar{Y}_{i,\\,k_{ij}} \\quad (\\text{a gather})'],
    shapes: 'S \\in \\mathbb{R}^{m \\times p},\\ k \\in \\{0..n-1\\}^{m \\times p},\\ Y \\in \\mathbb{R}^{m \\times n}',
  },
  test: {
    cases: [
      { label: 'one per row', inputs: [{ shape: [4, 1] }, { shape: [4, 1], intHigh: 3 }], attrs: { axis: 1, shape: [4, 3] } },
      { label: 'collisions along axis 0', inputs: [{ shape: [5, 4] }, { shape: [5, 4], intHigh: 3 }], attrs: { axis: 0, shape: [3, 4] } },
      { label: 'broadcast target axis', inputs: [{ shape: [3, 4] }, { shape: [3, 4], intHigh: 5 }], attrs: { axis: 1, shape: [1, 5] } },
    ],
    reference: ([src, ix], { axis, shape }) => {
      const { shape: srcShape, source, total } = plainGather({ data: [], shape }, ix, axis);
      const out = new Array<number>(plainSize(shape)).fill(0);
      for (let k = 0; k < total; k++) out[source(plainIndexOf(k, srcShape))] += src.data[k];
      return { data: out, shape };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// The public functions

/** Reverses the order of elements along `axes` (a number, an array, or every axis when omitted). */
export function flip(x: TensorLike, axes?: number | readonly number[]): Tensor {
  const t = asTensor('flip', x);
  return apply(flipOp, [t], { axes: flipAxes(t, axes) });
}

function asIndices(op: string, indices: Tensor | NestedArray): Tensor {
  if (indices instanceof Tensor) return indices;
  if (typeof indices === 'number' || Array.isArray(indices)) return tensor(indices);
  throw new GradlensError(op, `indices must be a tensor or a nested array of whole numbers, got ${indices === undefined ? 'undefined (a missing argument?)' : typeof indices}`);
}

/**
 * Elements of `x` picked along `axis` by whole-number `indices` (NumPy's `take_along_axis`,
 * PyTorch's `gather` with NumPy's argument order): for a matrix and axis 1,
 * `out[i][j] = x[i][indices[i][j]]`. `indices` has as many axes as `x`; off `axis` their lengths
 * match or one is 1 (broadcast). The gradient scatters back (repeated indices add up); the
 * indices get none. `gather(logp, reshape(labels, [-1, 1]), 1)` picks each row's label entry.
 */
export function gather(x: TensorLike, indices: Tensor | NestedArray, axis: number): Tensor {
  return apply(gatherOp, [asTensor('gather', x), asIndices('gather', indices)], { axis: checkAxisArg('gather', axis) });
}

/** The same op as `gather`, under NumPy's name. */
export function takeAlongAxis(x: TensorLike, indices: Tensor | NestedArray, axis: number): Tensor {
  return gather(x, indices, axis);
}

/**
 * A zero tensor of `shape` with each element of `src` added at its index along `axis`
 * (PyTorch's `scatter_add`): the backward of `gather(x, indices, axis)` for `x` of that shape.
 */
export function scatterAdd(src: TensorLike, indices: Tensor | NestedArray, axis: number, shape: readonly number[]): Tensor {
  if (!Array.isArray(shape)) throw new GradlensError('scatterAdd', `shape must be an array of numbers, got ${typeof shape}`);
  return apply(scatterAddOp, [asTensor('scatterAdd', src), asIndices('scatterAdd', indices)], { axis: checkAxisArg('scatterAdd', axis), shape: shape.slice() });
}
