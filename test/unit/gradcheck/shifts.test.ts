// The shifted replay (src/gradcheck/shifts.ts) against the real forward: for every registry op, and
// for chains of linear ops ahead of a nonlinearity, moving every input along a random direction
// (a rank-one one for matrices) by several step sizes gives what running the forward moved gives,
// and leaves the recording and the inputs as they were.
import * as assert from 'node:assert/strict';
import * as F from '../../../src/engine/F';
import { randn } from '../../../src/engine/create';
import { Rng } from '../../../src/engine/random';
import { Tensor } from '../../../src/engine/tensor';
import { RankOne, randomDirection } from '../../../src/gradcheck/directions';
import { withShiftAll } from '../../../src/gradcheck/objective';
import { opCases, recorded, tinyMlp } from './recorded';

/** Small enough to keep every op's inputs in its domain (a target in [0, 1], a log's positive argument). */
const STEPS = [1e-3, -1e-3, 1e-6];
/** A model's: the Taylor test's largest step too. */
const MODEL_STEPS = [0.1, ...STEPS];

function assertShifts(forward: () => Tensor, params: Tensor[], label: string, steps = STEPS, seed = 5): void {
  const { replay, real } = recorded(forward, params, label);
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
  for (const { def, label, forward, moving } of opCases(200)) {
    it(`${def.name}${label ? ` (${label})` : ''}`, () => assertShifts(forward, moving, def.name));
  }

  it('an MLP: rank-one moves through both products, biases along the rows, tanh recomputed', () => {
    const { forward, params } = tinyMlp();
    assertShifts(forward, params, 'mlp', MODEL_STEPS);
  });

  it('linear chains: a product on the left, transposes, subtraction from a constant, a sum, a parameter used twice', () => {
    const A = randn([4, 3], { seed: 6 });
    const B = randn([3, 5], { seed: 7 });
    const c = randn([5], { seed: 8 });
    const forward = () => F.sum(F.exp(F.mul(F.sub(1, F.transpose(F.add(F.matmul(A, B), F.mul(c, 0.5)))), F.sum(F.mul(A, A)))));
    assertShifts(forward, [A, B, c], 'chain', MODEL_STEPS);
  });

  it('sums of moved products and biases ahead of a nonlinearity: two terms, a subtracted one, and more than the terms kept factored', () => {
    const X = randn([5, 4], { seed: 11 });
    const Y = randn([5, 3], { seed: 12 });
    const W1 = randn([4, 6], { seed: 13 });
    const W2 = randn([3, 6], { seed: 14 });
    const b = randn([6], { seed: 15 });
    const c = randn([6], { seed: 16 });
    const two = () => F.sum(F.tanh(F.sub(F.add(F.matmul(X, W1), b), F.matmul(Y, W2))));
    assertShifts(two, [W1, W2, b], 'X·W1 + b − Y·W2', MODEL_STEPS);
    // Five terms: past the few kept as rank-ones, the sum is dense.
    const five = () => F.sum(F.tanh(F.sub(F.add(F.add(F.matmul(X, W1), b), F.add(F.matmul(Y, W2), c)), F.matmul(F.mul(Y, 2), W2))));
    assertShifts(five, [W1, W2, b, c], 'five terms', MODEL_STEPS);
  });

  it('a product of two moved matrices is recomputed, not taken as linear', () => {
    const A = randn([3, 3], { seed: 9 });
    const B = randn([3, 3], { seed: 10 });
    assertShifts(() => F.sum(F.matmul(A, B)), [A, B], 'bilinear', MODEL_STEPS);
  });
});
