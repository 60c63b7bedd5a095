// The shifted replay (src/gradcheck/shifts.ts) against the real forward: for every registry op, and
// for chains of linear ops ahead of a nonlinearity, moving every input along a random direction
// (a rank-one one for matrices) by several step sizes gives what running the forward moved gives,
// and leaves the recording and the inputs as they were.
import * as assert from 'node:assert/strict';
import * as F from '../../../src/engine/F';
import { noGrad } from '../../../src/engine/autograd';
import { randn } from '../../../src/engine/create';
import { Rng } from '../../../src/engine/random';
import { type OpDef, apply, registry } from '../../../src/engine/registry';
import { Tensor } from '../../../src/engine/tensor';
import { RankOne, randomDirection } from '../../../src/gradcheck/directions';
import { withShiftAll } from '../../../src/gradcheck/objective';
import { Replay } from '../../../src/gradcheck/replay';
import { drawInput, isDifferentiable } from '../../helpers/opInputs';

/** Small enough to keep every op's inputs in its domain (a target in [0, 1], a log's positive argument). */
const STEPS = [1e-3, -1e-3, 1e-6];
/** A model's: the Taylor test's largest step too. */
const MODEL_STEPS = [0.1, ...STEPS];

function assertShifts(forward: () => Tensor, params: Tensor[], label: string, steps = STEPS, seed = 5): void {
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
  const base = real();
  const before = params.map((p) => p.data.slice());
  const rng = new Rng(seed);
  // Each parameter alone (a probe), then all of them at once (the Taylor test).
  const sets = [...params.map((_, t) => params.map((p, i) => (i === t ? randomDirection(p.shape, rng) : undefined))), params.map((p) => randomDirection(p.shape, rng))];
  for (const dirs of sets) {
    for (const h of steps) {
      const shifted = replay.valueShifted(dirs, h);
      const moved = dirs.map((d, i) => d ?? new Float64Array(params[i].size));
      const truth = withShiftAll(params, moved, h, real);
      assert.ok(Math.abs(shifted - truth) <= 1e-12 * (Math.abs(truth) + Math.abs(base) + 1), `${label}: moved ${dirs.map((d) => (d ? (d instanceof RankOne ? 'r' : 'd') : '.')).join('')} by ${h}: replay ${shifted} vs forward ${truth}`);
    }
  }
  params.forEach((p, i) => assert.deepEqual(p.data, before[i], `${label}: parameter ${i} untouched`));
  assert.equal(replay.value(), base, `${label}: the recording is intact`);
}

describe('shifted replay of a recorded forward', () => {
  for (const def of [...registry.values()] as OpDef<any>[]) {
    if (def.family === 'custom') continue;
    def.test.cases.forEach((c, ci) => {
      const rng = new Rng(200 + ci);
      const inputs = c.inputs.map((spec) => drawInput(spec, rng));
      const moving = inputs.filter((_, i) => isDifferentiable(c.inputs[i]) && def.vjp[def.variadic ? 0 : i]);
      if (!moving.length) return;
      it(`${def.name}${c.label ? ` (${c.label})` : ''}`, () => {
        // Squared and summed, so a linear op feeds a nonlinearity, as in a model.
        assertShifts(() => F.sum(F.pow(apply(def, inputs, c.attrs ?? {}), 2)), moving, def.name);
      });
    });
  }

  it('an MLP: rank-one moves through both products, biases along the rows, tanh recomputed', () => {
    const X = randn([7, 5], { seed: 1 });
    const W1 = randn([5, 6], { seed: 2 });
    const b1 = randn([6], { seed: 3 });
    const W2 = randn([6, 3], { seed: 4 });
    const b2 = randn([3], { seed: 5 });
    const y = new Tensor(Float64Array.from([0, 1, 2, 1, 0, 2, 1]), [7]);
    assertShifts(() => F.crossEntropy(F.add(F.matmul(F.tanh(F.add(F.matmul(X, W1), b1)), W2), b2), y), [W1, b1, W2, b2], 'mlp', MODEL_STEPS);
  });

  it('linear chains: a product on the left, transposes, subtraction from a constant, a sum, a parameter used twice', () => {
    const A = randn([4, 3], { seed: 6 });
    const B = randn([3, 5], { seed: 7 });
    const c = randn([5], { seed: 8 });
    const forward = () => F.sum(F.exp(F.mul(F.sub(1, F.transpose(F.add(F.matmul(A, B), F.mul(c, 0.5)))), F.sum(F.mul(A, A)))));
    assertShifts(forward, [A, B, c], 'chain', MODEL_STEPS);
  });

  it('a product of two moved matrices is recomputed, not taken as linear', () => {
    const A = randn([3, 3], { seed: 9 });
    const B = randn([3, 3], { seed: 10 });
    assertShifts(() => F.sum(F.matmul(A, B)), [A, B], 'bilinear', MODEL_STEPS);
  });
});
