// Statistics over axes: var, std and logsumexp. Forwards are stable (var by two passes over the
// deviations, logsumexp shifted by the maximum); every VJP is built from registry ops on dy, x and
// the output, so it is differentiable again.
import { broadcastIndex } from '../broadcast';
import { allocate, zeroedValues } from '../memory';
import { type OptionNames, checkOptionNames } from '../options';
import { type Axis, type KeepDims, type ReducePlan, describeAxis, keepDimsOf, reducePlan } from '../reducePlan';
import { TensorLike, apply, asTensor, registerOp } from '../registry';
import { GradlensError, Tensor, fmtShape } from '../tensor';
import { div, exp, mul, sub } from './arithmetic';
import { mean } from './reduce';
import { plainGroups } from './reference';
import { where } from './select';
import { reshape } from './shape';

interface MomentAttrs {
  axis?: Axis;
  keepDims: boolean;
  /** Divide by (count − correction): 1 is Bessel's unbiased estimate, 0 the population variance. */
  correction: number;
}

export interface VarOptions {
  /** Keep the reduced axes as size 1 (default false). */
  keepDims?: boolean;
  /** Divide by N − correction (default 1, the unbiased estimate, as in PyTorch; 0 for the population variance). */
  correction?: number;
  /** PyTorch's older spelling: true is correction 1, false is correction 0. */
  unbiased?: boolean;
}

const VAR_OPTIONS: OptionNames<VarOptions> = { keepDims: 1, correction: 1, unbiased: 1 };

/** The plan, and the divisor N − correction, which must be positive. */
function momentPlan(op: string, x: Tensor, { axis, keepDims, correction }: MomentAttrs): ReducePlan & { divisor: number } {
  const plan = reducePlan(op, x.shape, axis, keepDims);
  const divisor = plan.count - correction;
  if (!(divisor > 0)) {
    throw new GradlensError(op, `${plan.count} element${plan.count === 1 ? '' : 's'} per ${op} over axis ${describeAxis(axis)} of shape ${fmtShape(x.shape)} leave nothing to divide by with correction ${correction}; pass { correction: 0 } for the population ${op}`);
  }
  return { ...plan, divisor };
}

/**
 * Σ (x − mean)² / divisor per output slot, by two passes. A slot whose elements are all equal gets
 * exactly 0, not the rounding noise of its mean, so std's zero-variance rule applies to it.
 */
function varianceData(x: Tensor, plan: ReducePlan & { divisor: number }): Float64Array {
  const slots = plan.keptShape.reduce((a, b) => a * b, 1);
  const map = broadcastIndex(plan.keptShape, x.shape);
  const slot = (i: number) => (map ? map[i] : i);
  const d = x.data;
  const means = zeroedValues(slots);
  // Each slot's smallest and largest element: equal means every element is the same.
  const lo = zeroedValues(slots).fill(Infinity);
  const hi = zeroedValues(slots).fill(-Infinity);
  for (let i = 0; i < d.length; i++) {
    const o = slot(i);
    means[o] += d[i];
    if (d[i] < lo[o]) lo[o] = d[i];
    if (d[i] > hi[o]) hi[o] = d[i];
  }
  for (let o = 0; o < slots; o++) means[o] /= plan.count;
  const out = allocate('var', slots);
  for (let i = 0; i < d.length; i++) {
    const o = slot(i);
    const e = d[i] - means[o];
    out[o] += e * e;
  }
  // A NaN stays NaN (it reached the sum); a constant slot is exactly 0.
  for (let o = 0; o < slots; o++) out[o] = lo[o] === hi[o] && !Number.isNaN(out[o]) ? 0 : out[o] / plan.divisor;
  return out;
}

/** x − mean(x) over the plan's axes, as recorded ops. */
function deviations(x: Tensor, axis: Axis): Tensor {
  return sub(x, mean(x, axis, true));
}

/** The textbook one-pass formula (Σx² − (Σx)²/N) / (N − c): independent of the two-pass kernel. */
function plainVariance(vals: number[], correction: number): number {
  const s = vals.reduce((a, v) => a + v, 0);
  const s2 = vals.reduce((a, v) => a + v * v, 0);
  return Math.max(0, (s2 - (s * s) / vals.length) / (vals.length - correction));
}

const momentCases = [
  { label: 'all axes', inputs: [{ shape: [3, 4] }], attrs: { keepDims: false, correction: 1 } },
  { label: 'axis 0, population', inputs: [{ shape: [3, 4] }], attrs: { axis: 0, keepDims: false, correction: 0 } },
  { label: 'axis -1 keepDims', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: -1, keepDims: true, correction: 1 } },
  { label: 'axes [0,2]', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: [0, 2], keepDims: false, correction: 1 } },
  { label: 'vector', inputs: [{ shape: [5] }], attrs: { axis: 0, keepDims: false, correction: 1 } },
];

