// Every registry op's gradient, checked by the product's own checker (full mode, float64), on the
// inputs its test spec draws. Each op becomes a model whose params are its differentiable inputs,
// so this also exercises the checker on every op family, non-scalar outputs (projected) included.
import { strict as assert } from 'node:assert';
import '../../../src/engine/F';
import { defineModel } from '../../../src/engine/define';
import { Rng } from '../../../src/engine/random';
import { OpDef, apply, registry, vjpFor } from '../../../src/engine/registry';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';
import { drawInput, isDifferentiable } from '../../helpers/opInputs';

describe('every registry op passes the gradient checker (full mode, float64)', () => {
  const ops = ([...registry.values()] as OpDef<any>[]).filter((d) => d.family !== 'custom');

  it('covers the registry', () => {
    assert.ok(ops.length >= 40, `only ${ops.length} ops registered`);
  });

  for (const def of ops) {
    def.test.cases.forEach((c, ci) => {
      const differentiable = c.inputs.map((s, i) => isDifferentiable(s) && vjpFor(def, i) !== null);
      if (!differentiable.some(Boolean)) return;
      it(`${def.name} (${c.label ?? `case ${ci + 1}`})`, () => {
        const rng = new Rng(1000 + ci);
        const xs = c.inputs.map((s) => drawInput(s, rng));
        const params: Record<string, Tensor> = {};
        const inputs: Record<string, Tensor> = {};
        xs.forEach((x, i) => ((differentiable[i] ? params : inputs)[`${def.inputs[def.variadic ? 0 : i] ?? 'x'}${i}`] = x));
        const keys = xs.map((_, i) => `${def.inputs[def.variadic ? 0 : i] ?? 'x'}${i}`);
        const model = defineModel({
          name: def.name,
          inputs,
          params,
          forward: (inp, p) => apply(def, keys.map((k) => p[k] ?? inp[k]), c.attrs ?? {}),
        });
        const before = xs.map((x) => Array.from(x.data));
        const r = checkModel(model, { mode: 'full' });

        assert.equal(r.mode, 'full');
        assert.equal(r.error, undefined, r.error);
        for (const p of r.params) {
          const where = p.worst ? `worst ${p.name}[${p.worst.index}]: analytic ${p.worst.analytic} vs numeric ${p.worst.numeric}` : p.name;
          assert.ok(p.passed, `${def.name}: ${where} ${p.error ?? ''}`);
          assert.equal(p.checked, xs[keys.indexOf(p.name)].size, 'full mode compares every element');
        }
        assert.ok(r.deterministic);
        assert.ok(r.passed);
        xs.forEach((x, i) => assert.deepEqual(Array.from(x.data), before[i], 'inputs restored'));
      });
    });
  }
});
