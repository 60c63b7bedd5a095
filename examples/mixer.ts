// MLP-Mixer: an image network built only from MLPs (Tolstikhin et al., 2021).
//
// The image is cut into T patches, and each patch becomes a vector of C channels, giving a T×C table.
// A Mixer block then alternates two kinds of MLP:
//   - token mixing: one MLP applied to every column (across patches, the same weights for every
//     channel), so information moves between places in the image;
//   - channel mixing: one MLP applied to every row (across channels, the same weights for every
//     patch), as in an ordinary MLP.
// Both are shared across the other axis, which is what keeps the parameter count small compared
// with one big MLP on the whole image. Each has a layer norm before it and a residual connection
// around it.
//
// The block is written out here so every step is visible; nn.MixerBlock packages the same thing.
import { defineModel, F, randint, randn, Tensor, zeros, ones } from 'gradlens';

const images = 4;
const patches = 4; // T
const patchSize = 6; // values per flattened patch (e.g. 2×3 pixels)
const channels = 3; // C
const tokenHidden = 6; // width of the token-mixing MLP
const channelHidden = 6; // width of the channel-mixing MLP
const classes = 3;

/** A two-layer MLP with a GELU, applied along the last axis. */
function mlp2(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor): Tensor {
  return F.add(F.matmul(F.gelu(F.add(F.matmul(x, W1), b1)), W2), b2);
}

export const mixer = defineModel({
  inputs: {
    patches: randn([images, patches, patchSize], { seed: 1 }), // images already cut into flat patches
    y: randint([images], classes, { seed: 3 }),
  },
  params: {
    // Patch embedding: the same linear map for every patch.
    stemW: randn([patchSize, channels], { seed: 10, scale: 0.4 }),
    stemB: zeros([channels]),
    // Token mixing (acts along the T axis).
    tokenNormGain: ones([channels]),
    tokenNormBias: zeros([channels]),
    tokenW1: randn([patches, tokenHidden], { seed: 11, scale: 0.5 }),
    tokenB1: zeros([tokenHidden]),
    tokenW2: randn([tokenHidden, patches], { seed: 12, scale: 0.4 }),
    tokenB2: zeros([patches]),
    // Channel mixing (acts along the C axis).
    channelNormGain: ones([channels]),
    channelNormBias: zeros([channels]),
    channelW1: randn([channels, channelHidden], { seed: 13, scale: 0.5 }),
    channelB1: zeros([channelHidden]),
    channelW2: randn([channelHidden, channels], { seed: 14, scale: 0.4 }),
    channelB2: zeros([channels]),
    // Classifier head on the average over patches.
    headW: randn([channels, classes], { seed: 15, scale: 0.5 }),
    headB: zeros([classes]),
  },
  forward({ patches: P, y }, p) {
    let x = F.add(F.matmul(P, p.stemW), p.stemB); // [images, T, C]

    // Token mixing: normalise, turn the table so patches are the last axis, mix them, turn back.
    const normed = F.layerNorm(x, p.tokenNormGain, p.tokenNormBias);
    const mixedTokens = mlp2(F.transpose(normed), p.tokenW1, p.tokenB1, p.tokenW2, p.tokenB2); // [images, C, T]
    x = F.add(x, F.transpose(mixedTokens)); // residual

    // Channel mixing: the same MLP on each patch's channel vector.
    const normed2 = F.layerNorm(x, p.channelNormGain, p.channelNormBias);
    x = F.add(x, mlp2(normed2, p.channelW1, p.channelB1, p.channelW2, p.channelB2)); // residual

    const pooled = F.mean(x, 1); // [images, C]: average over patches
    return F.crossEntropy(F.add(F.matmul(pooled, p.headW), p.headB), y);
  },
});
