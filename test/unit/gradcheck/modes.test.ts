// A right model passes in every mode; a wrong custom backward is flagged at the right element in
// full, fast (with drill-down) and sampled mode, and blamed on the op at its call site.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn } from '../../../src/engine/create';
import { type Model, defineModel } from '../../../src/engine/define';
import { checkModel } from '../../../src/gradcheck';
import { BUG_FLAT, BUG_INDEX, assertUnchanged, logisticModel, snapshot, squareModel, squareOp } from './fixtures';

const modes = ['full', 'fast', 'sampled'] as const;

describe('gradcheck modes', () => {
  for (const mode of modes) {
    it(`passes a right model in ${mode} mode and leaves its params bit-for-bit unchanged`, () => {
      const model = logisticModel();
      const before = snapshot(model.spec.params);
      const r = checkModel(model, { mode });
      assert.equal(r.mode, mode);
      assert.ok(r.passed, JSON.stringify(r));
      assert.equal(r.params.length, 2);
      for (const p of r.params) {
        assert.ok(p.passed);
        assert.ok(p.maxAbsError < 1e-7, `${p.name}: ${p.maxAbsError}`);
      }
      assertUnchanged(model.spec.params, before);
    });

    it(`flags a custom backward missing its factor 2 at one element in ${mode} mode, at that element`, () => {
      const model = squareModel(squareOp({ at: BUG_FLAT }));
      const before = snapshot(model.spec.params);
      const r = checkModel(model, { mode, samples: 64 });
      assert.equal(r.passed, false);
      const [w, b] = r.params;
      // z = x ⊙ w + b, so z[1,2] involves w[1,2] and b[2] and nothing else.
      assert.equal(w.passed, false);
      assert.deepEqual(w.worst?.index, BUG_INDEX);
      assert.equal(b.passed, false);
      assert.deepEqual(b.worst?.index, [BUG_INDEX[1]]);
      // Half the true value: the numeric side must be twice the analytic (dL/dw = 2 c z x there).
      const { x, c } = model.spec.inputs;
      const k = BUG_FLAT;
      const z = x.data[k] * model.spec.params.w.data[k] + model.spec.params.b.data[BUG_INDEX[1]];
      const truth = 2 * c.data[k] * z * x.data[k];
      assert.ok(Math.abs(w.worst!.numeric - truth) < 1e-6 * Math.max(1, Math.abs(truth)));
      assert.ok(Math.abs(w.worst!.analytic - truth / 2) < 1e-9 * Math.max(1, Math.abs(truth)));

      // The op is blamed at its call site, at the element of its input where its VJP is wrong.
      assert.equal(r.ops.length, 1);
      const op = r.ops[0];
      assert.equal(op.name, 'buggySquare');
      assert.equal(op.passed, false);
      assert.deepEqual(op.worst?.index, BUG_INDEX);
      assert.equal(op.worst?.input, 0);
      assert.match(op.site, /fixtures\.ts:\d+:\d+/);
      assertUnchanged(model.spec.params, before);
    });
  }

  it('passes a right custom op in every mode, and reports it as passed', () => {
    for (const mode of modes) {
      const r = checkModel(squareModel(squareOp()), { mode });
      assert.ok(r.passed, `${mode}: ${JSON.stringify(r)}`);
      assert.equal(r.ops.length, 1);
      assert.equal(r.ops[0].name, 'square');
      assert.ok(r.ops[0].passed);
    }
  });

  it('fast mode drills down to the failing element of a large parameter', () => {
    // 40×50 = 2000 elements: bisection must find z[23,17] among them.
    const at = 23 * 50 + 17;
    const model = squareModel(squareOp({ at }), { shape: [40, 50] });
    const r = checkModel(model, { mode: 'fast' });
    const w = r.params[0];
    assert.equal(w.passed, false);
    assert.deepEqual(w.worst?.index, [23, 17]);
    assert.ok(w.checked < 40, `drill-down compared ${w.checked} elements one by one`);
    assert.ok(w.directional, 'fast mode reports the directional derivatives');
    assert.deepEqual(r.params[1].worst?.index, [17]);
    // The op's 2000-element input is past the full-check limit for ops: it is drilled down too.
    assert.deepEqual(r.ops[0].worst?.index, [23, 17]);
    assert.equal(r.ops[0].passed, false);
  });

  it('fast mode runs far fewer forwards than full mode', () => {
    let forwards = 0;
    const x = randn([30, 40], { seed: 3 });
    const w = randn([30, 40], { seed: 4 });
    const model = defineModel({
      inputs: { x },
      params: { w },
      forward: (inp, p) => {
        forwards++;
        return F.sum(F.exp(F.mul(F.mul(inp.x, p.w), 0.3)));
      },
    });
    const full = checkModel(model, { mode: 'full' });
    const fullForwards = forwards;
    forwards = 0;
    const fast = checkModel(model, { mode: 'fast' });
    assert.ok(full.passed && fast.passed);
    // Full mode judges every element, but replays the recorded ops instead of calling forward each time.
    assert.equal(full.params[0].checked, 1200);
    assert.ok(fullForwards < 20, `full mode ran ${fullForwards} forwards`);
    // 2 for the traced run and the determinism rerun, 1 base value, 2 for the direction, plus the Taylor test.
    assert.ok(forwards <= 60, `fast mode ran ${forwards} forwards`);
  });

  it('sampled mode compares exactly `samples` coordinates per parameter', () => {
    const model = logisticModel({ rows: 10, cols: 10 });
    const r = checkModel(model, { mode: 'sampled', samples: 7 });
    assert.ok(r.passed);
    assert.equal(r.params[0].checked, 7);
    assert.equal(r.params[1].checked, 7);
  });

  it('auto mode runs a full check within the parameter budget and a fast one above it', () => {
    const model = logisticModel(); // 12 + 4 params
    assert.equal(checkModel(model, { mode: 'auto', paramBudget: 16 }).mode, 'full');
    assert.equal(checkModel(model, { mode: 'auto', paramBudget: 15 }).mode, 'fast');
    const buggy = checkModel(squareModel(squareOp({ at: BUG_FLAT })), { paramBudget: 1 });
    assert.equal(buggy.mode, 'fast');
    assert.deepEqual(buggy.params[0].worst?.index, BUG_INDEX);
  });

  it("auto mode checks a model within the budget fast when its full sweep is projected too slow by its own pace (an 8k-parameter CNN), and says so; an MLP of that size stays full", function () {
    this.timeout(60_000);
    // A convolution is recomputed whole for every element a full sweep moves: about 2 min for this
    // CNN on this machine's cores, past the 30 s time limit, while its fast check takes a second.
    // Auto watches the sweep's pace for half a second, then runs the fast check instead.
    const { slowCnn: cnn } = require('../../fixtures/runner/slow-cnn') as { slowCnn: Model };
    const size = (m: { spec: { params: Record<string, { size: number }> } }) => Object.values(m.spec.params).reduce((s, p) => s + p.size, 0);
    assert.ok(size(cnn) > 7000 && size(cnn) <= 20000, `${size(cnn)} parameters, within the default budget`);
    const r = checkModel(cnn);
    assert.equal(r.mode, 'fast');
    assert.ok(r.passed, JSON.stringify(r.params));
    assert.ok(
      r.notes?.some((note) => /^auto mode checked it fast: a full check of its 7,920 parameter elements would take about [\d.]+ (s|min) \(at the pace of its first [\d,]+\), more than the 10 s auto allows; choose mode full to run it$/.test(note)),
      JSON.stringify(r.notes),
    );
    // The same size as a dense MLP: its full sweep is quick, and auto runs it.
    const mlp = defineModel({
      inputs: { x: randn([16, 64], { seed: 6 }), t: randn([16, 10], { seed: 7 }) },
      params: { W1: randn([64, 100], { seed: 8, scale: 0.2 }), W2: randn([100, 10], { seed: 9, scale: 0.2 }) },
      forward: ({ x, t }, p) => F.mean(F.pow(F.sub(F.matmul(F.tanh(F.matmul(x, p.W1)), p.W2), t), 2)),
    });
    assert.equal(size(mlp), 7400);
    const full = checkModel(mlp);
    assert.equal(full.mode, 'full', 'the replay moves an MLP element in microseconds');
    assert.ok(full.passed && !full.notes?.some((note) => note.startsWith('auto mode')), JSON.stringify(full.notes));
  });

  it('a wrong sign everywhere fails every parameter and the op', () => {
    for (const mode of modes) {
      const r = checkModel(squareModel(squareOp({ sign: true })), { mode });
      assert.equal(r.passed, false);
      assert.ok(r.params.every((p) => !p.passed), mode);
      assert.equal(r.ops[0].passed, false);
      // The worst element's analytic value is the negated numeric one.
      const w = r.params[0].worst!;
      assert.ok(Math.abs(w.analytic + w.numeric) < 1e-6 * Math.max(1, Math.abs(w.numeric)), `${mode}: ${JSON.stringify(w)}`);
    }
  });
});
