// `F`: every op, by name, as model files call them (`F.matmul(x, W)`). Importing this module
// registers every op family in the registry.
export * from './ops/arithmetic';
export * from './ops/reduce';
export * from './ops/shape';
export * from './ops/linalg';
export * from './ops/activation';
export * from './ops/loss';
export * from './ops/layer';
export * from './ops/special';
export * from './ops/select';
export * from './ops/indexing';
export * from './ops/statistics';
export * from './ops/normalization';
