// A single-use weight's autograd gradient kept as its matrix product (deferred.ts): the same values
// as the backward's, bit for bit, when made; rank-one projections from the factors that agree with
// the values' to round-off; and a fast check that passes without ever making the product, while a
// failing one still locates the wrong element.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { grad, withOpObserver } from '../../../src/engine/autograd';
import { randn } from '../../../src/engine/create';
import { defineModel } from '../../../src/engine/define';
import { Rng } from '../../../src/engine/random';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';
import { ProductGradient, deferrableWeights } from '../../../src/gradcheck/deferred';
import { RankOne, dotWith, randomDirection } from '../../../src/gradcheck/directions';
import type { OpRecord } from '../../../src/gradcheck/replay';
import { mlpData, tanhMlpSpec } from '../../../bench/workloads';

/** A traced forward's records, the gradients autograd gives, and the adjoints of every op output. */
function traced(forward: () => Tensor, params: Tensor[]) {
  const records: OpRecord[] = [];
  params.forEach((p) => p.requireGrad());
  const y = withOpObserver((op, inputs, out, attrs) => records.push({ op, inputs, out, attrs }), forward);
  const all = grad(y, [...params, ...records.map((r) => r.out)]);
  params.forEach((p) => p.requireGrad(false));
  return { records, eager: all.slice(0, params.length).map((g) => g.data), adjoints: all.slice(params.length) };
}

function productOf(records: OpRecord[], adjoints: Tensor[], params: Tensor[], t: number): ProductGradient {
  const use = deferrableWeights(records, params).get(t);
  assert.ok(use, `parameter ${t} is not deferrable`);
  return new ProductGradient(records[use.record], use.index, adjoints[use.record]);
}

