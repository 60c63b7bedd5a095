// Every registry op's second-order rule, generated from its test spec as the first-order test is
// (ops-gradcheck.test.ts): the VJP as a function (inputs, dy) ↦ input gradients, its Jacobian by
// double backward against central differences of the first-order backward, at PyTorch's
// gradgradcheck defaults (eps 1e-6, atol 1e-5, rtol 1e-3). Ops registered later are covered by
// construction: the loop runs over the registry.
import { strict as assert } from 'node:assert';
import '../../../src/engine/F';
import { Rng } from '../../../src/engine/random';
import { OpDef, registry, vjpFor } from '../../../src/engine/registry';
import { gradgradcheckOp, gradgradDefaults } from '../../../src/gradcheck/gradgrad';
import { drawInput, isDifferentiable } from '../../helpers/opInputs';

describe('every registry op passes gradgradcheck (double backward against central differences)', () => {
  const ops = ([...registry.values()] as OpDef<any>[]).filter((d) => d.family !== 'custom');

  it('holds PyTorch\'s gradgradcheck defaults', () => {
    assert.deepEqual(gradgradDefaults, { eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
  });

  for (const def of ops) {
    def.test.cases.forEach((c, ci) => {
      const differentiable = c.inputs.map((s, i) => isDifferentiable(s) && vjpFor(def, i) !== null);
      if (!differentiable.some(Boolean)) return;
      it(`${def.name} (${c.label ?? `case ${ci + 1}`})`, () => {
        const rng = new Rng(2000 + ci);
        const xs = c.inputs.map((s) => drawInput(s, rng));
        const before = xs.map((x) => Array.from(x.data));
        const r = gradgradcheckOp(def, xs, c.attrs ?? {}, differentiable, 3000 + ci);
        assert.equal(r.error, undefined, r.error);
        const w = r.worst;
        const where = w ? `${w.input < xs.length ? def.inputs[def.variadic ? 0 : w.input] ?? `x${w.input}` : 'dy'}[${w.index}]: double backward ${w.analytic} vs numeric ${w.numeric}` : '';
        assert.ok(r.passed, `${def.name}: ${where}`);
        const dySize = r.checked - xs.reduce((s, x, i) => s + (differentiable[i] ? x.size : 0), 0);
        assert.ok(dySize >= 1, 'dy is among the checked arguments');
        xs.forEach((x, i) => assert.deepEqual(Array.from(x.data), before[i], 'inputs untouched'));
      });
    });
  }
});