const varOp = registerOp<MomentAttrs>({
  name: 'var',
  family: 'reduction',
  inputs: ['x'],
  summary: 'Variance over the given axes (all by default), divided by N − correction (default 1, unbiased, as in PyTorch); keepDims keeps them as size 1.',
  forward: ([x], attrs) => {
    const plan = momentPlan('var', x, attrs);
    return new Tensor(varianceData(x, plan), plan.outShape);
  },
  vjp: [
    (dy, { inputs: [x], attrs }) => {
      const plan = momentPlan('var', x, attrs);
      return mul(reshape(dy, plan.keptShape), mul(deviations(x, attrs.axis), 2 / plan.divisor));
    },
  ],
  latex: {
    forward: 'y = \\tfrac{1}{N - c} \\textstyle\\sum_{\\text{axes}} (x - \\mu)^{2},\\ \\mu = \\operatorname{mean}_{\\text{axes}}(x)',
    grads: ['\\bar{x} = \\bar{y} \\odot \\tfrac{2}{N - c}\\,(x - \\mu) \\quad (\\bar{y} \\text{ broadcast over the axes})'],
    shapes: 'x \\in \\mathbb{R}^{m \\times n},\\ y \\in \\mathbb{R}^{m},\\ N = n,\\ c = \\text{correction}',
  },
  test: {
    cases: momentCases,
    reference: ([x], { axis, keepDims, correction }) => {
      const { groups, shape } = plainGroups(x, axis, keepDims);
      return { data: groups.map((g) => plainVariance(g, correction)), shape };
    },
  },
});

const stdOp = registerOp<MomentAttrs>({
  name: 'std',
  family: 'reduction',
  inputs: ['x'],
  summary:
    'Standard deviation √var over the given axes (all by default), divided by N − correction (default 1). Where the variance is zero (all elements equal) std is 0 and its gradient is taken as 0 (a subgradient, as for abs at 0; PyTorch gives NaN).',
  forward: ([x], attrs) => {
    const plan = momentPlan('std', x, attrs);
    const v = varianceData(x, plan);
    for (let o = 0; o < v.length; o++) v[o] = Math.sqrt(v[o]);
    return new Tensor(v, plan.outShape);
  },
  vjp: [
    (dy, { inputs: [x], out, attrs }) => {
      const plan = momentPlan('std', x, attrs);
      const s = reshape(out, plan.keptShape);
      // A constant, like abs's sign: which slots have zero spread. There the gradient is 0.
      const flat = new Tensor(Float64Array.from(s.data, (v) => (v === 0 ? 1 : 0)), plan.keptShape);
      const safe = where(flat, 1, s);
      const g = mul(div(reshape(dy, plan.keptShape), safe), mul(deviations(x, attrs.axis), 1 / plan.divisor));
      return where(flat, 0, g);
    },
  ],
  latex: {
    forward: 'y = \\sqrt{\\operatorname{var}(x)}',
    grads: ['\\bar{x} = \\bar{y} \\odot \\frac{x - \\mu}{(N - c)\\, y} \\quad (0 \\text{ where } y = 0)'],
    shapes: 'x \\in \\mathbb{R}^{m \\times n},\\ y \\in \\mathbb{R}^{m},\\ N = n,\\ c = \\text{correction}',
  },
  test: {
    cases: momentCases,
    reference: ([x], { axis, keepDims, correction }) => {
      const { groups, shape } = plainGroups(x, axis, keepDims);
      return { data: groups.map((g) => Math.sqrt(plainVariance(g, correction))), shape };
    },
  },
});

interface LogSumExpAttrs {
  axis?: Axis;
  keepDims: boolean;
}

