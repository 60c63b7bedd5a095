// gMLP (Liu et al., 2021, "Pay Attention to MLPs") on x[..., seqLen, dim]:
//   z = GELU(LN(x) Uᵀ + c)                      channel projection up to `hidden`
//   u, v = split(z)                             halves of the hidden axis
//   s(z) = u ⊙ (W · LN(v) + b)                  spatial gating unit: W mixes across the sequence
//   y = x + s(z) Vᵀ + d                         projection down, plus the skip
// W starts near zero and b at ones, so at initialisation the unit passes u through almost
// unchanged and training starts from a plain MLP, as the paper prescribes.
import { ones, randn } from '../create';
import * as F from '../F';
import { GradlensError, Tensor, fmtShape } from '../tensor';
import { checkSizes, subSeed } from './init';
import { LayerNorm } from './layerNorm';
import { Linear } from './linear';
import { checkOptionNames } from '../options';
import { Module } from './module';

export interface SpatialGatingOptions {
  seed?: number;
  name?: string;
}

/** The spatial gating unit on z[..., seqLen, 2·half]: u ⊙ (W · LN(v) + b). */
export class SpatialGatingUnit extends Module {
  readonly norm: LayerNorm;
  /** [seqLen, seqLen]: mixes token positions. */
  readonly weight: Tensor;
  /** [seqLen]: one bias per position. */
  readonly bias: Tensor;

  constructor(readonly seqLen: number, readonly half: number, opts: SpatialGatingOptions = {}) {
    super(opts.name ?? 'SpatialGatingUnit');
    checkOptionNames('SpatialGatingUnit', opts, { seed: 1, name: 1 });
    checkSizes('SpatialGatingUnit', { seqLen, half });
    this.norm = this.child('norm', new LayerNorm(half));
    // Near zero (not exactly zero) so every path of the unit carries some gradient in a check.
    this.weight = this.param('weight', randn([seqLen, seqLen], { seed: subSeed(opts.seed, 0), scale: 1e-2 }));
    this.bias = this.param('bias', ones([seqLen]));
  }

  protected compute(z: Tensor): Tensor {
    const [u, v] = F.split(z, 2, -1);
    // W [n,n] · LN(v) [..., n, half]: matmul broadcasts W over any batch axes.
    const gate = F.add(F.matmul(this.weight, this.norm.forward(v)), F.reshape(this.bias, [this.seqLen, 1]));
    return F.mul(u, gate);
  }
}

export interface GatedMLPBlockOptions {
  seqLen: number;
  dim: number;
  /** Width of the channel projection; split in two halves by the gating unit, so it must be even. */
  hidden: number;
  seed?: number;
  name?: string;
}

export class GatedMLPBlock extends Module {
  readonly norm: LayerNorm;
  readonly projIn: Linear;
  readonly sgu: SpatialGatingUnit;
  readonly projOut: Linear;
  readonly seqLen: number;
  readonly dim: number;

  constructor(opts: GatedMLPBlockOptions) {
    super(opts.name ?? 'GatedMLPBlock');
    checkOptionNames('GatedMLPBlock', opts, { seqLen: 1, dim: 1, hidden: 1, seed: 1, name: 1 });
    const { seqLen, dim, hidden } = opts;
    checkSizes('GatedMLPBlock', { seqLen, dim, hidden });
    if (hidden % 2 !== 0) throw new GradlensError('GatedMLPBlock', `hidden must be even (the gating unit splits it in two halves), got ${hidden}`);
    this.seqLen = seqLen;
    this.dim = dim;
    this.norm = this.child('norm', new LayerNorm(dim));
    this.projIn = this.child('projIn', new Linear(dim, hidden, { seed: subSeed(opts.seed, 0) }));
    this.sgu = this.child('sgu', new SpatialGatingUnit(seqLen, hidden / 2, { seed: subSeed(opts.seed, 1) }));
    this.projOut = this.child('projOut', new Linear(hidden / 2, dim, { seed: subSeed(opts.seed, 2) }));
  }

  protected compute(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim < 2 || x.shape[x.ndim - 2] !== this.seqLen || x.shape[x.ndim - 1] !== this.dim) {
      const got = x instanceof Tensor ? fmtShape(x.shape) : typeof x;
      throw new GradlensError('GatedMLPBlock', `input ${got} must end in [${this.seqLen},${this.dim}] (seqLen, dim)`);
    }
    const z = F.gelu(this.projIn.forward(this.norm.forward(x)));
    return F.add(x, this.projOut.forward(this.sgu.forward(z)));
  }
}
