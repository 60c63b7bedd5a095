// Fast mode probes every parameter at once (strategies.ts probeTogether) and probes them one by one
// only after a disagreement: a right model's rows say which parameters moved together, a wrong
// one is still found and located in the smallest tensor among large ones, and the joint probes
// take fewer evaluations than a probe per parameter.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';
import { Replay } from '../../../src/gradcheck/replay';
import { grad, noGrad } from '../../../src/engine/autograd';
import { defaultCheckOptions } from '../../../src/gradcheck/types';
import { streamFor } from '../../../src/gradcheck/streams';
import { TAYLOR_FIRST_STEP, taylorTest } from '../../../src/gradcheck/taylor';

/**
 * Identity whose backward scales the gradient's element `at` by 1 + slip. Its forward reads
 * `.data`, so there is no taped forward to compare the backward with exactly: only the numeric
 * probes can find the slip.
 */
const slipped = (at: number, slip: number) =>
  defineOp({
    name: 'slipped',
    forward: (z: Tensor) => new Tensor(Float64Array.from(z.data), z.shape.slice()),
    backward: (dy: Tensor) => {
      const d = Float64Array.from(dy.data);
      d[at] *= 1 + slip;
      return [new Tensor(d, dy.shape.slice())];
    },
  });

/** 64→64→10 tanh MLP, batch 16, cross-entropy (4,810 parameters); `slip` goes into b2's gradient at element 3. */
function mlp(seed: number, slip?: number) {
  const op = slip === undefined ? undefined : slipped(3, slip);
  const X = randn([16, 64], { seed });
  const labels = new Tensor(Float64Array.from({ length: 16 }, (_, i) => (i * 7 + seed) % 10), [16]);
  return defineModel({
    inputs: { X, labels },
    params: { W1: F.mul(randn([64, 64], { seed: seed + 1 }), 0.15), b1: randn([64], { seed: seed + 2 }), W2: F.mul(randn([64, 10], { seed: seed + 3 }), 0.15), b2: randn([10], { seed: seed + 4 }) },
    forward: ({ X, labels }, { W1, b1, W2, b2 }) => F.crossEntropy(F.add(F.matmul(F.tanh(F.add(F.matmul(X, W1), b1)), W2), op ? op(b2) : b2), labels),
  });
}

/** Runs fn and counts the replay's shifted evaluations it makes (the fast probes and the Taylor steps), and their steps. */
function countingEvaluations<T>(fn: () => T): { result: T; evaluations: number; steps: number[] } {
  const proto = Replay.prototype as unknown as { valueShifted: (...a: unknown[]) => number };
  const original = proto.valueShifted;
  let evaluations = 0;
  const steps: number[] = [];
  proto.valueShifted = function (this: unknown, ...a: unknown[]) {
    evaluations++;
    steps.push(a[1] as number);
    return original.apply(this, a);
  };
  try {
    return { result: fn(), evaluations, steps };
  } finally {
    proto.valueShifted = original;
  }
}

describe('fast mode: every parameter probed at once', () => {
  it('a right model passes on the joint probes: each row names the parameters that moved together', () => {
    const { result: r, evaluations } = countingEvaluations(() => checkModel(mlp(3), { mode: 'fast' }));
    assert.ok(r.passed, JSON.stringify(r));
    const first = r.params[0].directional;
    assert.ok(first);
    for (const row of r.params) {
      assert.equal(row.method, 'fast');
      assert.equal(row.checked, 0, `${row.name}: no element was compared one by one`);
      assert.deepEqual(row.directional?.together, ['W1', 'b1', 'W2', 'b2']);
      // One probe for all: the same sums in every row, and they agree.
      assert.equal(row.directional?.analytic, first.analytic);
      assert.equal(row.directional?.numeric, first.numeric);
    }
    assert.ok(Math.abs(first.analytic - first.numeric) < 1e-7 * Math.abs(first.numeric), JSON.stringify(first));
    // Two joint probes (4), the Taylor test (4) and the replay's own check (1): a probe pair per
    // parameter would have made 16 for the probes alone.
    assert.ok(evaluations <= 12, `${evaluations} shifted evaluations`);
  });

  it("the replay's own check is the Taylor test's first step: one evaluation there, eight in all", () => {
    // The check compares the replay with the real forward at the Taylor test's first point, and
    // the test starts from that value; before, each moved to its own point (nine evaluations).
    const { result: r, evaluations, steps } = countingEvaluations(() => checkModel(mlp(3), { mode: 'fast' }));
    assert.ok(r.passed, JSON.stringify(r));
    assert.ok(r.taylorSlope !== undefined && r.taylorSlope > 1.8, `slope ${r.taylorSlope}`);
    assert.equal(steps[0], TAYLOR_FIRST_STEP, `the replay's check comes first, at the Taylor test's first step: ${steps.join(', ')}`);
    assert.equal(steps.filter((h) => h === TAYLOR_FIRST_STEP).length, 1, `steps ${steps.join(', ')}`);
    assert.ok(evaluations <= 8, `${evaluations} shifted evaluations`);
    // The same slope as a Taylor test that takes every step itself, along the same direction.
    const model = mlp(3);
    const params = Object.values(model.spec.params);
    params.forEach((p) => p.requireGrad());
    const grads = grad(model.spec.forward(model.spec.inputs, model.spec.params), params).map((g) => g.data);
    params.forEach((p) => p.requireGrad(false));
    const value = () => noGrad(() => model.spec.forward(model.spec.inputs, model.spec.params).item());
    // The check passes the forward's round-off estimate; here the floor's other term, 1e3 ulps of
    // the loss, is the larger, so any estimate below it walks the same steps.
    const own = taylorTest({ names: Object.keys(model.spec.params), tensors: params, value }, value(), grads, streamFor(defaultCheckOptions.seed, 'taylor'), [], 1e-300);
    assert.ok(own.slope !== undefined && Math.abs(own.slope - r.taylorSlope) < 1e-6, `own ${own.slope}, check's ${r.taylorSlope}`);
  });

  it('a model with one parameter is probed alone, as before', () => {
    const x = randn([5, 6], { seed: 1 });
    const model = defineModel({ inputs: { x }, params: { w: randn([5, 6], { seed: 2 }) }, forward: ({ x }, { w }) => F.sum(F.tanh(F.mul(x, w))) });
    const r = checkModel(model, { mode: 'fast' });
    assert.ok(r.passed, JSON.stringify(r));
    assert.ok(r.params[0].directional);
    assert.equal(r.params[0].directional?.together, undefined);
  });

  it('a slip of 1e-3 in one element of the smallest tensor is found and located in every seed; the others pass, probed alone', () => {
    for (let seed = 10; seed <= 200; seed += 10) {
      const r = checkModel(mlp(seed, 1e-3), { mode: 'fast' });
      const byName = Object.fromEntries(r.params.map((c) => [c.name, c]));
      assert.equal(byName.b2.passed, false, `seed ${seed}: ${JSON.stringify(byName.b2)}`);
      assert.deepEqual(byName.b2.worst?.index, [3], `seed ${seed}`);
      for (const name of ['W1', 'b1', 'W2']) {
        assert.ok(byName[name].passed, `seed ${seed} ${name}: ${JSON.stringify(byName[name])}`);
        // The joint probe disagreed, so every parameter was probed on its own.
        assert.equal(byName[name].directional?.together, undefined, `seed ${seed} ${name}`);
      }
    }
  });
});