const logsumexpOp = registerOp<LogSumExpAttrs>({
  name: 'logsumexp',
  family: 'reduction',
  inputs: ['x'],
  summary: 'log Σ exp(x) over the given axes (all by default), shifted by the maximum so that no exp overflows; keepDims keeps them as size 1.',
  forward: ([x], { axis, keepDims }) => {
    const plan = reducePlan('logsumexp', x.shape, axis, keepDims);
    if (plan.count === 0) throw new GradlensError('logsumexp', `cannot reduce an empty axis (shape ${fmtShape(x.shape)}, axis ${describeAxis(axis)})`);
    const slots = plan.keptShape.reduce((a, b) => a * b, 1);
    const map = broadcastIndex(plan.keptShape, x.shape);
    const d = x.data;
    const top = zeroedValues(slots).fill(-Infinity);
    for (let i = 0; i < d.length; i++) {
      const o = map ? map[i] : i;
      if (d[i] > top[o]) top[o] = d[i];
    }
    // An infinite maximum shifts by 0: all −∞ gives log 0 = −∞, a +∞ gives +∞.
    for (let o = 0; o < slots; o++) if (!Number.isFinite(top[o])) top[o] = 0;
    const sums = zeroedValues(slots);
    for (let i = 0; i < d.length; i++) {
      const o = map ? map[i] : i;
      sums[o] += Math.exp(d[i] - top[o]);
    }
    const out = allocate('logsumexp', slots);
    for (let o = 0; o < slots; o++) out[o] = top[o] + Math.log(sums[o]);
    return new Tensor(out, plan.outShape);
  },
  // The gradient is the softmax over the axes: exp(x − y).
  vjp: [
    (dy, { inputs: [x], out, attrs: { axis, keepDims } }) => {
      const kept = reducePlan('logsumexp', x.shape, axis, keepDims).keptShape;
      return mul(reshape(dy, kept), exp(sub(x, reshape(out, kept))));
    },
  ],
  latex: {
    forward: 'y = \\log \\textstyle\\sum_{\\text{axes}} e^{x}',
    grads: ['\\bar{x} = \\bar{y} \\odot e^{x - y} = \\bar{y} \\odot \\operatorname{softmax}(x)'],
    shapes: 'x \\in \\mathbb{R}^{m \\times n},\\ y \\in \\mathbb{R}^{m}',
  },
  test: {
    cases: [
      { label: 'all axes', inputs: [{ shape: [3, 4] }], attrs: { keepDims: false } },
      { label: 'axis -1 keepDims', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: -1, keepDims: true } },
      { label: 'axes [0,2]', inputs: [{ shape: [2, 3, 4] }], attrs: { axis: [0, 2], keepDims: false } },
      { label: 'large logits', inputs: [{ shape: [3, 5], lo: 600, hi: 900 }], attrs: { axis: 1, keepDims: false } },
    ],
    reference: ([x], { axis, keepDims }) => {
      const { groups, shape } = plainGroups(x, axis, keepDims);
      // Shifted by the group's first element, not its maximum: enough below overflow for the cases.
      return { data: groups.map((g) => g[0] + Math.log(g.reduce((a, v) => a + Math.exp(v - g[0]), 0))), shape };
    },
  },
});

function momentAttrs(op: string, axis: Axis, opts: VarOptions | undefined): MomentAttrs {
  checkOptionNames(op, opts, VAR_OPTIONS);
  const { keepDims = false, correction, unbiased } = opts ?? {};
  if (typeof keepDims !== 'boolean') throw new GradlensError(op, `keepDims must be true or false, got ${typeof keepDims}`);
  if (unbiased !== undefined && typeof unbiased !== 'boolean') throw new GradlensError(op, `unbiased must be true or false, got ${typeof unbiased}`);
  if (correction !== undefined && (typeof correction !== 'number' || !(correction >= 0))) throw new GradlensError(op, `correction must be a number >= 0, got ${correction}`);
  if (correction !== undefined && unbiased !== undefined && correction !== (unbiased ? 1 : 0)) {
    throw new GradlensError(op, `correction ${correction} contradicts unbiased: ${unbiased}; give one of them`);
  }
  return { axis, keepDims, correction: correction ?? (unbiased === false ? 0 : 1) };
}

/**
 * Variance over `axis` (a number, an array of numbers, or all axes when omitted), divided by
 * N − correction: by default the unbiased estimate (correction 1), as PyTorch's `var`;
 * `{ correction: 0 }` (or `{ unbiased: false }`) for NumPy's population variance.
 */
function variance(x: TensorLike, axis?: Axis, opts?: VarOptions): Tensor {
  return apply(varOp, [asTensor('var', x)], momentAttrs('var', axis, opts));
}
// `var` is a reserved word, so the function is declared as `variance`; F exports it as `F.var`.
export { variance as var };

/**
 * Standard deviation √var over `axis`, with `var`'s options (correction 1 by default). Where a
 * slice has zero variance, std is 0 and its gradient is taken as 0 (PyTorch gives NaN there).
 */
export function std(x: TensorLike, axis?: Axis, opts?: VarOptions): Tensor {
  return apply(stdOp, [asTensor('std', x)], momentAttrs('std', axis, opts));
}

/** log Σ exp(x) over `axis` (a number, an array of numbers, or all axes when omitted), computed without overflow. */
export function logsumexp(x: TensorLike, axis?: Axis, keepDims: KeepDims = false): Tensor {
  return apply(logsumexpOp, [asTensor('logsumexp', x)], { axis, keepDims: keepDimsOf('logsumexp', keepDims) });
}
