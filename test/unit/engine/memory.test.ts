// The engine's small-buffer slab (memory.ts): every buffer starts at zero and owns its values, so
// tensors stay immutable however many share a slab; and the summed-over-rows path of unbroadcast
// gives the same bits as the index-map path it replaces.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { grad } from '../../../src/engine/autograd';
import { copyValues, zeroedValues } from '../../../src/engine/memory';
import { Rng } from '../../../src/engine/random';
import { Tensor } from '../../../src/engine/tensor';

describe('engine memory: the small-buffer slab', () => {
  it('hands out zeroed buffers of the asked length that never overlap, across slab boundaries', () => {
    // Sizes around the heap, slab and native limits (8, 1024 values), enough to fill several slabs.
    const sizes = [1, 8, 9, 100, 1023, 1024, 1025, 4096];
    const made: { buf: Float64Array; mark: number }[] = [];
    for (let round = 0; round < 60; round++) {
      for (const n of sizes) {
        const buf = zeroedValues(n);
        assert.equal(buf.length, n);
        assert.ok(buf.every((v) => v === 0), `a fresh buffer of ${n} values is all zeros`);
        const mark = made.length + 1;
        buf.fill(mark);
        made.push({ buf, mark });
      }
    }
    // Writing every later buffer changed no earlier one.
    for (const { buf, mark } of made) assert.ok(buf.every((v) => v === mark), `buffer ${mark} kept its values`);
  });

  it('copies values into a buffer of their own', () => {
    const src = Float64Array.from({ length: 50 }, (_, i) => i * 0.5 - 3);
    const copy = copyValues(src);
    assert.deepEqual(Array.from(copy), Array.from(src));
    src[0] = 99;
    assert.equal(copy[0], -3);
  });

  it('keeps op results immutable while later ops fill the same slab', () => {
    const x = new Tensor(Float64Array.from({ length: 40 }, (_, i) => i), [8, 5]);
    const y = F.tanh(F.add(x, 1));
    const before = Array.from(y.data);
    for (let k = 0; k < 500; k++) F.mul(F.add(x, k), 2);
    assert.deepEqual(Array.from(y.data), before);
  });
});

describe('unbroadcast by rows', () => {
  it("sums a bias's gradient over the batch with the same bits as an elementwise loop in row order", () => {
    const rng = new Rng(3);
    for (const [batch, shape] of [[[6, 5], [5]], [[2, 3, 4], [3, 4]], [[2, 3, 4], [1, 4]], [[3, 7], [1, 7]]] as const) {
      const n = batch.reduce((a: number, b: number) => a * b, 1);
      const x = new Tensor(Float64Array.from({ length: n }, () => rng.uniform(-2, 2)), [...batch]);
      const w = new Tensor(Float64Array.from({ length: n }, () => rng.uniform(-2, 2)), [...batch]);
      const m = shape.reduce((a: number, b: number) => a * b, 1);
      const b = new Tensor(Float64Array.from({ length: m }, () => rng.uniform(-2, 2)), [...shape], true);
      // d/db Σ w ⊙ (x + b) = w summed over the broadcast axes.
      const [gb] = grad(F.sum(F.mul(F.add(x, b), w)), [b]);
      const want = new Float64Array(m);
      for (let i = 0; i < n; i++) want[i % m] += w.data[i];
      assert.deepEqual(gb.shape, [...shape]);
      assert.deepEqual(Array.from(gb.data), Array.from(want), `${batch} → ${shape}`);
    }
  });
});
