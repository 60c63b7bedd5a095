// The checker's public face. `checkModel` is what the runner calls for each model in a file;
// `gradcheck` is the user-facing form, exported from the `gradlens` module: a model, or a plain
// function of tensors as in torch.autograd.gradcheck.
import type { Model, ModelSpec } from '../engine/define';
import { GradlensError, Tensor } from '../engine/tensor';
import { checkModel } from './model';
import type { CheckOptions, ModelReport } from './types';

export { checkModel, resolveOptions } from './model';
export { checkOpCall } from './ops';
export * from './types';

export type GradcheckFn = (...xs: Tensor[]) => Tensor;

/**
 * Checks a model's gradients (autograd, its hand-written backward if any, its custom ops):
 * `gradcheck(model, { mode: 'fast' })`. Or a function of tensors, differentiated with respect to
 * every one of them: `gradcheck((a, b) => F.mul(a, b), [a, b])`. Returns the report; `report.passed`
 * is the verdict. Tensors are perturbed in place and restored exactly.
 */
export function gradcheck(model: Model | ModelSpec, options?: Partial<CheckOptions>): ModelReport;
export function gradcheck(fn: GradcheckFn, inputs: Tensor[] | Record<string, Tensor>, options?: Partial<CheckOptions>): ModelReport;
export function gradcheck(
  target: Model | ModelSpec | GradcheckFn,
  second?: Partial<CheckOptions> | Tensor[] | Record<string, Tensor>,
  third?: Partial<CheckOptions>,
): ModelReport {
  if (typeof target !== 'function') {
    if (typeof target !== 'object' || target === null) throw new GradlensError('gradcheck', 'expects a model (defineModel) or a function and its input tensors');
    return checkModel(target, second as Partial<CheckOptions> | undefined);
  }
  if (typeof second !== 'object' || second === null) {
    throw new GradlensError('gradcheck', 'a function needs its input tensors: gradcheck(fn, [x, y], options?)');
  }
  const names = Array.isArray(second) ? second.map((_, i) => `x${i}`) : Object.keys(second);
  const tensors = Array.isArray(second) ? second : Object.values(second);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new GradlensError('gradcheck', `input ${names[i]} is not a tensor (wrap arrays with tensor(...))`);
  });
  const params = Object.fromEntries(names.map((n, i) => [n, tensors[i]]));
  const spec: ModelSpec = {
    name: target.name || 'function',
    inputs: {},
    params,
    forward: (_inputs, p) => target(...names.map((n) => p[n])),
  };
  return checkModel(spec, third);
}
