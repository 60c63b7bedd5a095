// `nn`: layers with named, seeded parameters. Each layer's forward runs in its own scope, so
// traced graphs group by layer.
export { Module } from './module';
export type { LoadStateOptions } from './module';
export { Linear } from './linear';
export type { LinearOptions } from './linear';
export { MLP } from './mlp';
export type { MLPOptions } from './mlp';
export type { Activation, ActivationName } from './activations';
export { Conv2d } from './conv2d';
export type { Conv2dLayerOptions } from './conv2d';
export { Embedding } from './embedding';
export type { EmbeddingOptions } from './embedding';
export { LayerNorm } from './layerNorm';
export type { LayerNormOptions } from './layerNorm';
export { BatchNorm } from './batchNorm';
export type { BatchNormLayerOptions } from './batchNorm';
export { MixerBlock } from './mixer';
export type { MixerBlockOptions } from './mixer';
export { GatedMLPBlock, SpatialGatingUnit } from './gmlp';
export type { GatedMLPBlockOptions, SpatialGatingOptions } from './gmlp';
