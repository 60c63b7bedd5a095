// The second-order check (order 2): H·v by double backward against differences of the gradient,
// a hand-written Hessian checked the same way, and each op re-checked on its own so a backward
// that is right at first order but not differentiable is named.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn, signs, tensor } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { grad } from '../../../src/engine/autograd';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';
import { parseArgs } from '../../../src/cli/args';

const X = randn([10, 3], { seed: 31 });
const y = signs([10], { seed: 32 });

function logreg(hessianScale: number) {
  return defineModel({
    name: `logreg×${hessianScale}`,
    inputs: { X, y },
    params: { w: randn([3], { seed: 33, scale: 0.5 }) },
    forward: ({ X, y }, { w }) => F.logloss(F.matmul(X, w), y),
    hessian: ({ X }, { w }, { w: v }) => {
      const s = F.sigmoid(F.matmul(X, w));
      const H = F.div(F.matmul(F.transpose(X), F.mul(F.reshape(F.mul(s, F.sub(1, s)), [10, 1]), X)), 10);
      return { w: F.mul(F.matmul(H, v), hessianScale) };
    },
  });
}

describe('second-order check (order 2)', () => {
  it('passes a right hand-derived Hessian and autograd, reporting order 2 rows of H·v', () => {
    const r = checkModel(logreg(1), { order: 2 });
    assert.equal(r.order, 2);
    assert.ok(r.passed, JSON.stringify(r.params.concat(r.manual ?? [])));
    assert.equal(r.params[0].checked, 3);
    assert.ok(r.manual && r.manual[0].passed);
    assert.deepEqual(r.ops.map((o) => o.name).sort(), ['logloss', 'matmul']);
    assert.ok(r.ops.every((o) => o.passed));
  });

  it('fails a hand Hessian off by a factor of 2 at its worst element, while autograd passes', () => {
    const r = checkModel(logreg(2), { order: 2 });
    assert.equal(r.passed, false);
    assert.ok(r.params[0].passed, 'autograd H·v is right');
    const m = r.manual![0];
    assert.equal(m.passed, false);
    assert.ok(m.worst);
    assert.ok(Math.abs(m.worst!.analytic / m.worst!.numeric - 2) < 1e-6, `${m.worst!.analytic} vs ${m.worst!.numeric}`);
  });

  it("names a custom op whose backward is right at first order but built from raw data", () => {
    const cube = defineOp({
      name: 'rawCube',
      forward: (t) => F.pow(t, 3),
      backward: (dy, [t]) => [new Tensor(Float64Array.from(t.data, (v, i) => 3 * v * v * dy.data[i]), t.shape)],
    });
    const model = defineModel({ name: 'raw', inputs: {}, params: { x: tensor([0.5, -1, 1.5]) }, forward: (_i, { x }) => F.sum(F.exp(cube(x))) });
    assert.ok(checkModel(model).passed, 'right at first order');
    const r = checkModel(model, { order: 2 });
    assert.equal(r.passed, false);
    assert.match(r.params[0].error ?? '', /rawCube: .*not computed with F ops/);
    const op = r.ops.find((o) => o.name === 'rawCube')!;
    assert.equal(op.passed, false);
    assert.match(op.error ?? '', /second order: rawCube/);
    assert.ok(r.ops.filter((o) => o.name !== 'rawCube').every((o) => o.passed), 'the built-in ops pass');
  });

  it('localises a backward made of F ops that misses a dependence on the input (a silent constant)', () => {
    // 3 t² dy with t² read off the data: a constant to the tape, so its derivative is lost.
    const cube = defineOp({ name: 'frozenCube', forward: (t) => F.pow(t, 3), backward: (dy, [t]) => [F.mul(dy, F.mul(tensor(Array.from(t.data, (v) => v * v)), 3))] });
    const model = defineModel({ name: 'frozen', inputs: {}, params: { x: tensor([0.5, -1, 1.5]) }, forward: (_i, { x }) => F.sum(cube(x)) });
    assert.ok(checkModel(model).passed, 'right at first order');
    const r = checkModel(model, { order: 2 });
    assert.equal(r.passed, false);
    assert.equal(r.params[0].passed, false);
    const op = r.ops.find((o) => o.name === 'frozenCube')!;
    assert.equal(op.passed, false, 'the op is blamed');
    assert.ok(op.worst);
  });

  it("examples/newton-logreg.ts: its hand Hessian equals autograd's hvp, passes order 2, and Newton converges", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ex = require('../../../examples/newton-logreg') as typeof import('../../../examples/newton-logreg');
    const w0 = ex.newtonLogreg.spec.params.w;
    assert.ok(ex.hessianAgreement(w0) < 1e-12);
    const r = checkModel(ex.newtonLogreg, { order: 2 });
    assert.ok(r.passed && r.manual?.[0].passed);
    const w = ex.newton(w0, 8);
    const { X, y } = ex.newtonLogreg.spec.inputs;
    const leaf = w.detach().requireGrad();
    const [g] = grad(F.logloss(F.matmul(X, leaf), y), [leaf]);
    assert.ok(Math.max(...Array.from(g.data, Math.abs)) < 1e-10, `gradient after 8 Newton steps: ${Array.from(g.data)}`);
  });

  it('reads --order from the command line and rejects anything but 1 or 2', () => {
    assert.equal(parseArgs(['check', 'a.ts', '--order', '2']).options.order, 2);
    assert.throws(() => parseArgs(['check', 'a.ts', '--order', '3']), /--order must be 1 or 2/);
    assert.throws(() => checkModel(logreg(1), { order: 3 as never }), /option order must be 1 or 2/);
  });
});
