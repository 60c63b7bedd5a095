// A multilayer perceptron: Linear layers fc1..fcL between the given sizes, with the activation
// after every layer except the last (the last layer's output is the logits or the regression).
import { GradlensError, Tensor } from '../tensor';
import { Activation, resolveActivation } from './activations';
import { subSeed } from './init';
import { Linear } from './linear';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface MLPOptions {
  seed?: number;
  name?: string;
}

export class MLP extends Module {
  readonly layers: Linear[];
  private readonly act: (x: Tensor) => Tensor;

  constructor(readonly sizes: readonly number[], activation: Activation = 'relu', opts: MLPOptions = {}) {
    super(opts.name ?? 'MLP');
    checkOptionNames('MLP', opts, { seed: 1, name: 1 });
    if (!Array.isArray(sizes) || sizes.length < 2) {
      throw new GradlensError('MLP', `sizes must list at least an input and an output size, got ${JSON.stringify(sizes)}`);
    }
    this.act = resolveActivation('MLP', activation);
    this.layers = sizes.slice(1).map((out, i) => this.child(`fc${i + 1}`, new Linear(sizes[i], out, { seed: subSeed(opts.seed, i) })));
  }

  protected compute(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.forward(h);
      if (i < this.layers.length - 1) h = this.act(h);
    });
    return h;
  }
}
