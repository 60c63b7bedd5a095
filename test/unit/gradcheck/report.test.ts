// The rest of the report: hand-written model backwards, projections of non-scalar outputs,
// NaN and Inf, nondeterminism, errors in the user's code, and the user-facing gradcheck().
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn, tensor } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel, gradcheck } from '../../../src/gradcheck';
import { BUG_FLAT, BUG_INDEX, assertUnchanged, awayFromZero, logisticModel, snapshot, squareModel, squareOp } from './fixtures';

describe('gradcheck report', () => {
  describe('hand-written model backward', () => {
    it('names as worst an element far past the tolerance, in the row with the max abs error, not a tiny one far past its ulps', () => {
      // An embedding's gradient written with = for += : row 0, used 8 times, keeps one use (off by
      // 7/8 of its value); row 3, used twice with tiny weights, keeps one (off by 3e-4). By
      // the exact comparison's floor, ulps of each element's own size, row 3 was named worst.
      const ids = [0, 0, 0, 0, 0, 0, 0, 0, 3, 3];
      // Row 3's two uses have opposite signs: the one kept has the wrong sign (relative error 1.5, row 0's 0.875).
      const c = tensor(Array.from({ length: 10 }, (_, r) => Array.from({ length: 4 }, (_, d) => (r < 8 ? 1 : r === 8 ? 3e-4 : -1e-4) * (1 + 0.1 * d))));
      const model = defineModel({
        inputs: { c },
        params: { E: randn([5, 4], { seed: 41 }) },
        forward: (i, p) => F.sum(F.mul(i.c, F.embedding(p.E, tensor(ids)))),
        backward: (i) => {
          const g = new Tensor(new Float64Array(20), [5, 4]);
          ids.forEach((id, r) => {
            for (let d = 0; d < 4; d++) g.data[id * 4 + d] = i.c.data[r * 4 + d]; // = for +=
          });
          return { E: g };
        },
      });
      const e = checkModel(model, { mode: 'full' }).manual![0];
      assert.equal(e.passed, false);
      assert.equal(e.wrong, 8, 'both rows are wrong in all 4 elements');
      assert.equal(e.worst!.index[0], 0, `worst ${JSON.stringify(e.worst)}`);
      assert.ok(Math.abs(e.worst!.analytic - e.worst!.numeric) > 0.5 * e.maxAbsError);
    });

    it('says where the max abs error is when it is not the worst element (ranked by how far past the tolerance)', () => {
      // w ⊙ c summed: the gradient is c. By hand, element 0 (c = 100) is off by 1, a hundredth of
      // its value; element 2 (c = 1e-3) by 0.099, a hundred times its own.
      const c = tensor([100, 2, 1e-3, 3]);
      const model = defineModel({
        inputs: { c },
        params: { w: tensor([0.5, -1, 2, 0.25]) },
        forward: (i, p) => F.sum(F.mul(i.c, p.w)),
        backward: () => ({ w: tensor([101, 2, 0.1, 3]) }),
      });
      const w = checkModel(model, { mode: 'full' }).manual![0];
      assert.equal(w.passed, false);
      assert.deepEqual(w.worst?.index, [2]);
      assert.deepEqual(w.maxAbsAt, [0]);
      assert.equal(w.maxAbsError, 1);
      // A row whose worst element is also the largest error names no other place.
      const one = defineModel({ ...model.spec, backward: () => ({ w: tensor([101, 2, 1e-3, 3]) }) });
      const single = checkModel(one, { mode: 'full' }).manual![0];
      assert.deepEqual([single.worst?.index, single.maxAbsAt], [[0], undefined]);
    });

    for (const mode of ['full', 'fast', 'sampled'] as const) {
      it(`passes a right one and flags a sign slip at w[1,2] in ${mode} mode`, () => {
        const right = checkModel(logisticModel({ backward: 'right' }), { mode });
        assert.ok(right.passed, JSON.stringify(right));
        assert.equal(right.manual?.length, 2);
        assert.ok(right.manual!.every((m) => m.passed));

        const wrong = checkModel(logisticModel({ backward: 'wrong' }), { mode });
        assert.equal(wrong.passed, false);
        assert.ok(wrong.params.every((p) => p.passed), 'autograd itself is right');
        const [w, b] = wrong.manual!;
        assert.equal(w.passed, false);
        assert.deepEqual(w.worst?.index, [1, 2]);
        assert.ok(Math.abs(w.worst!.analytic + w.worst!.numeric) < 1e-6, 'the manual value is the negated true one');
        assert.ok(b.passed);
      });
    }

    it('says which entry is missing or misshapen instead of crashing', () => {
      const missing = checkModel(logisticModel({ backward: 'missing' }));
      assert.equal(missing.passed, false);
      assert.ok(missing.manual![0].passed);
      assert.equal(missing.manual![1].passed, false);
      assert.match(missing.manual![1].error ?? '', /no gradient for 'b'/);

      const misshapen = checkModel(logisticModel({ backward: 'misshapen' }));
      assert.match(misshapen.manual![1].error ?? '', /shape \[1,4\] for 'b', whose shape is \[4\]/);
    });

    it('reports a backward that throws or returns the wrong kind of value', () => {
      const base = logisticModel();
      const throwing = checkModel({ ...base.spec, backward: () => { throw new Error('oops'); } });
      assert.ok(throwing.manual!.every((m) => !m.passed && /backward\(\) threw: oops/.test(m.error ?? '')));
      const single = checkModel({ ...base.spec, backward: () => base.spec.params.w as unknown as Record<string, Tensor> });
      assert.match(single.manual![0].error ?? '', /record of gradients by parameter name/);
    });
  });

  describe('non-scalar outputs', () => {
    it('projects the output with a random v, passes a right model and still locates a wrong op', () => {
      const x = awayFromZero([3, 4], 5);
      const w = awayFromZero([3, 4], 6);
      const right = checkModel(defineModel({ inputs: { x }, params: { w }, forward: (i, p) => F.exp(F.mul(F.mul(i.x, p.w), 0.2)) }));
      assert.equal(right.projected, true);
      assert.ok(right.passed, JSON.stringify(right));

      const square = squareOp({ at: BUG_FLAT });
      const wrong = checkModel(defineModel({ inputs: { x }, params: { w }, forward: (i, p) => square(F.mul(i.x, p.w)) }));
      assert.equal(wrong.projected, true);
      assert.equal(wrong.passed, false);
      assert.deepEqual(wrong.params[0].worst?.index, BUG_INDEX);
      assert.deepEqual(wrong.ops[0].worst?.index, BUG_INDEX);
    });

    it('does not project a scalar output, and the loss is its value', () => {
      const model = logisticModel();
      const r = checkModel(model);
      assert.equal(r.projected, undefined);
      const { x } = model.spec.inputs;
      const { w, b } = model.spec.params;
      let loss = 0;
      for (let k = 0; k < x.size; k++) loss += Math.log(1 + Math.exp(-(x.data[k] * w.data[k] + b.data[k % 4]))) + 0.1 * w.data[k] ** 2;
      assert.ok(Math.abs(r.loss - loss) < 1e-12 * Math.abs(loss), `${r.loss} vs ${loss}`);
    });
  });

  describe('NaN, Inf and errors', () => {
    it('fails with a reason when the loss is NaN, and leaves the params alone', () => {
      const w = tensor([1, -2, 3]);
      const before = snapshot({ w });
      const r = checkModel(defineModel({ inputs: {}, params: { w }, forward: (_, p) => F.sum(F.log(p.w)) }));
      assert.equal(r.passed, false);
      assert.match(r.error ?? '', /the loss is NaN/);
      assertUnchanged({ w }, before);
    });

    it('fails the parameter whose gradient holds NaN and names the element', () => {
      const nanGrad = defineOp({
        name: 'nanGrad',
        forward: (x) => F.mul(x, 3),
        backward: (dy) => {
          const g = Float64Array.from(F.mul(dy, 3).data);
          g[4] = NaN;
          return [new Tensor(g, dy.shape.slice())];
        },
      });
      const w = randn([2, 3], { seed: 9 });
      for (const mode of ['full', 'fast'] as const) {
        const r = checkModel(defineModel({ inputs: {}, params: { w }, forward: (_, p) => F.sum(nanGrad(p.w)) }), { mode });
        assert.equal(r.passed, false);
        assert.equal(r.params[0].passed, false);
        assert.deepEqual(r.params[0].worst?.index, [1, 1], mode);
        assert.ok(Number.isNaN(r.params[0].worst!.analytic));
        assert.match(r.params[0].error ?? '', /NaN/);
      }
    });

    it('turns an exception in the forward into a failing report and restores the perturbed element', () => {
      const w = tensor([0.5, 1.5, 2.5]);
      const before = snapshot({ w });
      // Throws only once the checker moves w[1]: the error happens mid-perturbation.
      const r = checkModel(defineModel({
        inputs: {},
        params: { w },
        forward: (_, p) => {
          if (p.w.data[1] !== 1.5) throw new Error('w[1] moved');
          return F.sum(F.mul(p.w, p.w));
        },
      }));
      assert.equal(r.passed, false);
      assert.match(r.error ?? '', /w\[1\] moved/);
      assertUnchanged({ w }, before);
    });

    it('says so when forward returns something that is not a tensor, with advice that fits what it returned', () => {
      const returning = (value: unknown) => checkModel(defineModel({ inputs: {}, params: { w: tensor([1]) }, forward: () => value as Tensor })).error;
      assert.equal(returning(3), 'forward: returned a number; return a tensor (wrap it with tensor(...))');
      // An async forward returns a Promise: the fix is to drop async, not to add a return.
      assert.equal(returning(Promise.resolve(tensor([1]))), 'forward: returned a Promise: make forward synchronous (no async/await)');
      assert.equal(returning({ loss: 1 }), 'forward: returned an object, not a tensor');
      assert.equal(returning(undefined), "forward: returned nothing, not a tensor (is a 'return' missing?)");
      assert.equal(returning([1, 2]), 'forward: returned a plain array; return a tensor (wrap it with tensor(...))');
    });

    it('rejects bad options with a clear error', () => {
      assert.throws(() => checkModel(logisticModel(), { eps: 0 }), /eps must be a positive number/);
      assert.throws(() => checkModel(logisticModel(), { mode: 'quick' as 'fast' }), /unknown mode 'quick'/);
    });
  });

  describe('determinism', () => {
    it('is deterministic for a plain model', () => {
      assert.equal(checkModel(logisticModel()).deterministic, true);
    });

    it('catches a backward that gives different numbers on each run', () => {
      let calls = 0;
      const drifting = defineOp({
        name: 'drifting',
        forward: (x) => F.mul(x, 2),
        backward: (dy) => [F.mul(dy, 2 + 1e-3 * calls++)],
      });
      const w = randn([4], { seed: 2 });
      const r = checkModel(defineModel({ inputs: {}, params: { w }, forward: (_, p) => F.sum(drifting(p.w)) }));
      assert.equal(r.deterministic, false);
      assert.equal(r.passed, false);
      assert.ok(r.notes?.some((n) => /different gradients/.test(n)));
    });
  });

  describe('gradcheck()', () => {
    it('checks a plain function of tensors, and a model', () => {
      const a = randn([2, 3], { seed: 1 });
      const b = randn([2, 3], { seed: 2 });
      const r = gradcheck((p, q) => F.sum(F.mul(F.exp(p), q)), [a, b]);
      assert.ok(r.passed);
      assert.deepEqual(r.params.map((p) => p.name), ['x0', 'x1']);
      const named = gradcheck((p, q) => F.mul(p, q), { p: a, q: b }, { mode: 'fast' });
      assert.deepEqual(named.params.map((p) => p.name), ['p', 'q']);
      assert.equal(named.mode, 'fast');
      assert.equal(named.projected, true);
      assert.equal(gradcheck(squareModel(squareOp({ at: BUG_FLAT }))).passed, false);
    });

    it('explains a missing inputs argument', () => {
      assert.throws(() => gradcheck(((x: Tensor) => x) as never, undefined as never), /needs its input tensors/);
    });
  });
});
