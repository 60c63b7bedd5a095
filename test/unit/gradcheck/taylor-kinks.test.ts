// The Taylor remainder slope (≈2 right, ≈1 wrong, undefined with a note for a linear loss) and
// kinks: a difference stencil straddling relu or abs at 0 is reported as non-differentiable, not failed.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn, tensor } from '../../../src/engine/create';
import { defineModel } from '../../../src/engine/define';
import { checkModel } from '../../../src/gradcheck';
import { BUG_FLAT, assertUnchanged, awayFromZero, logisticModel, snapshot, squareModel, squareOp } from './fixtures';

describe('Taylor remainder test', () => {
  it('gives a slope of about 2 for a right gradient', () => {
    for (const model of [logisticModel(), squareModel(squareOp())]) {
      const r = checkModel(model);
      assert.ok(r.taylorSlope !== undefined && Math.abs(r.taylorSlope - 2) < 0.1, `slope ${r.taylorSlope}`);
    }
  });

  it('gives a slope of about 1 for a wrong gradient, whatever the check mode', () => {
    for (const mode of ['full', 'fast', 'sampled'] as const) {
      const r = checkModel(squareModel(squareOp({ at: BUG_FLAT })), { mode });
      assert.ok(r.taylorSlope !== undefined && Math.abs(r.taylorSlope - 1) < 0.1, `${mode}: slope ${r.taylorSlope}`);
    }
    const sign = checkModel(squareModel(squareOp({ sign: true })));
    assert.ok(Math.abs(sign.taylorSlope! - 1) < 0.1, `slope ${sign.taylorSlope}`);
  });

  it('reports no slope, with a note, when the loss is linear (the remainder is round-off)', () => {
    const x = randn([5], { seed: 1 });
    const w = randn([5], { seed: 2 });
    const r = checkModel(defineModel({ inputs: { x }, params: { w }, forward: (i, p) => F.sum(F.mul(i.x, p.w)) }));
    assert.ok(r.passed);
    assert.equal(r.taylorSlope, undefined);
    assert.ok(r.notes?.some((n) => /Taylor test inconclusive/.test(n)), JSON.stringify(r.notes));
  });
});

