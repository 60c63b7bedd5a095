// The derivative table's identities: rules that are not a single engine op (xᵀAx, tr(XᵀAX), the
// lecture's logloss gradient…). Each states its formula in LaTeX and computes, at random points,
// the function and the gradient CLAIMED by that formula, so `verifyRules` can hold the formula to
// central differences. Convention (as in the lecture): the gradient has the shape of the variable.
import type { Rng } from '../engine/random';
import type { TableRule } from '../shared/protocol';
import * as L from './linalg';

/** A rule instance at one random point. `claimed[k]` is the flat Jacobian (outputs × elements of vars[k]). */
export interface RuleInstance {
  vars: Float64Array[];
  f(vars: readonly Float64Array[]): ArrayLike<number>;
  claimed(vars: readonly Float64Array[]): Float64Array[];
}

export interface IdentityRule extends TableRule {
  instance(rng: Rng): RuleInstance;
}

const n = 4;
const m = 3;
const v = (rng: Rng, len: number, s = 1): Float64Array => L.randomMat(rng, len, 1, s).data;
const col = (data: ArrayLike<number>): L.Mat => L.mat(data.length, 1, data);
const asMat = (rows: number, cols: number, data: ArrayLike<number>): L.Mat => L.mat(rows, cols, data);
const one = (x: number): number[] => [x];

/** A rule about a scalar function of one variable: the claimed gradient is the gradient itself. */
function scalarRule(vars: Float64Array[], f: (x: readonly Float64Array[]) => number, grads: (x: readonly Float64Array[]) => ArrayLike<number>[]): RuleInstance {
  return { vars, f: (x) => one(f(x)), claimed: (x) => grads(x).map((g) => Float64Array.from(g)) };
}

/** A map R^n → R^k: the claimed Jacobian, k×n, row-major. */
function jacobianRule(x0: Float64Array, f: (x: Float64Array) => ArrayLike<number>, jac: (x: Float64Array) => ArrayLike<number>): RuleInstance {
  return { vars: [x0], f: ([x]) => f(x), claimed: ([x]) => [Float64Array.from(jac(x))] };
}

function diag(d: ArrayLike<number>): Float64Array {
  const k = d.length;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) out[i * k + i] = d[i];
  return out;
}

/** Valid 2-D cross-correlation of an h×w image with a kh×kw kernel. */
function correlate(x: L.Mat, k: L.Mat): L.Mat {
  const out = L.mat(x.rows - k.rows + 1, x.cols - k.cols + 1);
  for (let i = 0; i < out.rows; i++)
    for (let j = 0; j < out.cols; j++) {
      let s = 0;
      for (let a = 0; a < k.rows; a++) for (let b = 0; b < k.cols; b++) s += L.at(x, i + a, j + b) * L.at(k, a, b);
      out.data[i * out.cols + j] = s;
    }
  return out;
}

/** Full 2-D convolution (the kernel flipped, zero padding): the input gradient of a valid correlation. */
function convolveFull(u: L.Mat, k: L.Mat): L.Mat {
  const out = L.mat(u.rows + k.rows - 1, u.cols + k.cols - 1);
  for (let i = 0; i < u.rows; i++)
    for (let j = 0; j < u.cols; j++)
      for (let a = 0; a < k.rows; a++) for (let b = 0; b < k.cols; b++) out.data[(i + a) * out.cols + (j + b)] += L.at(u, i, j) * L.at(k, a, b);
  return out;
}

