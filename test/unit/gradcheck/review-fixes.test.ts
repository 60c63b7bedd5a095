// The Taylor test of a hand-written backward, kinks that a symmetric difference hides (abs at 0),
// nondeterministic models (no element may claim pass or kink) and backward() keys that are not
// parameters. Each model's true gradient is known by hand.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn, tensor } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';
import { logisticModel } from './fixtures';

const near = (x: number | undefined, want: number, tol = 0.1): boolean => x !== undefined && Math.abs(x - want) < tol;

describe('Taylor slope of the hand-written backward', () => {
  it('is about 1 for a wrong backward while autograd keeps about 2', () => {
    const r = checkModel(logisticModel({ backward: 'wrong' }));
    assert.equal(r.passed, false);
    assert.ok(near(r.taylorSlope, 2), `autograd slope ${r.taylorSlope}`);
    assert.ok(near(r.manualTaylorSlope, 1), `hand-written slope ${r.manualTaylorSlope}`);
  });

  it('is about 2 for a right backward, and absent without a complete one', () => {
    const right = checkModel(logisticModel({ backward: 'right' }));
    assert.ok(right.passed);
    assert.ok(near(right.manualTaylorSlope, 2), `slope ${right.manualTaylorSlope}`);
    assert.equal(checkModel(logisticModel()).manualTaylorSlope, undefined, 'no backward');
    assert.equal(checkModel(logisticModel({ backward: 'missing' })).manualTaylorSlope, undefined, 'a gradient is missing');
  });
});

describe('kinks hidden by a symmetric difference', () => {
  it('abs at exactly 0 passes, is marked non-differentiable, and the Taylor test does not call the gradient wrong', () => {
    // L = Σ|w|: the central difference at w[0] = 0 is (h − h)/2h = 0, the autograd value, yet the
    // one-sided slopes are −1 and 1. A direction through w[0] would give a remainder O(h): slope 1.
    const r = checkModel(defineModel({ inputs: {}, params: { w: tensor([0, 2]) }, forward: (_, p) => F.sum(F.abs(p.w)) }));
    assert.ok(r.passed, JSON.stringify(r.params));
    assert.deepEqual(r.params[0].nonDifferentiable?.index, [0]);
    assert.match(r.params[0].nonDifferentiable!.note, /left slope -1, right slope 1/);
    // Away from w[0] the loss is linear, so the test has nothing to fit: inconclusive, never slope 1.
    assert.equal(r.taylorSlope, undefined);
    assert.ok(r.notes?.some((n) => /Taylor test inconclusive/.test(n)), JSON.stringify(r.notes));
  });

  it('with curvature elsewhere, the slope is about 2', () => {
    // L = Σ|w| + Σ w³ with w[0] = 0: dL/dw = sign(w) + 3w² away from 0.
    const w = tensor([0, 2, -1.3, 0.7]);
    const r = checkModel(defineModel({ inputs: {}, params: { w }, forward: (_, p) => F.add(F.sum(F.abs(p.w)), F.sum(F.mul(p.w, F.mul(p.w, p.w)))) }));
    assert.ok(r.passed, JSON.stringify(r.params));
    assert.deepEqual(r.params[0].nonDifferentiable?.index, [0]);
    assert.ok(near(r.taylorSlope, 2), `slope ${r.taylorSlope}`);
  });

  it('does not mark smooth elements with a large second derivative', () => {
    // exp(2000 w) at w = 0.001: f' = 2000e², f'' = 4e6·e², so at h = 1e-6 the one-sided slopes differ
    // by f''·h ≈ 30, more than the tolerance allows (≈ 15); at h/10 the gap shrinks tenfold: smooth.
    const r = checkModel(defineModel({ inputs: {}, params: { w: tensor([0.001, -0.002]) }, forward: (_, p) => F.sum(F.exp(F.mul(p.w, 2000))) }));
    assert.ok(r.passed, JSON.stringify(r.params));
    assert.equal(r.params[0].nonDifferentiable, undefined);
    assert.ok(near(r.taylorSlope, 2), `slope ${r.taylorSlope}`);
  });
});

describe('nondeterministic models', () => {
  const noisy = (backward?: boolean) => {
    const w = tensor([1, 2, 3]);
    return defineModel({
      inputs: {},
      params: { w },
      forward: (_, p) => F.sum(F.mul(p.w, tensor([Math.random(), 1, 1]))),
      ...(backward ? { backward: () => ({ w: tensor([0.5, 1, 1]) }) } : {}),
    });
  };

  it('fails every row with the reason, claims no pass or kink, and skips the Taylor test', () => {
    const r = checkModel(noisy(true));
    assert.equal(r.passed, false);
    assert.equal(r.deterministic, false);
    const why = 'the loss changes between runs with the same parameters (nondeterministic), so gradients cannot be compared';
    for (const rows of [r.params, r.manual!]) {
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.equal(row.passed, false);
      assert.equal(row.error, why);
      assert.equal(row.nonDifferentiable, undefined);
      assert.equal(row.worst, null);
      assert.equal(row.checked, 0);
    }
    assert.equal(r.taylorSlope, undefined);
    assert.equal(r.manualTaylorSlope, undefined);
    assert.ok(r.notes?.includes('Taylor test skipped: the model is nondeterministic'), JSON.stringify(r.notes));
  });

  it('a custom op whose backward gives other numbers on each run: the backward is rerun and the rows say so', () => {
    const jitter = defineOp({
      name: 'jitteryIdentity',
      forward: (x: Tensor) => F.mul(x, 1),
      backward: (dy: Tensor) => [F.mul(dy, 1 + 1e-9 * Math.random())],
    });
    const model = defineModel({ inputs: {}, params: { w: tensor([[1, 2], [3, 4]]) }, forward: (_, { w }) => F.sum(F.matmul(jitter(w), w)) });
    for (const mode of ['fast', 'full'] as const) {
      const r = checkModel(model, { mode });
      assert.equal(r.deterministic, false, mode);
      assert.ok(r.notes?.includes('two backward runs gave different gradients'), JSON.stringify(r.notes));
      assert.ok(r.params.every((c) => !c.passed && /backward runs/.test(c.error ?? '')), JSON.stringify(r.params));
    }
  });

  it('in every mode', () => {
    for (const mode of ['fast', 'sampled'] as const) {
      const r = checkModel(noisy(), { mode });
      assert.equal(r.passed, false);
      assert.ok(r.params.every((c) => !c.passed && /nondeterministic/.test(c.error ?? '') && !c.nonDifferentiable), mode);
    }
  });
});

describe('backward() keys that are not parameters', () => {
  it('adds a note naming them and the real parameters', () => {
    const x = randn([2], { seed: 3 });
    const W = randn([2], { seed: 4 });
    const r = checkModel(
      defineModel({
        inputs: { x },
        params: { W },
        forward: (i, p) => F.sum(F.mul(i.x, p.W)),
        backward: (i, p): Record<string, Tensor> => ({ W: i.x, Wx: F.mul(i.x, p.W) }),
      }),
    );
    assert.ok(r.passed, 'W itself is right: dΣxW/dW = x');
    assert.ok(r.notes?.includes("backward() returned a gradient for 'Wx', which is not a parameter, so it was ignored (the parameters are 'W'; a typo?)"), JSON.stringify(r.notes));
  });
});
