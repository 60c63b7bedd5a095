// Hand-derived values from the lecture (../shared/seed/README.md), checked against autograd:
// the logloss gradient, softmax cross-entropy's gradient, the sigmoid's Jacobian. The expected
// values are computed here with plain Math and loops from the lecture's formulas, never by the
// engine. Then numerical stability at |x| = 1000, and the error messages of these op families.
import { strict as assert } from 'node:assert';
import { grad } from '../../../src/engine/autograd';
import { log, mul, neg } from '../../../src/engine/ops/arithmetic';
import { crossEntropy, binaryCrossEntropy, logloss, mse } from '../../../src/engine/ops/loss';
import { gelu, leakyRelu, logSigmoid, logSoftmax, sigmoid, softmax, softplus } from '../../../src/engine/ops/activation';
import { max, mean, sum } from '../../../src/engine/ops/reduce';
import { Rng } from '../../../src/engine/random';
import { GradlensError, Tensor } from '../../../src/engine/tensor';

const sigma = (z: number): number => 1 / (1 + Math.exp(-z));

function randomTensor(shape: number[], seed: number, requiresGrad = false): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.uniform(-2, 2)), shape, requiresGrad);
}

function signLabels(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1)), [n]);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Asserts a GradlensError from `op` whose message contains every fragment. */
function assertOpError(fn: () => unknown, op: string, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradlensError, `expected a GradlensError, got ${String(e)}`);
    assert.equal(e.op, op);
    assert.ok(e.message.startsWith(`${op}: `), e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" lacks "${f}"`);
    return true;
  });
}

describe('lecture: logistic regression with logloss', () => {
  const d = 5;

  it('single object: dL/dw = -y x (1 - σ(y wᵀx))', () => {
    for (const [seed, label] of [[1, 1], [2, -1], [3, 1]] as const) {
      const w = randomTensor([d], seed, true);
      const x = randomTensor([d], seed + 100);
      const y = new Tensor(Float64Array.of(label), [1]);
      const score = sum(mul(w, x), undefined, true); // wᵀx as shape [1]
      const L = logloss(score, y);

      let wx = 0;
      for (let j = 0; j < d; j++) wx += w.data[j] * x.data[j];
      assertClose(L.data, [-Math.log(sigma(label * wx))], 1e-12, 'L');
      const expected = Array.from(x.data, (xj) => -label * xj * (1 - sigma(label * wx)));
      const [dw] = grad(L, [w]);
      assertClose(dw.data, expected, 1e-12, 'dL/dw');
    }
  });

  it("the lecture's computation graph z = wᵀx, a = σ(yz), L = -log a gives the same gradient", () => {
    const w = randomTensor([d], 11, true);
    const x = randomTensor([d], 12);
    const label = -1;
    const L = neg(log(sigmoid(mul(sum(mul(w, x)), label))));
    let wx = 0;
    for (let j = 0; j < d; j++) wx += w.data[j] * x.data[j];
    // the chain rule as the lecture writes it: d(y wᵀx)/dw · dσ/dz · d(-log σ)/dσ
    const s = sigma(label * wx);
    const expected = Array.from(x.data, (xj) => label * xj * (s * (1 - s)) * (-1 / s));
    assertClose(grad(L, [w])[0].data, expected, 1e-12, 'dL/dw');
  });

  it('a batch: the gradient of the mean is the mean of -y_i x_i (1 - σ(y_i wᵀx_i))', () => {
    const n = 7;
    const X = randomTensor([n, d], 21);
    const y = signLabels(n, 22);
    const w = randomTensor([d], 23, true);
    const scores = sum(mul(X, w), 1); // row i: wᵀx_i
    const L = logloss(scores, y);

    const expected = new Array<number>(d).fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let wx = 0;
      for (let j = 0; j < d; j++) wx += w.data[j] * X.data[i * d + j];
      const yi = y.data[i];
      loss += -Math.log(sigma(yi * wx)) / n;
      for (let j = 0; j < d; j++) expected[j] += (-yi * X.data[i * d + j] * (1 - sigma(yi * wx))) / n;
    }
    assertClose(L.data, [loss], 1e-12, 'L');
    assertClose(grad(L, [w])[0].data, expected, 1e-12, 'dL/dw');
  });
});