export const identities: IdentityRule[] = [
  // ---- scalar by vector ----
  {
    id: 'sv.linear', group: 'scalar-by-vector', title: 'Linear form aᵀx', ops: ['dot'],
    forward: 'f(x) = a^\\top x', grads: ['\\nabla_x f = a'], shapes: 'a, x \\in \\mathbb{R}^{n}',
    instance: (rng) => { const a = v(rng, n); return scalarRule([v(rng, n)], ([x]) => L.dot(a, x), () => [a]); },
  },
  {
    id: 'sv.quadratic', group: 'scalar-by-vector', title: 'Quadratic form xᵀAx', ops: [],
    forward: 'f(x) = x^\\top A x', grads: ['\\nabla_x f = (A + A^\\top)\\, x'], shapes: 'x \\in \\mathbb{R}^{n},\\ A \\in \\mathbb{R}^{n \\times n}',
    instance: (rng) => {
      const A = L.randomMat(rng, n, n);
      return scalarRule([v(rng, n)], ([x]) => L.dot(x, L.matmul(A, col(x)).data), ([x]) => [L.matmul(L.add(A, L.transpose(A)), col(x)).data]);
    },
  },
  {
    id: 'sv.squaredNorm', group: 'scalar-by-vector', title: 'Squared norm ‖x‖²', ops: [],
    forward: 'f(x) = \\lVert x \\rVert_2^2 = x^\\top x', grads: ['\\nabla_x f = 2x'], shapes: 'x \\in \\mathbb{R}^{n}',
    instance: (rng) => scalarRule([v(rng, n)], ([x]) => L.dot(x, x), ([x]) => [x.map((e) => 2 * e)]),
  },
  {
    id: 'sv.norm', group: 'scalar-by-vector', title: 'Euclidean norm ‖x‖', ops: ['sqrt'],
    forward: 'f(x) = \\lVert x \\rVert_2', grads: ['\\nabla_x f = \\dfrac{x}{\\lVert x \\rVert_2}'], shapes: 'x \\in \\mathbb{R}^{n},\\ x \\neq 0',
    instance: (rng) => scalarRule([v(rng, n)], ([x]) => Math.sqrt(L.dot(x, x)), ([x]) => [x.map((e) => e / Math.sqrt(L.dot(x, x)))]),
  },
  {
    id: 'sv.bilinear', group: 'scalar-by-vector', title: 'Bilinear form bᵀAx', ops: ['matmul'],
    forward: 'f(x) = b^\\top A x', grads: ['\\nabla_x f = A^\\top b'], shapes: 'b \\in \\mathbb{R}^{m},\\ A \\in \\mathbb{R}^{m \\times n},\\ x \\in \\mathbb{R}^{n}',
    instance: (rng) => {
      const A = L.randomMat(rng, m, n);
      const b = v(rng, m);
      return scalarRule([v(rng, n)], ([x]) => L.dot(b, L.matmul(A, col(x)).data), () => [L.matmul(L.transpose(A), col(b)).data]);
    },
  },
  {
    id: 'sv.chain', group: 'scalar-by-vector', title: 'Chain rule through a linear map', ops: [],
    forward: 'f(x) = g(Ax),\\ g(u) = \\textstyle\\sum_i \\log(1 + e^{u_i})',
    grads: ['\\nabla_x f = \\left(\\tfrac{\\partial u}{\\partial x}\\right)^{\\!\\top} \\nabla_u g = A^\\top \\sigma(Ax)'],
    shapes: 'A \\in \\mathbb{R}^{m \\times n},\\ x \\in \\mathbb{R}^{n},\\ u = Ax \\in \\mathbb{R}^{m}',
    instance: (rng) => {
      const A = L.randomMat(rng, m, n);
      return scalarRule(
        [v(rng, n)],
        ([x]) => L.matmul(A, col(x)).data.reduce((s, u) => s + Math.log1p(Math.exp(u)), 0),
        ([x]) => [L.matmul(L.transpose(A), L.map(L.matmul(A, col(x)), L.sigmoid)).data],
      );
    },
  },
  // ---- vector by vector (Jacobians, rows = outputs) ----
  {
    id: 'vv.linear', group: 'vector-by-vector', title: 'Linear map Ax', ops: ['matmul'],
    forward: 'y = A x', grads: ['\\frac{\\partial y}{\\partial x} = A'], shapes: 'A \\in \\mathbb{R}^{m \\times n},\\ \\frac{\\partial y}{\\partial x} \\in \\mathbb{R}^{m \\times n}',
    instance: (rng) => { const A = L.randomMat(rng, m, n); return jacobianRule(v(rng, n), (x) => L.matmul(A, col(x)).data, () => A.data); },
  },
  {
    id: 'vv.elementwise', group: 'vector-by-vector', title: 'Elementwise function f(x)', ops: ['tanh', 'exp'],
    forward: 'y_i = f(x_i),\\ \\text{e.g. } f = \\tanh', grads: ['\\frac{\\partial y}{\\partial x} = \\operatorname{diag}(f\'(x)) = \\operatorname{diag}(1 - \\tanh^2 x)'], shapes: 'x, y \\in \\mathbb{R}^{n}',
    instance: (rng) => jacobianRule(v(rng, n), (x) => x.map(Math.tanh), (x) => diag(x.map((e) => 1 - Math.tanh(e) ** 2))),
  },
  {
    id: 'vv.sigmoid', group: 'vector-by-vector', title: 'Sigmoid Jacobian', ops: ['sigmoid'],
    forward: 'y = \\sigma(x) = \\frac{1}{1 + e^{-x}}', grads: ['\\frac{\\partial y}{\\partial x} = \\operatorname{diag}\\big(\\sigma(x) \\odot (1 - \\sigma(x))\\big)'], shapes: 'x, y \\in \\mathbb{R}^{n}',
    instance: (rng) => jacobianRule(v(rng, n), (x) => x.map(L.sigmoid), (x) => diag(x.map((e) => L.sigmoid(e) * (1 - L.sigmoid(e))))),
  },
  {
    id: 'vv.softmax', group: 'vector-by-vector', title: 'Softmax Jacobian', ops: ['softmax'],
    forward: 's = \\operatorname{softmax}(z),\\ s_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}', grads: ['\\frac{\\partial s}{\\partial z} = \\operatorname{diag}(s) - s s^\\top'], shapes: 'z, s \\in \\mathbb{R}^{K}',
    instance: (rng) =>
      jacobianRule(v(rng, n), (z) => L.softmax(z), (z) => {
        const s = L.softmax(z);
        return diag(s).map((d, k) => d - s[Math.floor(k / n)] * s[k % n]);
      }),
  },
  {
    id: 'vv.hadamard', group: 'vector-by-vector', title: 'Elementwise product x ⊙ w', ops: ['mul'],
    forward: 'y = x \\odot w', grads: ['\\frac{\\partial y}{\\partial x} = \\operatorname{diag}(w)'], shapes: 'x, w, y \\in \\mathbb{R}^{n}',
    instance: (rng) => { const w = v(rng, n); return jacobianRule(v(rng, n), (x) => x.map((e, i) => e * w[i]), () => diag(w)); },
  },
  {
    id: 'vv.outerScale', group: 'vector-by-vector', title: 'Scaling by a scalar function (aᵀx)·x', ops: [],
    forward: 'y = (a^\\top x)\\, x', grads: ['\\frac{\\partial y}{\\partial x} = (a^\\top x)\\, I + x a^\\top'], shapes: 'a, x, y \\in \\mathbb{R}^{n}',
    instance: (rng) => {
      const a = v(rng, n);
      return jacobianRule(v(rng, n), (x) => x.map((e) => L.dot(a, x) * e), (x) => L.eye(n).map((d, k) => L.dot(a, x) * d + x[Math.floor(k / n)] * a[k % n]));
    },
  },
  // ---- scalar by matrix ----
  {
    id: 'sm.linearW', group: 'scalar-by-matrix', title: 'z = Wx with respect to W', ops: ['matmul'],
    forward: 'L = u^\\top W x \\quad (u = \\partial L / \\partial z,\\ z = Wx)', grads: ['\\nabla_W L = u\\, x^\\top'], shapes: 'W \\in \\mathbb{R}^{m \\times n},\\ x \\in \\mathbb{R}^{n},\\ u \\in \\mathbb{R}^{m}',
    instance: (rng) => {
      const u = v(rng, m);
      const x = v(rng, n);
      return scalarRule([v(rng, m * n)], ([W]) => L.dot(u, L.matmul(asMat(m, n, W), col(x)).data), () => [L.matmul(col(u), L.mat(1, n, x)).data]);
    },
  },
  {
    id: 'sm.traceAX', group: 'scalar-by-matrix', title: 'Trace tr(AX)', ops: ['trace'],
    forward: 'f(X) = \\operatorname{tr}(A X)', grads: ['\\nabla_X f = A^\\top'], shapes: 'A \\in \\mathbb{R}^{n \\times m},\\ X \\in \\mathbb{R}^{m \\times n}',
    instance: (rng) => {
      const A = L.randomMat(rng, n, m);
      return scalarRule([v(rng, m * n)], ([X]) => L.trace(L.matmul(A, asMat(m, n, X))), () => [L.transpose(A).data]);
    },
  },
  {
    id: 'sm.traceXtAX', group: 'scalar-by-matrix', title: 'Trace tr(XᵀAX)', ops: ['trace'],
    forward: 'f(X) = \\operatorname{tr}(X^\\top A X)', grads: ['\\nabla_X f = (A + A^\\top)\\, X'], shapes: 'A \\in \\mathbb{R}^{n \\times n},\\ X \\in \\mathbb{R}^{n \\times m}',
    instance: (rng) => {
      const A = L.randomMat(rng, n, n);
      return scalarRule(
        [v(rng, n * m)],
        ([X]) => { const x = asMat(n, m, X); return L.trace(L.matmul(L.transpose(x), L.matmul(A, x))); },
        ([X]) => [L.matmul(L.add(A, L.transpose(A)), asMat(n, m, X)).data],
      );
    },
  },
  {
    id: 'sm.logdet', group: 'scalar-by-matrix', title: 'Log-determinant log det X', ops: ['logdet'],
    forward: 'f(X) = \\log \\det X', grads: ['\\nabla_X f = X^{-\\top}'], shapes: 'X \\in \\mathbb{R}^{n \\times n},\\ \\det X > 0',
    instance: (rng) => scalarRule([L.randomSpd(rng, n).data], ([X]) => Math.log(L.invDet(asMat(n, n, X)).det), ([X]) => [L.transpose(L.invDet(asMat(n, n, X)).inv).data]),
  },
  {
    id: 'sm.det', group: 'scalar-by-matrix', title: 'Determinant det X', ops: [],
    forward: 'f(X) = \\det X', grads: ['\\nabla_X f = \\det(X)\\, X^{-\\top}'], shapes: 'X \\in \\mathbb{R}^{n \\times n}\\ \\text{invertible}',
    instance: (rng) => scalarRule([L.randomSpd(rng, n).data], ([X]) => L.invDet(asMat(n, n, X)).det, ([X]) => { const { inv, det } = L.invDet(asMat(n, n, X)); return [L.scale(L.transpose(inv), det).data]; }),
  },
  {
    id: 'sm.inverse', group: 'scalar-by-matrix', title: 'Inverse X⁻¹ (through tr(B X⁻¹))', ops: ['inv'],
    forward: 'd(X^{-1}) = -X^{-1}\\, dX\\, X^{-1},\\quad f(X) = \\operatorname{tr}(B X^{-1})', grads: ['\\nabla_X f = -X^{-\\top} B^\\top X^{-\\top}'], shapes: 'B, X \\in \\mathbb{R}^{n \\times n}',
    instance: (rng) => {
      const B = L.randomMat(rng, n, n);
      return scalarRule([L.randomSpd(rng, n).data], ([X]) => L.trace(L.matmul(B, L.invDet(asMat(n, n, X)).inv)), ([X]) => {
        const it = L.transpose(L.invDet(asMat(n, n, X)).inv);
        return [L.scale(L.matmul(it, L.matmul(L.transpose(B), it)), -1).data];
      });
    },
  },
  {
    id: 'sm.frobenius', group: 'scalar-by-matrix', title: 'Frobenius norm ‖X‖²_F', ops: [],
    forward: 'f(X) = \\lVert X \\rVert_F^2 = \\operatorname{tr}(X^\\top X)', grads: ['\\nabla_X f = 2X'], shapes: 'X \\in \\mathbb{R}^{m \\times n}',
    instance: (rng) => scalarRule([v(rng, m * n)], ([X]) => L.dot(X, X), ([X]) => [X.map((e) => 2 * e)]),
  },
  // ---- losses ----
  {
    id: 'loss.logloss', group: 'losses', title: 'Logistic regression logloss (the lecture)', ops: ['logloss', 'logSigmoid'],
    forward: 'L(w) = -\\log \\sigma(y\\, w^\\top x),\\ y \\in \\{-1, +1\\}', grads: ['\\nabla_w L = -y\\, x\\, \\big(1 - \\sigma(y\\, w^\\top x)\\big)'], shapes: 'w, x \\in \\mathbb{R}^{d}',
    instance: (rng) => {
      const x = v(rng, n);
      const y = rng.next() < 0.5 ? -1 : 1;
      return scalarRule([v(rng, n)], ([w]) => -Math.log(L.sigmoid(y * L.dot(w, x))), ([w]) => [x.map((e) => -y * e * (1 - L.sigmoid(y * L.dot(w, x))))]);
    },
  },
  {
    id: 'loss.softmaxCE', group: 'losses', title: 'Softmax cross-entropy', ops: ['crossEntropy', 'logSoftmax'],
    forward: 'L(z) = -\\log \\operatorname{softmax}(z)_y', grads: ['\\nabla_z L = s - \\operatorname{onehot}(y),\\ s = \\operatorname{softmax}(z)'], shapes: 'z, s \\in \\mathbb{R}^{K},\\ y \\in \\{1..K\\}',
    instance: (rng) => {
      const y = rng.int(n);
      return scalarRule([v(rng, n)], ([z]) => -Math.log(L.softmax(z)[y]), ([z]) => [L.softmax(z).map((s, k) => s - (k === y ? 1 : 0))]);
    },
  },
  {
    id: 'loss.softmaxRegression', group: 'losses', title: 'Softmax regression, by the weights', ops: ['crossEntropy', 'matmul'],
    forward: 'L(W) = -\\log \\operatorname{softmax}(W x)_y', grads: ['\\nabla_W L = \\big(s - \\operatorname{onehot}(y)\\big)\\, x^\\top'], shapes: 'W \\in \\mathbb{R}^{K \\times d},\\ x \\in \\mathbb{R}^{d}',
    instance: (rng) => {
      const x = v(rng, n);
      const y = rng.int(m);
      const logits = (W: Float64Array): Float64Array => L.matmul(asMat(m, n, W), col(x)).data;
      return scalarRule([v(rng, m * n)], ([W]) => -Math.log(L.softmax(logits(W))[y]), ([W]) => {
        const d = L.softmax(logits(W)).map((s, k) => s - (k === y ? 1 : 0));
        return [L.matmul(col(d), L.mat(1, n, x)).data];
      });
    },
  },
  {
    id: 'loss.mse', group: 'losses', title: 'Mean squared error', ops: ['mse'],
    forward: 'L(\\hat{y}) = \\tfrac{1}{n} \\lVert \\hat{y} - y \\rVert_2^2', grads: ['\\nabla_{\\hat{y}} L = \\tfrac{2}{n} (\\hat{y} - y)'], shapes: '\\hat{y}, y \\in \\mathbb{R}^{n}',
    instance: (rng) => {
      const y = v(rng, n);
      return scalarRule([v(rng, n)], ([p]) => p.reduce((s, e, i) => s + (e - y[i]) ** 2, 0) / n, ([p]) => [p.map((e, i) => (2 / n) * (e - y[i]))]);
    },
  },
  {
    id: 'loss.leastSquares', group: 'losses', title: 'Least squares ‖Xw − y‖²', ops: ['matmul', 'mse'],
    forward: 'L(w) = \\lVert X w - y \\rVert_2^2', grads: ['\\nabla_w L = 2 X^\\top (X w - y)'], shapes: 'X \\in \\mathbb{R}^{N \\times d},\\ w \\in \\mathbb{R}^{d},\\ y \\in \\mathbb{R}^{N}',
    instance: (rng) => {
      const X = L.randomMat(rng, m + 2, n);
      const y = v(rng, m + 2);
      const r = (w: Float64Array): Float64Array => L.matmul(X, col(w)).data.map((e, i) => e - y[i]);
      return scalarRule([v(rng, n)], ([w]) => L.dot(r(w), r(w)), ([w]) => [L.matmul(L.transpose(X), col(r(w))).data.map((e) => 2 * e)]);
    },
  },
  // ---- layers (u is the upstream gradient ∂L/∂y) ----
  {
    id: 'layer.linear', group: 'layers', title: 'Linear layer y = Wx + b', ops: ['matmul', 'add'],
    forward: 'y = W x + b,\\quad u = \\partial L / \\partial y', grads: ['\\nabla_W L = u\\, x^\\top', '\\nabla_x L = W^\\top u', '\\nabla_b L = u'],
    shapes: 'W \\in \\mathbb{R}^{m \\times n},\\ x \\in \\mathbb{R}^{n},\\ b, u \\in \\mathbb{R}^{m}',
    instance: (rng) => {
      const u = v(rng, m);
      const f = ([W, x, b]: readonly Float64Array[]): number => L.dot(u, L.matmul(asMat(m, n, W), col(x)).data.map((e, i) => e + b[i]));
      return scalarRule([v(rng, m * n), v(rng, n), v(rng, m)], f, ([W, x]) => [L.matmul(col(u), L.mat(1, n, x)).data, L.matmul(L.transpose(asMat(m, n, W)), col(u)).data, u]);
    },
  },
  {
    id: 'layer.mlp', group: 'layers', title: 'Two-layer MLP backward (the lecture)', ops: ['sigmoid', 'crossEntropy', 'matmul'],
    forward: 'z_1 = W_1 x,\\ a_1 = \\sigma(z_1),\\ z_2 = W_2 a_1,\\ L = -\\log \\operatorname{softmax}(z_2)_y',
    grads: ['\\delta_2 = s - \\operatorname{onehot}(y),\\quad \\nabla_{W_2} L = \\delta_2 a_1^\\top', '\\delta_1 = (W_2^\\top \\delta_2) \\odot a_1 \\odot (1 - a_1),\\quad \\nabla_{W_1} L = \\delta_1 x^\\top'],
    shapes: 'W_1 \\in \\mathbb{R}^{h \\times d},\\ W_2 \\in \\mathbb{R}^{K \\times h}',
    instance: (rng) => {
      const h = 3;
      const x = v(rng, n);
      const y = rng.int(m);
      const forward = (W1: Float64Array, W2: Float64Array) => {
        const a1 = L.map(L.matmul(asMat(h, n, W1), col(x)), L.sigmoid);
        const s = L.softmax(L.matmul(asMat(m, h, W2), a1).data);
        return { a1, s };
      };
      return scalarRule([v(rng, h * n), v(rng, m * h)], ([W1, W2]) => -Math.log(forward(W1, W2).s[y]), ([W1, W2]) => {
        const { a1, s } = forward(W1, W2);
        const d2 = col(s.map((e, k) => e - (k === y ? 1 : 0)));
        const back = L.matmul(L.transpose(asMat(m, h, W2)), d2);
        const d1 = L.map(back, (e, i) => e * a1.data[i] * (1 - a1.data[i]));
        return [L.matmul(d1, L.mat(1, n, x)).data, L.matmul(d2, L.transpose(a1)).data];
      });
    },
  },
  {
    id: 'layer.conv2d', group: 'layers', title: 'Convolution (cross-correlation) y = x ⋆ w', ops: ['conv2d'],
    forward: 'y_{ij} = \\textstyle\\sum_{a,b} x_{i+a,\\,j+b}\\, w_{ab},\\quad u = \\partial L / \\partial y',
    grads: ['\\nabla_w L = x \\star u \\quad (\\text{valid cross-correlation})', '\\nabla_x L = u \\ast w \\quad (\\text{full convolution: } w \\text{ flipped})'],
    shapes: 'x \\in \\mathbb{R}^{H \\times W},\\ w \\in \\mathbb{R}^{k \\times k},\\ y, u \\in \\mathbb{R}^{(H-k+1) \\times (W-k+1)}',
    instance: (rng) => {
      const H = 5, k = 3;
      const u = L.randomMat(rng, H - k + 1, H - k + 1);
      const f = ([x, w]: readonly Float64Array[]): number => L.dot(u.data, correlate(asMat(H, H, x), asMat(k, k, w)).data);
      return scalarRule([v(rng, H * H), v(rng, k * k)], f, ([x, w]) => [convolveFull(u, asMat(k, k, w)).data, correlate(asMat(H, H, x), u).data]);
    },
  },
  {
    id: 'layer.layerNorm', group: 'layers', title: 'Layer normalisation (no affine part)', ops: ['layerNorm'],
    forward: '\\hat{x} = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}},\\ \\mu = \\tfrac{1}{n}\\textstyle\\sum x_i,\\ \\sigma^2 = \\tfrac{1}{n}\\sum (x_i - \\mu)^2',
    grads: ['\\nabla_x L = \\frac{1}{\\sqrt{\\sigma^2 + \\epsilon}} \\Big(u - \\bar{u} - \\hat{x}\\, \\overline{u \\odot \\hat{x}}\\Big),\\ \\bar{\\cdot} = \\text{mean}'],
    shapes: 'x, \\hat{x}, u \\in \\mathbb{R}^{n}',
    instance: (rng) => {
      const eps = 1e-5;
      const u = v(rng, n);
      const norm = (x: Float64Array) => {
        const mu = x.reduce((s, e) => s + e, 0) / n;
        const sd = Math.sqrt(x.reduce((s, e) => s + (e - mu) ** 2, 0) / n + eps);
        return { xh: x.map((e) => (e - mu) / sd), sd };
      };
      return scalarRule([v(rng, n)], ([x]) => L.dot(u, norm(x).xh), ([x]) => {
        const { xh, sd } = norm(x);
        const ub = u.reduce((s, e) => s + e, 0) / n;
        const uxh = L.dot(u, xh) / n;
        return [u.map((e, i) => (e - ub - xh[i] * uxh) / sd)];
      });
    },
  },
  {
    id: 'layer.embedding', group: 'layers', title: 'Embedding lookup y = E[i]', ops: ['embedding'],
    forward: 'y_t = E_{i_t,:}\\ (\\text{a row of } E),\\quad u_t = \\partial L / \\partial y_t', grads: ['\\nabla_E L = \\textstyle\\sum_t e_{i_t} u_t^\\top \\quad (\\text{rows scatter-added; repeated indices add up})'],
    shapes: 'E \\in \\mathbb{R}^{V \\times d},\\ i \\in \\{1..V\\}^{T}',
    instance: (rng) => {
      const V = 4, d = 3;
      const idx = [1, 3, 1]; // a repeated index: its gradients must add up
      const u = idx.map(() => v(rng, d));
      return scalarRule([v(rng, V * d)], ([E]) => idx.reduce((s, r, t) => s + L.dot(u[t], E.subarray(r * d, r * d + d)), 0), () => {
        const g = new Float64Array(V * d);
        idx.forEach((r, t) => u[t].forEach((e, j) => (g[r * d + j] += e)));
        return [g];
      });
    },
  },
];
