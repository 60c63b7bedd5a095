// Layer normalisation over the last axis with a learned scale (ones) and shift (zeros).
import { ones, zeros } from '../create';
import * as F from '../F';
import { Tensor } from '../tensor';
import { checkSizes } from './init';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface LayerNormOptions {
  eps?: number;
  name?: string;
}

export class LayerNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly eps: number;

  constructor(readonly dim: number, opts: LayerNormOptions = {}) {
    super(opts.name ?? 'LayerNorm');
    checkOptionNames('LayerNorm', opts, { eps: 1, name: 1 });
    checkSizes('LayerNorm', { dim });
    this.eps = opts.eps ?? 1e-5;
    this.gamma = this.param('gamma', ones([dim]));
    this.beta = this.param('beta', zeros([dim]));
  }

  protected compute(x: Tensor): Tensor {
    return F.layerNorm(x, this.gamma, this.beta, this.eps);
  }
}
