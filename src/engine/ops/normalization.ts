// Batch normalisation: each channel (an axis, 1 by default: x[N,C] or x[N,C,H,W]) is normalised
// by its mean and variance over every other axis, then scaled by gamma and shifted by beta.
// Two registry entries, because their derivatives differ: `batchNorm` normalises by the batch's
// own statistics (training), so its input gradient has the two extra terms that flow through the
// mean and the variance; `batchNormEval` uses given running statistics (inference), an affine map.
// Both VJPs are built from registry ops (the statistics recomputed from x), so they are
// differentiable again.
import { ones, zeros } from '../create';
import { allocate, zeroedValues } from '../memory';
import { type OptionNames, checkOptionNames } from '../options';
import { TensorLike, apply, asTensor, registerOp } from '../registry';
import { GradlensError, Shape, Tensor, fmtShape, normAxis, sizeOf } from '../tensor';
import { add, mul, pow, sub } from './arithmetic';
import { mean, sum } from './reduce';
import { reshape } from './shape';
import type { Plain } from './reference';

interface BatchNormAttrs {
  /** The channel axis, normalised. */
  axis: number;
  eps: number;
}

/** The channel axis's geometry: channel of flat element i is floor(i / inner) % C. */
function channels(x: Shape, axis: number): { C: number; inner: number; count: number; reduced: number[]; kept: number[] } {
  const C = x[axis];
  const inner = sizeOf(x.slice(axis + 1));
  const reduced = x.map((_, i) => i).filter((i) => i !== axis);
  const kept = x.map((d, i) => (i === axis ? d : 1));
  return { C, inner, count: C === 0 ? 0 : sizeOf(x) / C, reduced, kept };
}

/** y = gamma (x − mean) / √(var + eps) + beta per channel, on plain data. */
function normalise(x: Tensor, gamma: Tensor, beta: Tensor, axis: number, eps: number, means: ArrayLike<number>, vars: ArrayLike<number>): Tensor {
  const { C, inner } = channels(x.shape, axis);
  const out = allocate('batchNorm', x.size);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / inner) % C;
    out[i] = (gamma.data[c] * (x.data[i] - means[c])) / Math.sqrt(vars[c] + eps) + beta.data[c];
  }
  return new Tensor(out, x.shape.slice());
}

/** Per-channel mean and biased variance, by two passes. */
function batchStatistics(x: Tensor, axis: number): { means: Float64Array; vars: Float64Array } {
  const { C, inner, count } = channels(x.shape, axis);
  const means = zeroedValues(C);
  const vars = zeroedValues(C);
  for (let i = 0; i < x.size; i++) means[Math.floor(i / inner) % C] += x.data[i];
  for (let c = 0; c < C; c++) means[c] /= count;
  for (let i = 0; i < x.size; i++) {
    const c = Math.floor(i / inner) % C;
    const e = x.data[i] - means[c];
    vars[c] += e * e;
  }
  for (let c = 0; c < C; c++) vars[c] /= count;
  return { means, vars };
}

function checkAffine(op: string, x: Tensor, axis: number, named: Record<string, Tensor>): void {
  const C = x.shape[axis];
  for (const [name, t] of Object.entries(named)) {
    if (t.ndim !== 1 || t.shape[0] !== C) {
      throw new GradlensError(op, `${name} must have shape [${C}], one per channel (axis ${axis} of input ${fmtShape(x.shape)}), got ${fmtShape(t.shape)}`);
    }
  }
}

/** x̂ = (x − mean) / √(var + eps) and 1/√(var + eps), as recorded ops, for the VJPs. */
function normalisedOps(x: Tensor, reduced: number[], eps: number): { xhat: Tensor; invStd: Tensor } {
  const xc = sub(x, mean(x, reduced, true));
  const invStd = pow(add(mean(mul(xc, xc), reduced, true), eps), -0.5);
  return { xhat: mul(xc, invStd), invStd };
}

