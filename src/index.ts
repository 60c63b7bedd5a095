// The public module `gradlens`: what model files import.
import * as F from './engine/F';

export { F };
export { Tensor, GradlensError } from './engine/tensor';
export type { Shape } from './engine/tensor';
export { tensor, zeros, ones, full, randn, rand, randint, signs } from './engine/create';
export type { NestedArray, RandomOptions } from './engine/create';
export { backward, grad, noGrad } from './engine/autograd';
export type { GradOptions } from './engine/autograd';
export { hvp } from './engine/hvp';
export { registry } from './engine/registry';
export type { OpDef, DerivativeRule } from './engine/registry';
export { defineModel, defineOp, isModel } from './engine/define';
export type { Model, ModelSpec, CustomOpSpec, TensorRecord } from './engine/define';
export * as nn from './engine/nn';
export { withScope, currentScope } from './engine/scope';
export { gradcheck, checkModel } from './gradcheck';
export type { CheckOptions, CheckMode, ModelReport, TensorCheck, OpCheck } from './gradcheck/types';
