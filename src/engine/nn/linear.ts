// A fully connected layer, y = x Wᵀ + b with W of shape [out, in]: the lecture's z = W x for each
// row x, and PyTorch's layout. It acts on the last axis, so x may be [in], [N, in] or [..., in].
import * as F from '../F';
import { GradlensError, Tensor, fmtShape } from '../tensor';
import { checkSizes, scaledNormal, subSeed } from './init';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface LinearOptions {
  /** Add a bias b[out] (default true). */
  bias?: boolean;
  seed?: number;
  name?: string;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super(opts.name ?? 'Linear');
    checkOptionNames('Linear', opts, { bias: 1, seed: 1, name: 1 });
    checkSizes('Linear', { inFeatures, outFeatures });
    this.weight = this.param('weight', scaledNormal([outFeatures, inFeatures], inFeatures, subSeed(opts.seed, 0)));
    this.bias = opts.bias === false ? null : this.param('bias', scaledNormal([outFeatures], inFeatures, subSeed(opts.seed, 1)));
  }

  protected compute(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      const got = x instanceof Tensor ? fmtShape(x.shape) : typeof x;
      throw new GradlensError('Linear', `input ${got} must end in ${this.inFeatures} features to match weight ${fmtShape(this.weight.shape)}`);
    }
    const y = F.matmul(x, F.transpose(this.weight));
    return this.bias ? F.add(y, this.bias) : y;
  }
}