/** Plain reference: each channel's values gathered by multi-index, textbook one-pass moments. */
function plainBatchNorm(x: Plain, gamma: Plain, beta: Plain, axis: number, eps: number, given?: { mean: Plain; var: Plain }): Plain {
  const n = x.shape.length;
  const a = axis < 0 ? axis + n : axis;
  const chan = (k: number): number => {
    let rem = k;
    let c = 0;
    for (let i = n - 1; i >= 0; i--) {
      if (i === a) c = rem % x.shape[i];
      rem = Math.floor(rem / x.shape[i]);
    }
    return c;
  };
  const C = x.shape[a];
  const s = new Array<number>(C).fill(0);
  const s2 = new Array<number>(C).fill(0);
  const m = new Array<number>(C).fill(0);
  for (let k = 0; k < x.data.length; k++) {
    s[chan(k)] += x.data[k];
    s2[chan(k)] += x.data[k] ** 2;
    m[chan(k)]++;
  }
  const mu = given ? Array.from(given.mean.data) : s.map((v, c) => v / m[c]);
  const va = given ? Array.from(given.var.data) : s2.map((v, c) => v / m[c] - mu[c] ** 2);
  return { data: Array.from(x.data, (v, k) => gamma.data[chan(k)] * ((v - mu[chan(k)]) / Math.sqrt(va[chan(k)] + eps)) + beta.data[chan(k)]), shape: x.shape };
}

const batchNormOp = registerOp<BatchNormAttrs>({
  name: 'batchNorm',
  family: 'layer',
  inputs: ['x', 'gamma', 'beta'],
  summary:
    "Batch normalisation in training mode: each channel (axis 1 by default) is normalised by the batch's own mean and biased variance over every other axis, then scaled by gamma and shifted by beta. (With training: false, F.batchNorm uses running statistics: op batchNormEval.)",
  forward: ([x, gamma, beta], { axis, eps }) => {
    checkAffine('batchNorm', x, axis, { gamma, beta });
    const { means, vars } = batchStatistics(x, axis);
    return normalise(x, gamma, beta, axis, eps, means, vars);
  },
  vjp: [
    // x̄ = (ḡ − mean(ḡ) − x̂ ⊙ mean(ḡ ⊙ x̂)) / σ with ḡ = ȳ ⊙ γ: the mean and the variance depend on x too.
    (dy, { inputs: [x, gamma], attrs: { axis, eps } }) => {
      const { reduced, kept } = channels(x.shape, axis);
      const { xhat, invStd } = normalisedOps(x, reduced, eps);
      const g = mul(dy, reshape(gamma, kept));
      return mul(invStd, sub(sub(g, mean(g, reduced, true)), mul(xhat, mean(mul(g, xhat), reduced, true))));
    },
    (dy, { inputs: [x, gamma], attrs: { axis, eps } }) => {
      const { reduced } = channels(x.shape, axis);
      return reshape(sum(mul(dy, normalisedOps(x, reduced, eps).xhat), reduced), gamma.shape.slice());
    },
    (dy, { inputs: [x, , beta], attrs: { axis } }) => reshape(sum(dy, channels(x.shape, axis).reduced), beta.shape.slice()),
  ],
  latex: {
    forward: 'y = \\gamma \\odot \\hat{x} + \\beta,\\ \\hat{x} = \\frac{x - \\mu_{B}}{\\sqrt{\\sigma_{B}^{2} + \\epsilon}}',
    grads: [
      '\\bar{x} = \\frac{1}{\\sqrt{\\sigma_{B}^{2} + \\epsilon}} \\left(\\bar{g} - \\operatorname{mean}_{B}(\\bar{g}) - \\hat{x} \\odot \\operatorname{mean}_{B}(\\bar{g} \\odot \\hat{x})\\right),\\ \\bar{g} = \\bar{y} \\odot \\gamma',
      '\\bar{\\gamma} = \\textstyle\\sum_{B} \\bar{y} \\odot \\hat{x}',
      '\\bar{\\beta} = \\textstyle\\sum_{B} \\bar{y}',
    ],
    shapes: 'x \\in \\mathbb{R}^{N \\times C},\\ \\gamma, \\beta, \\mu_{B}, \\sigma_{B}^{2} \\in \\mathbb{R}^{C}\\ (B: \\text{every axis but the channel\'s})',
  },
  test: {
    cases: [
      { label: 'features [N,C]', inputs: [{ shape: [6, 3] }, { shape: [3] }, { shape: [3] }], attrs: { axis: 1, eps: 1e-5 } },
      { label: 'images [N,C,H,W]', inputs: [{ shape: [2, 3, 3, 2] }, { shape: [3] }, { shape: [3] }], attrs: { axis: 1, eps: 1e-5 } },
      { label: 'channels last, large eps', inputs: [{ shape: [3, 2, 4] }, { shape: [4] }, { shape: [4] }], attrs: { axis: 2, eps: 0.5 } },
    ],
    reference: ([x, gamma, beta], { axis, eps }) => plainBatchNorm(x, gamma, beta, axis, eps),
  },
});

