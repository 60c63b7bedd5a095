// A 2-D convolution layer: weight [outCh, inCh, kh, kw] shared by every window of x[N,inCh,H,W]
// (parameter sharing), plus a bias per output channel.
import * as F from '../F';
import { GradlensError, Tensor } from '../tensor';
import { checkSizes, scaledNormal, subSeed } from './init';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface Conv2dLayerOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  /** Add a bias b[outCh] (default true). */
  bias?: boolean;
  seed?: number;
  name?: string;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  private readonly stride: number | readonly [number, number];
  private readonly padding: number | readonly [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernel: number | readonly [number, number], opts: Conv2dLayerOptions = {}) {
    super(opts.name ?? 'Conv2d');
    checkOptionNames('Conv2d', opts, { stride: 1, padding: 1, bias: 1, seed: 1, name: 1 });
    const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    checkSizes('Conv2d', { inChannels, outChannels, 'kernel height': kh, 'kernel width': kw });
    if (typeof kernel !== 'number' && kernel.length !== 2) throw new GradlensError('Conv2d', `kernel must be a number or a pair, got ${JSON.stringify(kernel)}`);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    const fanIn = inChannels * kh * kw;
    this.weight = this.param('weight', scaledNormal([outChannels, inChannels, kh, kw], fanIn, subSeed(opts.seed, 0)));
    this.bias = opts.bias === false ? null : this.param('bias', scaledNormal([outChannels], fanIn, subSeed(opts.seed, 1)));
  }

  protected compute(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, { stride: this.stride, padding: this.padding, bias: this.bias ?? undefined });
  }
}
