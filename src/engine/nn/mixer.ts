// An MLP-Mixer block (Tolstikhin et al., 2021) on x[..., tokens, channels]:
//   x = x + MLP_tokens(LN(x)ᵀ)ᵀ     token mixing: an MLP across the token axis (via transpose)
//   x = x + MLP_channels(LN(x))     channel mixing: an MLP across the channel axis
// where each MLP is Linear → GELU → Linear.
// The token-mixing weights are shared by every channel: parameter sharing again, as in a CNN.
import * as F from '../F';
import { GradlensError, Tensor, fmtShape } from '../tensor';
import { checkSizes, subSeed } from './init';
import { LayerNorm } from './layerNorm';
import { MLP } from './mlp';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface MixerBlockOptions {
  tokens: number;
  channels: number;
  tokenHidden: number;
  channelHidden: number;
  seed?: number;
  name?: string;
}

export class MixerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly tokenMixing: MLP;
  readonly norm2: LayerNorm;
  readonly channelMixing: MLP;
  readonly tokens: number;
  readonly channels: number;

  constructor(opts: MixerBlockOptions) {
    super(opts.name ?? 'MixerBlock');
    checkOptionNames('MixerBlock', opts, { tokens: 1, channels: 1, tokenHidden: 1, channelHidden: 1, seed: 1, name: 1 });
    const { tokens, channels, tokenHidden, channelHidden } = opts;
    checkSizes('MixerBlock', { tokens, channels, tokenHidden, channelHidden });
    this.tokens = tokens;
    this.channels = channels;
    this.norm1 = this.child('norm1', new LayerNorm(channels));
    this.tokenMixing = this.child('tokenMixing', new MLP([tokens, tokenHidden, tokens], 'gelu', { seed: subSeed(opts.seed, 0) }));
    this.norm2 = this.child('norm2', new LayerNorm(channels));
    this.channelMixing = this.child('channelMixing', new MLP([channels, channelHidden, channels], 'gelu', { seed: subSeed(opts.seed, 1) }));
  }

  protected compute(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 2 || x.shape[x.ndim - 2] !== this.tokens || x.shape[x.ndim - 1] !== this.channels) {
      const got = x instanceof Tensor ? fmtShape(x.shape) : typeof x;
      throw new GradlensError('MixerBlock', `input ${got} must end in [${this.tokens},${this.channels}] (tokens, channels)`);
    }
    // Token mixing: transpose so the MLP's Linear layers act across tokens, then back.
    const mixedTokens = F.transpose(this.tokenMixing.forward(F.transpose(this.norm1.forward(x))));
    const h = F.add(x, mixedTokens);
    return F.add(h, this.channelMixing.forward(this.norm2.forward(h)));
  }
}