const batchNormEvalOp = registerOp<BatchNormAttrs>({
  name: 'batchNormEval',
  family: 'layer',
  inputs: ['x', 'gamma', 'beta', 'runningMean', 'runningVar'],
  summary: 'Batch normalisation in evaluation mode: each channel normalised by given running statistics (not differentiated), an affine map per channel.',
  forward: ([x, gamma, beta, runningMean, runningVar], { axis, eps }) => {
    checkAffine('batchNorm', x, axis, { gamma, beta, runningMean, runningVar });
    return normalise(x, gamma, beta, axis, eps, runningMean.data, runningVar.data);
  },
  vjp: [
    (dy, { inputs: [x, gamma, , , runningVar], attrs: { axis, eps } }) => {
      const { kept } = channels(x.shape, axis);
      return mul(dy, reshape(mul(gamma, pow(add(runningVar, eps), -0.5)), kept));
    },
    (dy, { inputs: [x, gamma, , runningMean, runningVar], attrs: { axis, eps } }) => {
      const { kept, reduced } = channels(x.shape, axis);
      const xhat = mul(sub(x, reshape(runningMean, kept)), reshape(pow(add(runningVar, eps), -0.5), kept));
      return reshape(sum(mul(dy, xhat), reduced), gamma.shape.slice());
    },
    (dy, { inputs: [x, , beta], attrs: { axis } }) => reshape(sum(dy, channels(x.shape, axis).reduced), beta.shape.slice()),
    null,
    null,
  ],
  latex: {
    forward: 'y = \\gamma \\odot \\frac{x - \\mu}{\\sqrt{\\sigma^{2} + \\epsilon}} + \\beta \\quad (\\mu, \\sigma^{2} \\text{ running statistics})',
    grads: [
      '\\bar{x} = \\bar{y} \\odot \\frac{\\gamma}{\\sqrt{\\sigma^{2} + \\epsilon}}',
      '\\bar{\\gamma} = \\textstyle\\sum_{B} \\bar{y} \\odot \\frac{x - \\mu}{\\sqrt{\\sigma^{2} + \\epsilon}}',
      '\\bar{\\beta} = \\textstyle\\sum_{B} \\bar{y}',
    ],
    shapes: 'x \\in \\mathbb{R}^{N \\times C},\\ \\gamma, \\beta, \\mu, \\sigma^{2} \\in \\mathbb{R}^{C}',
  },
  test: {
    cases: [
      {
        label: 'features [N,C]',
        inputs: [{ shape: [5, 3] }, { shape: [3] }, { shape: [3] }, { shape: [3], lo: -1, hi: 1 }, { shape: [3], lo: 0.5, hi: 2 }],
        attrs: { axis: 1, eps: 1e-5 },
      },
      {
        label: 'images [N,C,H,W]',
        inputs: [{ shape: [2, 2, 3, 2] }, { shape: [2] }, { shape: [2] }, { shape: [2], lo: -1, hi: 1 }, { shape: [2], lo: 0.5, hi: 2 }],
        attrs: { axis: 1, eps: 1e-3 },
      },
    ],
    reference: ([x, gamma, beta, m, v], { axis, eps }) => plainBatchNorm(x, gamma, beta, axis, eps, { mean: m, var: v }),
  },
});

