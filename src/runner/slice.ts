// A model restricted to some of its parameters, for one pool worker's share of a full check.
// The others stay fixed at their values; the checker perturbs the shared tensors in place, so the
// restricted forward sees every perturbation exactly as the whole model would.
import type { Model, ModelSpec, TensorRecord } from '../engine/define';
import { GradlensError } from '../engine/tensor';

export function restrictModel(model: Model, paramNames: readonly string[]): Model {
  const spec = model.spec;
  const all = spec.params;
  const kept: TensorRecord = {};
  for (const name of paramNames) {
    if (!(name in all)) throw new GradlensError('runner', `the model has no parameter '${name}'`);
    kept[name] = all[name];
  }
  // The checker may pass its own record of (possibly replaced) tensors: lay them over the full set.
  const merged = (p: TensorRecord): TensorRecord => ({ ...all, ...p });
  const restricted: ModelSpec = {
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    inputs: spec.inputs,
    params: kept,
    forward: (inputs, p) => spec.forward(inputs, merged(p)),
  };
  if (spec.backward) {
    const backward = spec.backward;
    restricted.backward = (inputs, p) => {
      const grads = backward(inputs, merged(p));
      const picked: TensorRecord = {};
      // A missing gradient stays missing, so the checker reports it for this parameter.
      for (const name of paramNames) if (grads && name in grads) picked[name] = grads[name];
      return picked;
    };
  }
  return { kind: 'gradlens.model', spec: restricted, site: model.site, index: model.index };
}
