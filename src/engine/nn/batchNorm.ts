// Batch normalisation as a layer: a learned scale (gamma, ones) and shift (beta, zeros) per
// channel, and running statistics kept as buffers (state, not parameters: no gradient).
// Training mode (the default, `train()`): each forward normalises by the batch's own mean and
// biased variance, and then moves the running statistics towards the batch's, as PyTorch does:
// running = (1 − momentum) · running + momentum · batch, with the unbiased batch variance.
// Eval mode (`eval()`): normalises by the running statistics and changes nothing.
import { noGrad } from '../autograd';
import { ones, zeros } from '../create';
import * as F from '../F';
import { GradlensError, Tensor, fmtShape, normAxis } from '../tensor';
import { checkSizes } from './init';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface BatchNormLayerOptions {
  /** Added to the variance under the square root (default 1e-5). */
  eps?: number;
  /** How far each training forward moves the running statistics towards the batch's (default 0.1). */
  momentum?: number;
  /** The channel axis of the input (default 1: x[N,C], x[N,C,L] or x[N,C,H,W]). */
  axis?: number;
  name?: string;
}

/**
 * Batch normalisation over every axis but the channel axis (1 by default), PyTorch's BatchNorm1d/2d:
 * `gamma` and `beta` [C] are trained; `runningMean` and `runningVar` [C] are buffers (in `state()`,
 * not in `parameters()`). In training mode (the default) each forward normalises by the batch's
 * statistics and moves the running ones by `momentum`; after `eval()` it normalises by the running
 * ones and changes nothing. The checker runs the forward many times: in training mode that moves
 * the running statistics as training would, and the verdict does not depend on them.
 */
export class BatchNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  /** Buffer [C], starts at zeros. */
  readonly runningMean: Tensor;
  /** Buffer [C], starts at ones. */
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;
  readonly axis: number;

  constructor(readonly numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super(opts.name ?? 'BatchNorm');
    checkOptionNames('BatchNorm', opts, { eps: 1, momentum: 1, axis: 1, name: 1 });
    checkSizes('BatchNorm', { numFeatures });
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) throw new GradlensError('BatchNorm', `momentum must be a number in [0, 1], got ${this.momentum}`);
    this.axis = opts.axis ?? 1;
    if (!Number.isInteger(this.axis)) throw new GradlensError('BatchNorm', `axis must be a whole number, got ${this.axis}`);
    this.gamma = this.param('gamma', ones([numFeatures]));
    this.beta = this.param('beta', zeros([numFeatures]));
    this.runningMean = this.buffer('runningMean', zeros([numFeatures]));
    this.runningVar = this.buffer('runningVar', ones([numFeatures]));
  }

  protected compute(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 2 || x.shape[normAxis('BatchNorm', this.axis, x.ndim)] !== this.numFeatures) {
      const got = x instanceof Tensor ? fmtShape(x.shape) : typeof x;
      throw new GradlensError('BatchNorm', `input ${got} must have ${this.numFeatures} channels on axis ${this.axis}`);
    }
    const opts = { eps: this.eps, axis: this.axis };
    if (!this.training) return F.batchNorm(x, this.gamma, this.beta, { ...opts, training: false, runningMean: this.runningMean, runningVar: this.runningVar });
    const y = F.batchNorm(x, this.gamma, this.beta, opts);
    this.updateRunningStatistics(x);
    return y;
  }

  private updateRunningStatistics(x: Tensor): void {
    const a = normAxis('BatchNorm', this.axis, x.ndim);
    const others = x.shape.map((_, i) => i).filter((i) => i !== a);
    const [m, v] = noGrad(() => [F.mean(x, others), F.var(x, others)]);
    const k = this.momentum;
    for (let c = 0; c < this.numFeatures; c++) {
      this.runningMean.data[c] = (1 - k) * this.runningMean.data[c] + k * m.data[c];
      this.runningVar.data[c] = (1 - k) * this.runningVar.data[c] + k * v.data[c];
    }
  }
}