describe('lecture: softmax regression with cross-entropy', () => {
  const n = 4;
  const k = 3;
  const labels = new Tensor(Float64Array.of(2, 0, 1, 2), [n]);

  /** softmax(z_i) - onehot(y_i), divided by N, by plain loops. */
  function expectedLogitGrad(z: Float64Array): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from(z.subarray(i * k, i * k + k));
      const denom = row.reduce((s, v) => s + Math.exp(v), 0);
      row.forEach((v, j) => out.push((Math.exp(v) / denom - (labels.data[i] === j ? 1 : 0)) / n));
    }
    return out;
  }

  it('dL/dz = (softmax(z) - onehot(y)) / N', () => {
    const Z = randomTensor([n, k], 31, true);
    const L = crossEntropy(Z, labels);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(Z.data.subarray(i * k, i * k + k));
      const denom = row.reduce((s, v) => s + Math.exp(v), 0);
      loss += -Math.log(Math.exp(row[labels.data[i]]) / denom) / n;
    }
    assertClose(L.data, [loss], 1e-12, 'L');
    assertClose(grad(L, [Z])[0].data, expectedLogitGrad(Z.data), 1e-12, 'dL/dz');
  });

  it('the fused op agrees with its composite -mean(sum(onehot ⊙ logSoftmax(z)))', () => {
    const Z = randomTensor([n, k], 32, true);
    const onehot = new Tensor(new Float64Array(n * k), [n, k]);
    for (let i = 0; i < n; i++) onehot.data[i * k + labels.data[i]] = 1;
    const fused = crossEntropy(Z, labels);
    const composite = neg(mean(sum(mul(onehot, logSoftmax(Z)), 1)));
    assertClose(fused.data, composite.data, 1e-13, 'L');
    assertClose(grad(fused, [Z])[0].data, grad(composite, [Z])[0].data, 1e-13, 'dL/dz');
  });

  it('dL/dW = ((softmax(Wx) - onehot(y)) / N)ᵀ X for the weights W ∈ R^{K×d}', () => {
    const d = 5;
    const W = randomTensor([k, d], 33, true);
    const X = randomTensor([n, 1, d], 34); // [N,1,d] so that X ⊙ W broadcasts to [N,K,d]
    const Z = sum(mul(X, W), -1); // z_ik = w_kᵀ x_i
    const L = crossEntropy(Z, labels);
    const G = expectedLogitGrad(Z.data);
    const expected = new Array<number>(k * d).fill(0);
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) expected[c * d + j] += G[i * k + c] * X.data[i * d + j];
    assertClose(grad(L, [W])[0].data, expected, 1e-12, 'dL/dW');
  });
});

describe('lecture: Jacobians from autograd', () => {
  /** Row i of ∂y/∂x is the gradient of y with a one-hot upstream gradient e_i. */
  function jacobian(f: (x: Tensor) => Tensor, x: Tensor): number[][] {
    const y = f(x);
    return Array.from({ length: y.size }, (_, i) => {
      const seed = new Tensor(new Float64Array(y.size), y.shape.slice());
      seed.data[i] = 1;
      return Array.from(grad(y, [x], seed)[0].data);
    });
  }

  it('the Jacobian of the sigmoid is diag(σ(1 - σ))', () => {
    const x = randomTensor([5], 41, true);
    const J = jacobian(sigmoid, x);
    J.forEach((row, i) => {
      const s = sigma(x.data[i]);
      const expected = row.map((_, j) => (i === j ? s * (1 - s) : 0));
      assertClose(row, expected, 1e-14, `J[${i}]`);
      row.forEach((v, j) => i !== j && assert.equal(v, 0, `off-diagonal J[${i}][${j}] must be exactly 0`));
    });
  });

  it('the Jacobian of softmax is diag(s) - s sᵀ', () => {
    const x = randomTensor([4], 42, true);
    const J = jacobian((t) => softmax(t), x);
    const denom = Array.from(x.data).reduce((a, v) => a + Math.exp(v), 0);
    const s = Array.from(x.data, (v) => Math.exp(v) / denom);
    J.forEach((row, i) => assertClose(row, s.map((sj, j) => (i === j ? s[i] : 0) - s[i] * sj), 1e-14, `J[${i}]`));
  });
});

