// Shared by the replay tests: a forward recorded for replay, and the real forward's projected value.
import * as assert from 'node:assert/strict';
import * as F from '../../../src/engine/F';
import { noGrad } from '../../../src/engine/autograd';
import { randn } from '../../../src/engine/create';
import { Rng } from '../../../src/engine/random';
import { type OpDef, apply, registry } from '../../../src/engine/registry';
import { Tensor } from '../../../src/engine/tensor';
import { Replay } from '../../../src/gradcheck/replay';
import { drawInput, isDifferentiable } from '../../helpers/opInputs';

/** Records `forward` with `params` requiring gradients; `real` runs it untraced and projects it as the replay does. */
export function recorded(forward: () => Tensor, params: Tensor[], label: string): { replay: Replay; real: () => number } {
  params.forEach((p) => (p.requiresGrad = true));
  const probe = noGrad(forward);
  const v = Float64Array.from({ length: probe.size }, (_, i) => Math.cos(i + 1));
  const { replay } = Replay.record(forward, params, v);
  assert.ok(replay, `${label}: the forward was recorded`);
  const real = (): number => noGrad(() => {
    const y = forward();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += y.data[i] * v[i];
    return s;
  });
  return { replay, real };
}

/**
 * Every registry op's test case with a differentiable input, squared and summed so the op feeds a
 * nonlinearity, as in a model; `moving` are the inputs to move.
 */
export function opCases(seed: number): { def: OpDef<any>; label?: string; forward: () => Tensor; moving: Tensor[] }[] {
  const cases: { def: OpDef<any>; label?: string; forward: () => Tensor; moving: Tensor[] }[] = [];
  for (const def of [...registry.values()] as OpDef<any>[]) {
    if (def.family === 'custom') continue;
    def.test.cases.forEach((c, ci) => {
      const rng = new Rng(seed + ci);
      const inputs = c.inputs.map((spec) => drawInput(spec, rng));
      const moving = inputs.filter((_, i) => isDifferentiable(c.inputs[i]) && def.vjp[def.variadic ? 0 : i]);
      if (moving.length) cases.push({ def, label: c.label, forward: () => F.sum(F.pow(apply(def, inputs, c.attrs ?? {}), 2)), moving });
    });
  }
  return cases;
}

/** X@W1+b1 → tanh → @W2+b2 → cross-entropy, 7 rows: both products, both biases, a pointwise op. */
export function tinyMlp(): { forward: () => Tensor; params: Tensor[] } {
  const X = randn([7, 5], { seed: 1 });
  const W1 = randn([5, 6], { seed: 2 });
  const b1 = randn([6], { seed: 3 });
  const W2 = randn([6, 3], { seed: 4 });
  const b2 = randn([3], { seed: 5 });
  const y = new Tensor(Float64Array.from([0, 1, 2, 1, 0, 2, 1]), [7]);
  return { forward: () => F.crossEntropy(F.add(F.matmul(F.tanh(F.add(F.matmul(X, W1), b1)), W2), b2), y), params: [W1, b1, W2, b2] };
}
