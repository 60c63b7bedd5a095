// The full sweep's incremental replay (src/gradcheck/replay.ts) against the real forward: for every
// registry op, and for models that chain the patched ops (matrix products, broadcasting, pointwise),
// moving one element and replaying gives what running the forward with that element moved gives.
import * as assert from 'node:assert/strict';
import '../../../src/engine/F';
import * as F from '../../../src/engine/F';
import { randn } from '../../../src/engine/create';
import { Rng } from '../../../src/engine/random';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck/model';
import type { Replay } from '../../../src/gradcheck/replay';
import { opCases, recorded, tinyMlp } from './recorded';

/** Moves a few elements of each parameter, one at a time, and compares replay with the real forward. */
function assertReplays(forward: () => Tensor, params: Tensor[], label: string): Replay {
  const { replay, real } = recorded(forward, params, label);
  const base = real();
  assert.equal(replay.value(), base, `${label}: replaying unmoved gives the forward's value bit for bit`);
  const rng = new Rng(5);
  params.forEach((p, t) => {
    const picks = new Set([0, p.size - 1, ...Array.from({ length: 6 }, () => rng.int(p.size))]);
    for (const k of picks) {
      const before = p.data.slice();
      const moved = p.data[k] + 0.01;
      const replayed = replay.valueAt(t, k, moved);
      assert.deepEqual(p.data, before, `${label}: element ${k} restored`);
      const old = p.data[k];
      p.data[k] = moved;
      const truth = real();
      p.data[k] = old;
      assert.ok(Math.abs(replayed - truth) <= 1e-12 * (Math.abs(truth) + Math.abs(base) + 1), `${label}: param ${t} element ${k}: replay ${replayed} vs forward ${truth}`);
    }
  });
  // Nothing recorded was left moved: the unmoved value is still the forward's.
  assert.equal(replay.value(), base, `${label}: the recording is intact after the moves`);
  return replay;
}

describe('incremental replay of a recorded forward', () => {
  for (const { def, label, forward, moving } of opCases(100)) {
    it(`${def.name}${label ? ` (${label})` : ''}${def.incremental ? `, patched as ${def.incremental}` : ''}`, () => assertReplays(forward, moving, def.name));
  }

  it('an MLP: both matrix products patched by rows and columns, biases broadcast, tanh pointwise', () => {
    const { forward, params } = tinyMlp();
    assertReplays(forward, params, 'mlp');
  });

  it('vector operands, a parameter used twice, and a scalar broadcast', () => {
    const a = randn([4], { seed: 6 });
    const M = randn([4, 4], { seed: 7 });
    assertReplays(() => F.add(F.matmul(F.matmul(a, M), F.sigmoid(a)), F.mul(F.sum(a), 0.5)), [a, M], 'vectors');
  });

  it('a forward that reads .data does not replay; the checker says so and uses real forwards', () => {
    const w = randn([5], { seed: 8 });
    // The scale is computed from w's values behind the tape's back: a replay would hold it fixed.
    const model = { inputs: {}, params: { w }, forward: (_: unknown, p: { w: Tensor }) => F.mul(F.sum(F.mul(p.w, p.w)), p.w.data.reduce((s, x) => s + x, 0)) };
    const r = checkModel(model, { mode: 'full' });
    assert.ok(r.notes?.some((n) => /does not replay/.test(n)), JSON.stringify(r.notes));
    // autograd misses the hidden dependence; the real forwards see it.
    assert.equal(r.params[0].passed, false);
  });

  it("a forward that fails at the Taylor test's first point is still checked: the replay's check moves less there", () => {
    // One parameter: the Taylor test's first step moves it by 0.1, out of the forward's domain; the
    // probes and the replay's check at 1e-3 an element stay inside. The Taylor steps then run on the
    // replay, which holds (the forward reads .data only to throw).
    const w = new Tensor(Float64Array.of(0.05), [1]);
    const forward = (_: unknown, p: { w: Tensor }) => {
      if (Math.abs(p.w.data[0] - 0.05) > 0.01) throw new Error('w left its domain');
      return F.sum(F.mul(p.w, p.w));
    };
    for (const mode of ['fast', 'full'] as const) {
      const r = checkModel({ inputs: {}, params: { w }, forward }, { mode });
      assert.equal(r.params.length, 1, `${mode}: ${JSON.stringify(r)}`);
      assert.equal(r.params[0].passed, true, `${mode}: ${JSON.stringify(r.params[0])}`);
      assert.equal(r.error, undefined, mode);
      assert.ok(r.taylorSlope !== undefined && r.taylorSlope > 1.8, `${mode}: slope ${r.taylorSlope}`);
      assert.equal(r.passed, true, mode);
      assert.ok(!r.notes?.some((n) => /does not replay/.test(n)), `${mode}: the replay still holds: ${JSON.stringify(r.notes)}`);
    }
  });
});