describe('stability at |x| = 1000', () => {
  it('logSigmoid is finite and exact at ±1000, and so is its gradient', () => {
    const x = new Tensor(Float64Array.of(1000, -1000), [2], true);
    const y = logSigmoid(x);
    // log σ(1000) = -log(1 + e^-1000) = 0 to float64; log σ(-1000) = -1000 - log(1 + e^-1000) = -1000.
    assertClose(y.data, [0, -1000], 0, 'logSigmoid');
    assertClose(grad(sum(y), [x])[0].data, [0, 1], 0, 'd logSigmoid'); // 1 - σ(x)
  });

  it('logloss at scores ±1000 gives the softplus values, not Infinity', () => {
    const s = new Tensor(Float64Array.of(1000, -1000, 1000), [3], true);
    const y = new Tensor(Float64Array.of(-1, -1, 1), [3]);
    const L = logloss(s, y);
    // -log σ(y s): softplus(1000) = 1000, softplus(-1000) ≈ 0, softplus(-1000) ≈ 0
    assertClose(L.data, [1000 / 3], 1e-15, 'L');
    // -y σ(-y s) / N: [1/3, 0, 0]
    assertClose(grad(L, [s])[0].data, [1 / 3, 0, 0], 1e-15, 'dL/ds');
  });

  it('crossEntropy with logits ±1000 is finite and exact', () => {
    const z = new Tensor(Float64Array.of(1000, 0, -1000, -1000, 1000, 0), [2, 3], true);
    const L = crossEntropy(z, new Tensor(Float64Array.of(2, 1), [2]));
    // row 0: lse = 1000, picks -1000 → 2000; row 1: lse = 1000, picks 1000 → 0. Mean 1000.
    assertClose(L.data, [1000], 1e-15, 'L');
    assertClose(grad(L, [z])[0].data, [0.5, 0, -0.5, 0, 0, 0], 1e-15, 'dL/dz');
  });

  it('softmax, logSoftmax, sigmoid, softplus and gelu stay finite at ±1000', () => {
    const x = new Tensor(Float64Array.of(1000, 0, -1000), [3]);
    assertClose(softmax(x).data, [1, 0, 0], 0, 'softmax');
    assertClose(logSoftmax(x).data, [0, -1000, -2000], 0, 'logSoftmax');
    assertClose(sigmoid(x).data, [1, 0.5, 0], 0, 'sigmoid');
    assertClose(softplus(x).data, [1000, Math.LN2, 0], 0, 'softplus');
    assertClose(gelu(x).data, [1000, 0, -0], 0, 'gelu');
  });
});

describe('reductions: arg-max routing and keepDims', () => {
  it('max sends the gradient to the first arg-max on ties', () => {
    const x = new Tensor(Float64Array.of(3, 1, 3, 2, 5, 5), [2, 3], true);
    const y = max(x, 1);
    assert.deepEqual([...y.data], [3, 5]);
    assert.deepEqual([...grad(y, [x], new Tensor(Float64Array.of(10, 20), [2]))[0].data], [10, 0, 0, 0, 20, 0]);
    const all = max(x);
    assert.equal(all.item(), 5);
    assert.deepEqual([...grad(all, [x])[0].data], [0, 0, 0, 0, 1, 0]);
  });

  it('max propagates NaN', () => {
    assert.ok(Number.isNaN(max(new Tensor(Float64Array.of(1, NaN, 3), [3])).item()));
  });

  it('negative axes and keepDims give the NumPy shapes', () => {
    const x = randomTensor([2, 3, 4], 51);
    assert.deepEqual([...sum(x, -1).shape], [2, 3]);
    assert.deepEqual([...mean(x, [0, -1], true).shape], [1, 3, 1]);
    assert.deepEqual([...max(x, -2, true).shape], [2, 1, 4]);
    assert.deepEqual([...sum(x).shape], []);
  });

  it("keepDims as var's and std's options object means the same as the flag, and anything else is refused by name", () => {
    const x = randomTensor([2, 3, 4], 52);
    for (const [f, name] of [[sum, 'sum'], [mean, 'mean'], [max, 'max']] as const) {
      const flag = f(x, -1, true);
      const object = f(x, -1, { keepDims: true });
      assert.deepEqual([...object.shape], [2, 3, 1], name);
      assert.deepEqual([...object.data], [...flag.data], name);
      assert.deepEqual([...f(x, 0, {}).shape], [3, 4], `${name}: {} keeps no dims`);
      assertOpError(() => f(x, 0, { keepdim: true } as never), name, "unknown option 'keepdim' (did you mean 'keepDims'?)");
      assertOpError(() => f(x, 0, 'yes' as never), name, 'keepDims must be true or false (or { keepDims: true }), got string');
    }
  });
});