describe('deferred weight gradients', () => {
  it('make the backward\'s very values, for either operand, and project rank-one directions to round-off', () => {
    const x = randn([7, 5], { seed: 1 });
    const W = randn([5, 4], { seed: 2 }); // Y = x·W: the second operand
    const V = randn([3, 7], { seed: 3 }); // Z = V·tanh(Y): the first
    const params = [W, V];
    const { records, eager, adjoints } = traced(() => F.sum(F.mul(F.matmul(V, F.tanh(F.matmul(x, W))), 0.5)), params);
    const rng = new Rng(4);
    for (let t = 0; t < 2; t++) {
      const lazy = productOf(records, adjoints, params, t);
      for (let k = 0; k < 5; k++) {
        const d = randomDirection(params[t].shape, rng);
        assert.ok(d instanceof RankOne);
        const want = dotWith(eager[t], d);
        assert.ok(Math.abs(lazy.dot(d) - want) <= 1e-13 * Math.abs(want), `t ${t}: ${lazy.dot(d)} against ${want}`);
      }
      assert.deepEqual([...lazy.dense()], [...eager[t]]); // bit for bit: the same VJP on the same node
      // Once made, the values serve every projection.
      const d = randomDirection(params[t].shape, rng);
      assert.equal(lazy.dot(d), dotWith(eager[t], d));
    }
  });

  it('defers only a weight used once, by a product of two matrices', () => {
    const x = randn([4, 3], { seed: 1 });
    const [W, U, b, S] = [randn([3, 3], { seed: 2 }), randn([3, 2], { seed: 3 }), randn([3], { seed: 4 }), randn([3, 3], { seed: 5 })];
    const params = [W, U, b, S];
    // W twice (x·W·W), U once, b in an add, S as both operands (S·S).
    const { records } = traced(() => F.sum(F.add(F.matmul(F.matmul(F.matmul(x, W), W), U), F.sum(F.add(F.matmul(S, S), b)))), params);
    assert.deepEqual([...deferrableWeights(records, params).keys()], [1]);
    // One tensor under two names: neither.
    const twice = [U, U];
    const shared = traced(() => F.sum(F.matmul(x, U)), [U]);
    assert.deepEqual([...deferrableWeights(shared.records, twice).keys()], []);
  });

  it('falls back to the values where the factors could hide a non-finite element', () => {
    // G = Aᵀ·Ȳ overflows (±1e400) while A·a = 1e200 − 1e200 = 0 would give a finite 0.
    const A = new Tensor(Float64Array.of(1e200, -1e200), [1, 2]);
    const W = new Tensor(Float64Array.of(1, 1), [2, 1]);
    const { records } = traced(() => F.matmul(A, W), [W]);
    const lazy = new ProductGradient(records[0], 1, new Tensor(Float64Array.of(1e200), [1, 1]));
    assert.ok(!Number.isFinite(lazy.dot(new RankOne(Float64Array.of(1, 1), Float64Array.of(1)))));
    // Large adjoints (column sums over 1/2) with small operands: read A, find no overflow, project.
    const small = new ProductGradient(records[0], 1, new Tensor(Float64Array.of(4), [1, 1]));
    const made = (small as unknown as { values?: Float64Array }).values;
    assert.equal(small.dot(new RankOne(Float64Array.of(1, 2), Float64Array.of(1))), 4 * (1e200 * 1 - 1e200 * 2));
    assert.equal((small as unknown as { values?: Float64Array }).values, made, 'the product was made');
    // A projection that overflows where G does not (A·a = 2e308): the values decide.
    const big = new Tensor(Float64Array.of(1e308, 1e308), [1, 2]);
    const bigRecords = traced(() => F.matmul(big, W), [W]).records;
    const finite = new ProductGradient(bigRecords[0], 1, new Tensor(Float64Array.of(1e-3), [1, 1]));
    assert.equal(finite.dot(new RankOne(Float64Array.of(1, 1), Float64Array.of(1))), 2e305);
    // A NaN in the adjoint carries into the projection, or the values are used.
    const nan = new ProductGradient(records[0], 1, new Tensor(Float64Array.of(NaN), [1, 1]));
    assert.ok(Number.isNaN(nan.dot(new RankOne(Float64Array.of(1, 2), Float64Array.of(1)))));
  });

  it('a passing fast check of the 50,890-parameter MLP never makes the first layer\'s product, and its sums are the values\' to round-off', () => {
    const dims = { batch: 32, inp: 784, hidden: 64, out: 10 };
    const spec = tanhMlpSpec('mlp', dims, mlpData(dims, 41));
    const proto = ProductGradient.prototype as unknown as { dense(): Float64Array; dot(d: unknown): number };
    const { dense, dot } = proto;
    let made = 0;
    let projected = 0;
    proto.dense = function (this: ProductGradient) {
      made++;
      return dense.call(this);
    };
    proto.dot = function (this: ProductGradient, d: unknown) {
      projected++;
      return dot.call(this, d);
    };
    let r: ReturnType<typeof checkModel>;
    let eager: ReturnType<typeof checkModel>;
    try {
      r = checkModel(spec, { mode: 'fast' });
      assert.equal(made, 0, 'a product was made');
      // W1 and W2, each along two joint probes and the Taylor direction.
      assert.equal(projected, 6);
      // The same check with every projection taken from the values instead.
      proto.dot = function (this: ProductGradient, d: unknown) {
        return dotWith(dense.call(this), d as RankOne);
      };
      eager = checkModel(spec, { mode: 'fast' });
    } finally {
      proto.dense = dense;
      proto.dot = dot;
    }
    assert.ok(r.passed, JSON.stringify(r));
    assert.ok(Math.abs(r.taylorSlope! - eager.taylorSlope!) < 1e-9, `slopes ${r.taylorSlope}, ${eager.taylorSlope}`);
    r.params.forEach((row, i) => {
      const [a, b] = [row.directional!, eager.params[i].directional!];
      assert.deepEqual(row.directional?.together, ['W1', 'b1', 'W2', 'b2']);
      assert.equal(a.numeric, b.numeric);
      assert.ok(Math.abs(a.analytic - b.analytic) <= 1e-12 * Math.abs(b.analytic), `${row.name}: ${a.analytic} against ${b.analytic}`);
    });
  });

  it('a failing fast check makes the product and locates the wrong element in it', () => {
    // The forward adds 0.01·W1[0, 5] through `.data`, outside the tape: autograd's W1 gradient
    // misses 0.01 in that one element, and only the numeric probes can see it.
    const X = randn([16, 64], { seed: 3 });
    const labels = new Tensor(Float64Array.from({ length: 16 }, (_, i) => i % 10), [16]);
    const model = defineModel({
      inputs: { X, labels },
      params: { W1: F.mul(randn([64, 64], { seed: 4 }), 0.15), W2: F.mul(randn([64, 10], { seed: 5 }), 0.15) },
      forward: ({ X, labels }, { W1, W2 }) => F.add(F.crossEntropy(F.matmul(F.tanh(F.matmul(X, W1)), W2), labels), 0.01 * W1.data[5]),
    });
    const proto = ProductGradient.prototype as unknown as { dense(): Float64Array };
    const { dense } = proto;
    let made = 0;
    proto.dense = function (this: ProductGradient) {
      made++;
      return dense.call(this);
    };
    let r: ReturnType<typeof checkModel>;
    try {
      r = checkModel(model, { mode: 'fast' });
    } finally {
      proto.dense = dense;
    }
    assert.ok(made > 0, 'the product was never made');
    const [w1, w2] = r.params;
    assert.equal(r.passed, false);
    assert.equal(w1.passed, false, JSON.stringify(w1));
    assert.deepEqual(w1.worst?.index, [0, 5]);
    assert.ok(Math.abs(w1.worst!.numeric - w1.worst!.analytic - 0.01) < 1e-6, JSON.stringify(w1.worst));
    assert.ok(w2.passed, JSON.stringify(w2));
  });
});