export interface BatchNormOptions {
  /** Added to the variance under the square root (default 1e-5, as in PyTorch). */
  eps?: number;
  /** The channel axis (default 1: x[N,C], x[N,C,L] or x[N,C,H,W]). */
  axis?: number;
  /** true (default): normalise by the batch's own statistics; false: by runningMean and runningVar. */
  training?: boolean;
  /** Per-channel mean used when training is false. */
  runningMean?: Tensor;
  /** Per-channel variance used when training is false. */
  runningVar?: Tensor;
}

const BATCH_NORM_OPTIONS: OptionNames<BatchNormOptions> = { eps: 1, axis: 1, training: 1, runningMean: 1, runningVar: 1 };

/**
 * Batch normalisation of x over every axis but the channel axis (1 by default), scaled by gamma
 * and shifted by beta (each [C]; they default to ones and zeros, as constants). In training mode
 * (the default) each channel is normalised by the batch's mean and biased variance, and the
 * gradient flows through those statistics too; with `training: false`, by the given
 * `runningMean` and `runningVar` (not differentiated). F.batchNorm updates no running
 * statistics: `nn.BatchNorm` keeps and updates them.
 */
export function batchNorm(x: TensorLike, gamma?: Tensor, beta?: Tensor, opts: BatchNormOptions = {}): Tensor {
  checkOptionNames('batchNorm', opts, BATCH_NORM_OPTIONS);
  const t = asTensor('batchNorm', x);
  if (t.ndim < 2) throw new GradlensError('batchNorm', `input must have a batch axis and a channel axis (at least 2-D, e.g. [N,C]), got shape ${fmtShape(t.shape)}`);
  const axis = normAxis('batchNorm', opts.axis ?? 1, t.ndim);
  const eps = opts.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new GradlensError('batchNorm', `eps must be a number >= 0, got ${eps}`);
  const training = opts.training ?? true;
  if (typeof training !== 'boolean') throw new GradlensError('batchNorm', `training must be true or false, got ${typeof training}`);
  const C: Shape = [t.shape[axis]];
  const affine = [t, gamma ?? ones(C), beta ?? zeros(C)];
  for (const [name, v] of [['gamma', affine[1]], ['beta', affine[2]]] as const) {
    if (!(v instanceof Tensor)) throw new GradlensError('batchNorm', `${name} must be a tensor of shape ${fmtShape(C)}, got ${typeof v}`);
  }
  if (training) {
    if (opts.runningMean !== undefined || opts.runningVar !== undefined) {
      throw new GradlensError('batchNorm', 'runningMean and runningVar are used only with training: false (F.batchNorm never updates them; nn.BatchNorm does)');
    }
    const { count } = channels(t.shape, axis);
    if (count < 2) throw new GradlensError('batchNorm', `training mode needs more than one value per channel to take a variance, got input ${fmtShape(t.shape)} (channel axis ${axis})`);
    return apply(batchNormOp, affine, { axis, eps });
  }
  if (!(opts.runningMean instanceof Tensor) || !(opts.runningVar instanceof Tensor)) {
    throw new GradlensError('batchNorm', 'training: false needs runningMean and runningVar tensors (one value per channel)');
  }
  return apply(batchNormEvalOp, [...affine, opts.runningMean, opts.runningVar], { axis, eps });
}
