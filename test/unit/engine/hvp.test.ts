// Hessian-vector products and recorded backwards (grad's createGraph), against Hessians known in
// closed form: a quadratic form, and the lecture's logistic regression Xᵀ diag(σ(1−σ)) X / N.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { backward, grad } from '../../../src/engine/autograd';
import { randn, signs, tensor } from '../../../src/engine/create';
import { defineOp } from '../../../src/engine/define';
import { hvp } from '../../../src/engine/hvp';
import { GradlensError, Tensor } from '../../../src/engine/tensor';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-10): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `element ${i}: ${a[i]} vs ${b[i]}`);
}

/** Plain dense M·v. */
function matVec(M: number[][], v: ArrayLike<number>): number[] {
  return M.map((row) => row.reduce((s, m, j) => s + m * v[j], 0));
}

describe('hvp and createGraph', () => {
  it('gives (A + Aᵀ) v for the quadratic form xᵀ A x + bᵀ x', () => {
    const n = 4;
    const A = randn([n, n], { seed: 1 });
    const b = randn([n], { seed: 2 });
    const x = randn([n], { seed: 3 }).requireGrad();
    const v = randn([n], { seed: 4 });
    const loss = F.add(F.dot(x, F.matmul(A, x)), F.dot(b, x));
    const [hv] = hvp(loss, [x], [v]);
    const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => A.data[i * n + j] + A.data[j * n + i]));
    close(hv.data, matVec(rows, v.data));
  });

  it("gives the lecture's logistic-regression Hessian Xᵀ diag(σ(1−σ)) X / N times v", () => {
    const [N, d] = [7, 3];
    const X = randn([N, d], { seed: 5 });
    const y = signs([N], { seed: 6 });
    const w = randn([d], { seed: 7, scale: 0.5 }).requireGrad();
    const v = randn([d], { seed: 8 });
    const [hv] = hvp(F.logloss(F.matmul(X, w), y), [w], [v]);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < N; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += X.data[i * d + j] * w.data[j];
      const s = 1 / (1 + Math.exp(-z));
      for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) H[j][k] += (s * (1 - s) * X.data[i * d + j] * X.data[i * d + k]) / N;
    }
    close(hv.data, matVec(H, v.data));
  });

  it('differentiates through layer ops: a conv, a pool and a softmax loss agree with differences of the gradient', () => {
    const x = randn([1, 2, 5, 5], { seed: 9 });
    const W = randn([3, 2, 2, 2], { seed: 10, scale: 0.5 }).requireGrad();
    const labels = tensor([0, 2, 1, 1]);
    const loss = (): Tensor => F.crossEntropy(F.reshape(F.permute(F.maxPool2d(F.tanh(F.conv2d(x, W)), 2), [0, 2, 3, 1]), [4, 3]), labels);
    const v = randn(W.shape, { seed: 11 });
    const [hv] = hvp(loss(), [W], [v]);
    const h = 1e-5;
    const shifted = (s: number) => {
      const keep = Float64Array.from(W.data);
      W.data.forEach((_, i) => (W.data[i] = keep[i] + s * v.data[i]));
      const [g] = grad(loss(), [W]);
      W.data.set(keep);
      return g.data;
    };
    const plus = shifted(h);
    const minus = shifted(-h);
    close(hv.data, Array.from(plus, (p, i) => (p - minus[i]) / (2 * h)), 1e-6);
  });

  it('leaves the first-order path unrecorded, and records it only when asked', () => {
    const x = randn([3], { seed: 12 }).requireGrad();
    const [plain] = grad(F.sum(F.exp(x)), [x]);
    assert.equal(plain.node, null);
    assert.equal(plain.requiresGrad, false);
    const [recorded] = grad(F.sum(F.exp(x)), [x], undefined, { createGraph: true });
    assert.ok(recorded.node, 'the recorded gradient has a tape node');
    // d/dx Σ e^x = e^x, and again: its own derivative e^x.
    const [second] = grad(F.sum(recorded), [x]);
    close(second.data, Array.from(x.data, Math.exp));
  });

  it("backward's createGraph leaves a differentiable .grad, accumulated with recorded adds", () => {
    const x = tensor([0.5, -1, 2]).requireGrad();
    backward(F.sum(F.pow(x, 3)), undefined, { createGraph: true });
    backward(F.sum(F.pow(x, 3)), undefined, { createGraph: true });
    const g = x.grad!;
    close(g.data, Array.from([0.5, -1, 2], (t) => 6 * t * t));
    const [h] = grad(F.sum(g), [x]);
    close(h.data, Array.from([0.5, -1, 2], (t) => 12 * t));
  });

  it("differentiates a custom op's backward written with F ops", () => {
    const cube = defineOp({ name: 'cubeF', forward: (t) => F.pow(t, 3), backward: (dy, [t]) => [F.mul(dy, F.mul(F.pow(t, 2), 3))] });
    const x = tensor([0.5, -1, 2]).requireGrad();
    const [hv] = hvp(F.sum(cube(x)), [x], [tensor([1, 1, 1])]);
    close(hv.data, [3, -6, 12]);
  });

  it("stops with an error naming a custom op whose backward is a raw loop, right at first order", () => {
    const cube = defineOp({
      name: 'cubeRaw',
      forward: (t) => F.pow(t, 3),
      backward: (dy, [t]) => [new Tensor(Float64Array.from(t.data, (v, i) => 3 * v * v * dy.data[i]), t.shape)],
    });
    const x = tensor([0.5, -1, 2]).requireGrad();
    const [g] = grad(F.sum(cube(x)), [x]);
    close(g.data, [0.75, 3, 12]);
    assert.throws(
      () => hvp(F.sum(cube(x)), [x], [tensor([1, 1, 1])]),
      (e: unknown) => e instanceof GradlensError && /^cubeRaw: .*not computed with F ops/.test(e.message),
    );
  });

  it('names a direction whose shape does not match its parameter', () => {
    const x = randn([3], { seed: 13 }).requireGrad();
    assert.throws(() => hvp(F.sum(F.exp(x)), [x], [randn([4], { seed: 1 })]), /hvp: direction 0 has shape \[4\], but its parameter has shape \[3\]/);
  });
});
