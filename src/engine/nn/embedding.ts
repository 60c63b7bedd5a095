// A lookup table of `num` learned vectors of size `dim`: forward(indices) gives indices.shape + [dim].
import type { NestedArray } from '../create';
import * as F from '../F';
import { Tensor } from '../tensor';
import { checkSizes, scaledNormal, subSeed } from './init';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface EmbeddingOptions {
  seed?: number;
  name?: string;
}

export class Embedding extends Module<Tensor | NestedArray, Tensor> {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly dim: number, opts: EmbeddingOptions = {}) {
    super(opts.name ?? 'Embedding');
    checkOptionNames('Embedding', opts, { seed: 1, name: 1 });
    checkSizes('Embedding', { numEmbeddings, dim });
    // Unit-variance rows, as in PyTorch: a lookup has no fan-in to scale by.
    this.weight = this.param('weight', scaledNormal([numEmbeddings, dim], 1, subSeed(opts.seed, 0)));
  }

  protected compute(indices: Tensor | NestedArray): Tensor {
    return F.embedding(this.weight, indices);
  }
}