describe('non-differentiable points', () => {
  /** L = Σ c ⊙ relu(x ⊙ w + b) with w[0,0] = 0 and b[0] = 0, so z[0,0] sits exactly on the kink. */
  function reluOnKink() {
    const x = awayFromZero([3, 4], 21);
    const c = awayFromZero([3, 4], 22);
    const w = awayFromZero([3, 4], 23);
    const b = awayFromZero([4], 24);
    w.data[0] = 0;
    b.data[0] = 0;
    return defineModel({ name: 'reluKink', inputs: { x, c }, params: { w, b }, forward: (i, p) => F.sum(F.mul(i.c, F.relu(F.add(F.mul(i.x, p.w), p.b)))) });
  }

  for (const mode of ['full', 'fast', 'sampled'] as const) {
    it(`reports relu at exactly 0 as non-differentiable, not failed (${mode} mode)`, () => {
      const model = reluOnKink();
      const before = snapshot(model.spec.params);
      const r = checkModel(model, { mode, samples: 100 });
      assert.ok(r.passed, JSON.stringify(r.params));
      // Fast mode's direction straddles the kink too; its drill-down must explain that, not fail.
      for (const p of r.params) assert.ok(p.maxAbsError < 1e-7, `${p.name}: ${p.maxAbsError}`);
      const w = r.params[0];
      assert.deepEqual(w.nonDifferentiable?.index, [0, 0]);
      assert.match(w.nonDifferentiable!.note, /not differentiable here: left slope .*, right slope /);
      // One side's slope is 0 (relu off), the other c·x at [0,0] (relu on).
      const { x, c } = model.spec.inputs;
      const slopes = [0, Number((c.data[0] * x.data[0]).toPrecision(6))].map(String);
      const [, left, right] = /left slope (\S+), right slope (\S+?)\s/.exec(w.nonDifferentiable!.note)!;
      assert.deepEqual([left, right].sort(), slopes.sort());
      // relu'(0) = 0: the gradient is the slope of the side where relu is off, and the note says which.
      const side = /the gradient 0 is the (left|right) one-sided value/.exec(w.nonDifferentiable!.note)?.[1];
      assert.ok(side, w.nonDifferentiable!.note);
      assert.equal(side === 'left' ? left : right, '0');
      assert.deepEqual(r.params[1].nonDifferentiable?.index, [0], 'b[0] moves z[0,0] across the kink too');
      assertUnchanged(model.spec.params, before);
    });
  }

  it('two kinks at one point (relu and abs of the same value): the gradient is a subgradient between the slopes, and passes', () => {
    const x = tensor([0.8]);
    const w = tensor([0]);
    const model = defineModel({ inputs: { x }, params: { w }, forward: (i, p) => {
      const z = F.mul(i.x, p.w);
      return F.sum(F.add(F.relu(z), F.mul(F.abs(z), 0.5)));
    } });
    const r = checkModel(model, { mode: 'full' });
    assert.ok(r.passed, JSON.stringify(r.params));
    const note = r.params[0].nonDifferentiable?.note ?? '';
    // Left slope −0.5·0.8, right slope 1.5·0.8, and autograd's relu'(0) + 0.5·abs'(0) = 0 is neither.
    assert.match(note, /left slope -0\.4, right slope 1\.2 .*the gradient 0 lies between them: a subgradient/);
  });

  it('a kink where the loss also curves hard: the note still names the side the gradient is', () => {
    // relu(w) + 1e4·w² at 0: the one-sided quotients are off by h·f''/2 = 0.01, more than the tolerance.
    const model = defineModel({ inputs: {}, params: { w: tensor([0]) }, forward: (_i, p) => F.sum(F.add(F.relu(p.w), F.mul(F.mul(p.w, p.w), 1e4))) });
    const r = checkModel(model, { mode: 'full' });
    assert.ok(r.passed, JSON.stringify(r.params));
    assert.match(r.params[0].nonDifferentiable?.note ?? '', /the gradient 0 is the left one-sided value/);
  });

  it('still fails a wrong gradient that is not explained by the kink', () => {
    const w = tensor([0, 1.5, -0.7]);
    // relu'(0) is 0, so the true gradient is [kink, 2, 0]; add a wrong term on element 1 via a model backward.
    const model = defineModel({
      inputs: {},
      params: { w },
      forward: (_, p) => F.sum(F.mul(F.relu(p.w), 2)),
      backward: (_, p) => ({ w: tensor([0, 3, p.w.data[2] > 0 ? 2 : 0]) }),
    });
    const r = checkModel(model);
    assert.ok(r.params[0].passed, 'autograd');
    assert.deepEqual(r.params[0].nonDifferentiable?.index, [0]);
    const m = r.manual![0];
    assert.equal(m.passed, false);
    assert.deepEqual(m.worst?.index, [1]);
    assert.deepEqual(m.nonDifferentiable?.index, [0]);
  });

  it('flags a value outside the one-sided slopes at a kink as a failure', () => {
    const w = tensor([0, 1]);
    const model = defineModel({
      inputs: {},
      params: { w },
      forward: (_, p) => F.sum(F.abs(p.w)),
      backward: () => ({ w: tensor([5, 1]) }), // |w|'s one-sided slopes at 0 are -1 and 1: 5 is wrong
    });
    const m = checkModel(model).manual![0];
    assert.equal(m.passed, false);
    assert.deepEqual(m.worst?.index, [0]);
  });

  it('recognises a kink within eps of the point: a smaller step agrees', () => {
    const w = tensor([4e-7, 1]);
    const r = checkModel(defineModel({ inputs: {}, params: { w }, forward: (_, p) => F.sum(F.relu(p.w)) }));
    assert.ok(r.passed, JSON.stringify(r.params));
    assert.deepEqual(r.params[0].nonDifferentiable?.index, [0]);
    assert.match(r.params[0].nonDifferentiable!.note, /straddles a kink within eps/);
  });
});

describe('a kink right at the point, which every Taylor direction crosses', () => {
  /** L = Σ|b| + Σ c ⊙ w² with b at 0: an L1 penalty on a bias not yet moved; square optional. */
  function l1AtZero(square?: ReturnType<typeof squareOp>) {
    const c = tensor([0.3, -0.2, 0.5]);
    const w = tensor([0.2, 0.4, -0.1]);
    return defineModel({
      name: 'l1AtZero',
      inputs: { c },
      params: { b: tensor([0, 0, 0]), w },
      forward: (i, p) => F.add(F.sum(F.abs(p.b)), F.sum(F.mul(square ? square(p.w) : F.mul(p.w, p.w), i.c))),
    });
  }

  for (const mode of ['full', 'fast', 'sampled'] as const) {
    it(`passes a right model, the odd part of the remainder telling the kink from a wrong gradient (${mode} mode)`, () => {
      const r = checkModel(l1AtZero(), { mode, samples: 100 });
      assert.ok(r.passed, JSON.stringify({ slope: r.taylorSlope, notes: r.notes, decidedBy: r.decidedBy }));
    });
  }

  it('in fast mode, where no probe finds the kink, says so in a note', () => {
    const r = checkModel(l1AtZero(), { mode: 'fast' });
    assert.ok(r.passed);
    assert.ok(r.notes?.some((n) => /fell like h along two directions .* as at a kink right here .* its odd part/.test(n)), JSON.stringify(r.notes));
  });

  it('still fails a wrong gradient beside that kink (the odd part carries its O(h) term)', () => {
    for (const mode of ['full', 'fast'] as const) {
      const r = checkModel(l1AtZero(squareOp({ at: 1 })), { mode });
      assert.equal(r.passed, false, mode);
      assert.ok(r.taylorSlope !== undefined && Math.abs(r.taylorSlope - 1) < 0.2, `${mode}: slope ${r.taylorSlope}`);
    }
  });
});

