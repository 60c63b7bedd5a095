// The probe directions' arithmetic (src/gradcheck/directions.ts; their small arrays come from the
// engine's slab, tested in test/unit/engine/memory.test.ts) and withShiftAll's move and exact
// restore (objective.ts). The reports'
// directional values are computed with these, so a faster loop must give the same bits.
import * as assert from 'node:assert/strict';
import { Rng } from '../../../src/engine/random';
import { Tensor } from '../../../src/engine/tensor';
import { RankOne, addScaled, dotWith, randomDirection, scaledDirection } from '../../../src/gradcheck/directions';
import { withShiftAll } from '../../../src/gradcheck/objective';

function randomData(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal() * 10 ** (rng.int(7) - 3));
}

describe('probe directions', () => {
  it('dotWith of a rank-one direction is the dot product with its dense form, for odd and even shapes', () => {
    const rng = new Rng(3);
    for (const [m, n] of [[2, 2], [3, 2], [2, 3], [5, 7], [7, 5], [16, 5], [64, 10], [784, 64], [9, 1 + 4 * 3]]) {
      const g = randomData(m * n, rng);
      const d = randomDirection([m, n], rng) as RankOne;
      assert.ok(d instanceof RankOne, `${m}×${n} is rank-one`);
      const dense = d.dense();
      let exact = 0;
      for (let k = 0; k < g.length; k++) exact += g[k] * dense[k];
      assert.ok(Math.abs(dotWith(g, d) - exact) <= 1e-12 * g.reduce((s, x, k) => s + Math.abs(x * dense[k]), 0), `${m}×${n} against the dense sum`);
    }
  });

  it('addScaled moves each entry by h·(left·right), as the shifted replay computes it', () => {
    const rng = new Rng(4);
    for (const [m, n] of [[3, 2], [5, 7], [4, 9], [64, 10]]) {
      const x = randomData(m * n, rng);
      const d = randomDirection([m, n], rng) as RankOne;
      const moved = x.slice();
      addScaled(moved, d, 1e-3);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) assert.ok(Object.is(moved[i * n + j], x[i * n + j] + 1e-3 * (d.left[i] * d.right[j])), `${m}×${n} at ${i},${j}`);
    }
  });

  it('scaledDirection scales the left factor (or a dense direction) and leaves the original alone', () => {
    const rng = new Rng(5);
    const r = randomDirection([6, 4], rng) as RankOne;
    const left = r.left.slice();
    const s = scaledDirection(r, 0.25) as RankOne;
    assert.deepEqual(Array.from(s.left), Array.from(left, (x) => x * 0.25));
    assert.equal(s.right, r.right);
    assert.deepEqual(r.left, left);
    const v = randomDirection([11], rng) as Float64Array;
    assert.deepEqual(Array.from(scaledDirection(v, 3) as Float64Array), Array.from(v, (x) => x * 3));
  });

  it('makes a product with an input once per direction (a plan and a projection share it), and with anything else each time', () => {
    const rng = new Rng(6);
    const d = randomDirection([5, 3], rng) as RankOne;
    const X = new Tensor(randomData(4 * 5, rng), [4, 5]);
    const B = new Tensor(randomData(3 * 2, rng), [3, 2]);
    const XA = d.timesLeft(X);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(XA[i] - d.left.reduce((s, a, k) => s + X.data[i * 5 + k] * a, 0)) <= 1e-12 * 1e6);
    assert.equal(d.timesLeft(X), XA);
    const bB = d.rightTimes(B);
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(bB[j] - d.right.reduce((s, b, k) => s + b * B.data[k * 2 + j], 0)) <= 1e-12 * 1e6);
    assert.equal(d.rightTimes(B), bB);
    // A parameter's values move while the checker probes: never served from a product made before.
    const W = new Tensor(X.data.slice(), [4, 5], true);
    const first = d.timesLeft(W);
    assert.notEqual(d.timesLeft(W), first);
    assert.deepEqual(d.timesLeft(W), first);
  });
});

describe('withShiftAll', () => {
  const rng = new Rng(6);
  const tensors = () => [new Tensor(randomData(12, rng), [3, 4]), new Tensor(randomData(5, rng), [5]), new Tensor(randomData(1, rng), [1])];

  it('moves every tensor as addScaled does and restores the original bits, also after a throw', () => {
    const ts = tensors();
    const before = ts.map((t) => t.data.slice());
    const d = ts.map((t) => randomDirection(t.shape, rng));
    const seen = withShiftAll(ts, d, 1e-2, () => ts.map((t) => t.data.slice()));
    seen.forEach((s, i) => {
      const want = before[i].slice();
      addScaled(want, d[i], 1e-2);
      assert.deepEqual(s, want, `tensor ${i} moved`);
    });
    ts.forEach((t, i) => assert.deepEqual(t.data, before[i], `tensor ${i} restored`));
    assert.throws(() =>
      withShiftAll(ts, d, 1, () => {
        throw new Error('forward failed');
      }),
    );
    ts.forEach((t, i) => assert.deepEqual(t.data, before[i], `tensor ${i} restored after the throw`));
  });

  it('a nested call, and a larger model after a smaller one, each save their own originals', () => {
    const outer = tensors();
    const inner = [new Tensor(randomData(300, rng), [20, 15])];
    const outerBefore = outer.map((t) => t.data.slice());
    const innerBefore = inner[0].data.slice();
    const dOuter = outer.map((t) => randomDirection(t.shape, rng));
    const dInner = [randomDirection(inner[0].shape, rng)];
    withShiftAll(outer, dOuter, 0.5, () => withShiftAll(inner, dInner, 0.5, () => 0));
    outer.forEach((t, i) => assert.deepEqual(t.data, outerBefore[i], `outer tensor ${i} restored`));
    assert.deepEqual(inner[0].data, innerBefore, 'inner tensor restored');
    withShiftAll(inner, dInner, 2, () => 0);
    withShiftAll(outer, dOuter, 2, () => 0);
    assert.deepEqual(inner[0].data, innerBefore);
    outer.forEach((t, i) => assert.deepEqual(t.data, outerBefore[i]));
  });
});