describe('error messages of reductions, activations and losses', () => {
  const m = randomTensor([2, 3], 61);

  it('bad axes', () => {
    assertOpError(() => sum(m, 2), 'sum', 'axis 2', '[2,3]');
    assertOpError(() => mean(m, -3), 'mean', 'axis -3', '[2,3]');
    assertOpError(() => max(m, [0, -2]), 'max', 'twice', '[2,3]');
    assertOpError(() => sum(m, 0.5), 'sum', 'axis 0.5');
    assertOpError(() => softmax(m, 2), 'softmax', 'axis 2', '[2,3]');
    assertOpError(() => logSoftmax(new Tensor(Float64Array.of(1), [])), 'logSoftmax', 'scalar');
    assertOpError(() => max(new Tensor(new Float64Array(0), [2, 0]), 1), 'max', 'empty axis', '[2,0]');
  });

  it('crossEntropy: shapes and labels', () => {
    const z = randomTensor([4, 3], 62);
    assertOpError(() => crossEntropy(z, new Tensor(new Float64Array(5), [5])), 'crossEntropy', 'labels must have shape [4]', 'logits [4,3]', 'labels [5]');
    assertOpError(() => crossEntropy(randomTensor([4], 63), new Tensor(new Float64Array(4), [4])), 'crossEntropy', 'matrix [N,K]', 'logits [4]');
    assertOpError(() => crossEntropy(z, new Tensor(Float64Array.of(0, 1.5, 2, 0), [4])), 'crossEntropy', 'labels[1] = 1.5', '[0, 3)');
    assertOpError(() => crossEntropy(z, new Tensor(Float64Array.of(0, 1, 3, 0), [4])), 'crossEntropy', 'labels[2] = 3', '[0, 3)');
    assertOpError(() => crossEntropy(z, new Tensor(Float64Array.of(0, -1, 2, 0), [4])), 'crossEntropy', 'labels[1] = -1');
  });

  it('logloss: labels other than ±1', () => {
    assertOpError(() => logloss(randomTensor([3], 64), new Tensor(Float64Array.of(1, 0, -1), [3])), 'logloss', 'got 0 at index 1', 'binaryCrossEntropy');
  });

  it('losses refuse a broadcast that grows both operands', () => {
    assertOpError(() => mse(randomTensor([4, 1], 65), randomTensor([4], 66)), 'mse', 'pred [4,1]', 'target [4]', '[4,4]');
    assertOpError(() => mse(randomTensor([4], 65), randomTensor([3], 66)), 'mse', '[4] and [3] cannot be broadcast');
  });

  it('binaryCrossEntropy: probabilities outside [0, 1]', () => {
    assertOpError(() => binaryCrossEntropy(new Tensor(Float64Array.of(0.5, 1.2), [2]), new Tensor(Float64Array.of(0, 1), [2])), 'binaryCrossEntropy', 'prob', '1.2');
  });

  it('leakyRelu: a slope that is not a finite number', () => {
    assertOpError(() => leakyRelu(m, NaN), 'leakyRelu', 'slope');
  });
});
