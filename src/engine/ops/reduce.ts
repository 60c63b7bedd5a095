// Reductions over axes: sum, mean, max. The kernels map every input element to its output slot
// with the broadcast index of the "kept" shape (reduced axes set to 1) — the backward of a
// reduction is exactly a broadcast of the upstream gradient back over the reduced axes.
import { registerBackwardOp } from '../backwardOp';
import { TensorLike, apply, registerOp } from '../registry';
import { mul } from './arithmetic';
import { scatterRows } from './scatterRows';
import { broadcastTo, reshape } from './shape';
import { broadcastIndex, expandData } from '../broadcast';
import { type Axis, type KeepDims, type ReduceAttrs, type ReducePlan, describeAxis, keepDimsOf, reducePlan } from '../reducePlan';
import { GradlensError, Shape, Tensor, fmtShape, sizeOf } from '../tensor';
import { plainReduce } from './reference';
import { zeroedValues } from '../memory';

export type { Axis };

/** For each input element, the flat index of the output element it folds into (null: identity). */
function foldIndex(x: Tensor, plan: ReducePlan): Int32Array | null {
  return broadcastIndex(plan.keptShape, x.shape);
}

function sumData(x: Tensor, plan: ReducePlan): Float64Array {
  const out = zeroedValues(sizeOf(plan.keptShape));
  const map = foldIndex(x, plan);
  const d = x.data;
  if (!map) out.set(d);
  else for (let i = 0; i < d.length; i++) out[map[i]] += d[i];
  return out;
}

interface SpreadAttrs {
  /** The reduced input's shape, and its shape with the reduced axes kept as 1. */
  shape: number[];
  keptShape: number[];
  scale: number;
}

/** sum's and mean's backward: dy broadcast back over the reduced axes, times a scale. */
const spreadOp = registerBackwardOp<SpreadAttrs>({
  name: 'spread',
  backwardOf: 'sum, mean',
  inputs: ['dy'],
  differentiable: [true],
  summary: 'The VJP of sum and mean: dy broadcast back over the reduced axes, scaled (1, or 1/m for a mean).',
  kernel: ([dy], { shape, keptShape, scale }) => {
    const data = expandData('sum', new Tensor(dy.data, keptShape), shape);
    const out = zeroedValues(data.length);
    for (let i = 0; i < out.length; i++) out[i] = data[i] * scale;
    return new Tensor(out, shape.slice());
  },
  composite: ([dy], { shape, keptShape, scale }) => mul(broadcastTo(reshape(dy, keptShape), shape), scale),
  latex: { forward: '\\bar{x} = s\\, \\bar{y}\\,\\mathbf{1}^{\\top}', grads: [] },
  cases: [
    { label: 'rows', inputs: [{ shape: [3] }], attrs: { shape: [3, 4], keptShape: [3, 1], scale: 1 } },
    { label: 'a mean over axes 0 and 2', inputs: [{ shape: [3] }], attrs: { shape: [2, 3, 4], keptShape: [1, 3, 1], scale: 0.125 } },
  ],
});

/** Spreads `dy` (of the reduced shape) back over the input's shape, times `scale`. */
function spread(dy: Tensor, plan: ReducePlan, xShape: Shape, scale: number): Tensor {
  return apply(spreadOp, [dy], { shape: xShape.slice(), keptShape: plan.keptShape, scale });
}

const reduceCases = [
  { label: 'all axes', inputs: [{ shape: [3, 4] }], attrs: {} },
  { label: 'axis 0', inputs: [{ shape: [3, 4] }], attrs: { axis: 0 } },
  { label: 'axis -1 keepDims', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: -1, keepDims: true } },
  { label: 'axes [0,2]', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: [0, 2] } },
  { label: 'axes [-1,0] keepDims', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: [-1, 0], keepDims: true } },
  { label: 'vector', inputs: [{ shape: [5] }], attrs: { axis: 0 } },
];

const sumOp = registerOp<ReduceAttrs>({
  name: 'sum',
  family: 'reduction',
  inputs: ['x'],
  summary: 'Sum over the given axes (all by default); keepDims keeps them as size 1.',
  forward: ([x], { axis, keepDims }) => {
    const plan = reducePlan('sum', x.shape, axis, keepDims);
    return new Tensor(sumData(x, plan), plan.outShape);
  },
  vjp: [(dy, { inputs: [x], attrs: { axis, keepDims } }) => spread(dy, reducePlan('sum', x.shape, axis, keepDims), x.shape, 1)],
  latex: {
    forward: 'y = \\textstyle\\sum_{\\text{axes}} x',
    grads: ['\\bar{x} = \\bar{y}\\,\\mathbf{1}^{\\top} \\quad (\\bar{y} \\text{ broadcast over the summed axes})'],
    shapes: 'x \\in \\mathbb{R}^{m \\times n},\\ y = x\\mathbf{1} \\in \\mathbb{R}^{m}',
  },
  test: { cases: reduceCases, reference: ([x], attrs) => plainReduce(x, attrs, 0, (a, v) => a + v, (a) => a) },
});

