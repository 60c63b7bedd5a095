// gMLP: an MLP with a spatial gating unit (Liu et al., 2021, "Pay Attention to MLPs").
//
// As in MLP-Mixer, an input is a table of T tokens (patches or words) × C channels. One gMLP block:
//
//     shortcut = x
//     x  = layerNorm(x)
//     u  = gelu(x U1),  v = gelu(x U2)     two channel projections C → h (the paper's one projection
//                                          to 2h, split in half, is the same thing)
//     v  = Ws · layerNorm(v) + bs          the spatial gating unit: one linear map ACROSS tokens
//                                          (Ws is T×T), shared by all h channels
//     x  = (u ⊙ v) V + shortcut            the gate multiplies elementwise, V maps h → C
//
// The multiplication u ⊙ v is what makes it "gated": each token's features are scaled by a mixture
// of the other tokens. Ws starts near zero and bs at one, so the gate starts close to identity.
// nn.GatedMLPBlock packages the same block; here it is written out.
import { defineModel, F, ones, randint, randn, zeros } from 'gradlens';

const sequences = 4;
const tokens = 4; // T
const channels = 3; // C
const hidden = 4; // h
const classes = 3;

export const gmlp = defineModel({
  inputs: {
    x: randn([sequences, tokens, channels], { seed: 1 }),
    y: randint([sequences], classes, { seed: 3 }),
  },
  params: {
    normGain: ones([channels]),
    normBias: zeros([channels]),
    U1: randn([channels, hidden], { seed: 10, scale: 0.5 }),
    U2: randn([channels, hidden], { seed: 11, scale: 0.5 }),
    gateNormGain: ones([hidden]),
    gateNormBias: zeros([hidden]),
    Ws: randn([tokens, tokens], { seed: 12, scale: 0.1 }), // mixes tokens
    bs: ones([tokens, 1]), // one bias per token, broadcast over channels
    V: randn([hidden, channels], { seed: 13, scale: 0.5 }),
    headW: randn([channels, classes], { seed: 14, scale: 0.5 }),
    headB: zeros([classes]),
  },
  forward({ x, y }, p) {
    const normed = F.layerNorm(x, p.normGain, p.normBias);
    const u = F.gelu(F.matmul(normed, p.U1)); // [sequences, T, h]
    const v = F.gelu(F.matmul(normed, p.U2)); // [sequences, T, h]

    // Spatial gating: [T, T] @ [sequences, T, h] broadcasts over sequences and mixes the T axis.
    const gate = F.add(F.matmul(p.Ws, F.layerNorm(v, p.gateNormGain, p.gateNormBias)), p.bs);
    const out = F.add(F.matmul(F.mul(u, gate), p.V), x); // [sequences, T, C], with the residual

    const pooled = F.mean(out, 1); // [sequences, C]
    return F.crossEntropy(F.add(F.matmul(pooled, p.headW), p.headB), y);
  },
});