const meanOp = registerOp<ReduceAttrs>({
  name: 'mean',
  family: 'reduction',
  inputs: ['x'],
  summary: 'Mean over the given axes (all by default); keepDims keeps them as size 1.',
  forward: ([x], { axis, keepDims }) => {
    const plan = reducePlan('mean', x.shape, axis, keepDims);
    const s = sumData(x, plan);
    for (let i = 0; i < s.length; i++) s[i] /= plan.count;
    return new Tensor(s, plan.outShape);
  },
  vjp: [
    (dy, { inputs: [x], attrs: { axis, keepDims } }) => {
      const plan = reducePlan('mean', x.shape, axis, keepDims);
      return spread(dy, plan, x.shape, 1 / plan.count);
    },
  ],
  latex: {
    forward: 'y = \\tfrac{1}{m} \\textstyle\\sum_{\\text{axes}} x',
    grads: ['\\bar{x} = \\tfrac{1}{m}\\,\\bar{y}\\,\\mathbf{1}^{\\top} \\quad (m \\text{ elements per mean})'],
    shapes: 'x \\in \\mathbb{R}^{m \\times n},\\ y = \\tfrac{1}{n} x\\mathbf{1} \\in \\mathbb{R}^{m}',
  },
  test: { cases: reduceCases, reference: ([x], attrs) => plainReduce(x, attrs, 0, (a, v) => a + v, (a, n) => a / n) },
});

const maxOp = registerOp<ReduceAttrs>({
  name: 'max',
  family: 'reduction',
  inputs: ['x'],
  summary: 'Maximum over the given axes (all by default). NaN wins; the gradient goes to the first arg-max on ties.',
  forward: ([x], { axis, keepDims }, save) => {
    const plan = reducePlan('max', x.shape, axis, keepDims);
    if (plan.count === 0) throw new GradlensError('max', `cannot take the max over an empty axis (shape ${fmtShape(x.shape)}, axis ${describeAxis(axis)})`);
    const n = sizeOf(plan.keptShape);
    const best = zeroedValues(n).fill(-Infinity);
    // Flat input index of each output's arg-max; -1 until an element is seen.
    const arg = zeroedValues(n).fill(-1);
    const map = foldIndex(x, plan);
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const o = map ? map[i] : i;
      const v = d[i];
      if (Number.isNaN(best[o])) continue; // a NaN already won this slot
      // Strict `>` keeps the first arg-max on ties; a NaN takes the slot so it propagates.
      if (arg[o] < 0 || v > best[o] || Number.isNaN(v)) {
        best[o] = v;
        arg[o] = i;
      }
    }
    save('argmax', new Tensor(arg, plan.keptShape));
    return new Tensor(best, plan.outShape);
  },
  vjp: [
    (dy, { inputs: [x], saved }) => scatterRows(dy, saved.argmax, x.size, x.shape),
  ],
  latex: {
    forward: 'y = \\max_{\\text{axes}} x',
    grads: ['\\bar{x} = \\bar{y} \\odot e_{\\arg\\max x} \\quad (\\text{first arg-max on ties})'],
    shapes: 'x \\in \\mathbb{R}^{m \\times n},\\ y \\in \\mathbb{R}^{m}',
  },
  test: { cases: reduceCases, reference: ([x], attrs) => plainReduce(x, attrs, -Infinity, (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v)), (a) => a) },
});

function reduceAttrs(op: string, axis: Axis, keepDims: KeepDims): ReduceAttrs {
  return { axis, keepDims: keepDimsOf(op, keepDims) };
}

/** Sum over `axis` (a number, an array of numbers, or all axes when omitted); keepDims as true/false or `{ keepDims }`. */
export const sum = (x: TensorLike, axis?: Axis, keepDims: KeepDims = false): Tensor => apply(sumOp, [x], reduceAttrs('sum', axis, keepDims));
/** Mean over `axis` (a number, an array of numbers, or all axes when omitted); keepDims as true/false or `{ keepDims }`. */
export const mean = (x: TensorLike, axis?: Axis, keepDims: KeepDims = false): Tensor => apply(meanOp, [x], reduceAttrs('mean', axis, keepDims));
/** Maximum over `axis`; its gradient flows to the first arg-max. keepDims as true/false or `{ keepDims }`. */
export const max = (x: TensorLike, axis?: Axis, keepDims: KeepDims = false): Tensor => apply(maxOp, [x], reduceAttrs('max', axis, keepDims));
