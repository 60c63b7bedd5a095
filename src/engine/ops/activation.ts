// Activations. Elementwise ones are written in their numerically stable forms (no exp of a large
// positive number anywhere), because the lecture's logloss and cross-entropy feed them |x| ~ 1000
// in practice. Each VJP is one plain loop, run as a backward op (engine/backwardOp.ts) whose own
// VJPs come from the same derivative written with registry ops, so a recorded backward
// (createGraph) can be differentiated again.
import { registerBackwardOp } from '../backwardOp';
import { TensorLike, apply, registerOp, type InputSpec, type OpDef } from '../registry';
import { exp, mul, neg, sub } from './arithmetic';
import { sum } from './reduce';
import { unaryKernel } from '../broadcast';
import { GradlensError, Tensor, fmtShape, normAxis } from '../tensor';
import { type Plain, plainMap } from './reference';
import { normalCdf } from '../kernels/erf';
import { zeroedValues } from '../memory';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

/** σ(v) without overflow: only ever exponentiates a non-positive number. */
function stableSigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e); // also the NaN path
}

/**
 * tanh d for |d| below SMALL_MOVE by its series to d⁷: the next term, 62d⁹/2835, is under
 * 2.2e-18·|d| there, a fiftieth of an ulp. The range holds the Taylor test's steps as well as the
 * probes' (a move of 1e-4 to 1e-2 per element on the bench MLPs): with the series to d³ alone
 * (|d| < 1e-4) those steps paid Math.tanh, 12 ns an element against 3.
 */
const SMALL_MOVE = 1e-2;

/** tanh d for |d| < SMALL_MOVE: d plus its small correction, so the sum rounds once, at d's scale. */
function tanhOfSmall(d: number): number {
  const d2 = d * d;
  return d + d * (d2 * (-1 / 3 + d2 * (2 / 15 - d2 * (17 / 315))));
}

/** tanh(x0 + dx) by the addition theorem from y0 = tanh(x0); Math.tanh itself for a large move. */
function tanhMoved(x0: Float64Array, y0: Float64Array, dx: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const d = dx[i];
    if (Math.abs(d) < SMALL_MOVE) {
      const s = tanhOfSmall(d);
      const t = y0[i];
      out[i] = (t + s) / (1 + t * s);
    } else {
      out[i] = Math.tanh(x0[i] + d);
    }
  }
}

/**
 * σ(x0 + dx) = y0·(1 + s)/(1 + (2·y0 − 1)·s) with s = tanh(dx/2), from y0 = σ(x0): σ is
 * (1 + tanh(x/2))/2, so tanh's addition theorem carries over, and no term cancels for any y0 in [0, 1].
 */
function sigmoidMoved(x0: Float64Array, y0: Float64Array, dx: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const d = dx[i];
    if (Math.abs(d) < SMALL_MOVE) {
      const s = tanhOfSmall(0.5 * d);
      const y = y0[i];
      out[i] = (y * (1 + s)) / (1 + (2 * y - 1) * s);
    } else {
      out[i] = stableSigmoid(x0[i] + d);
    }
  }
}

/** log(1 + e^v) = max(v, 0) + log1p(e^{-|v|}). */
function stableSoftplus(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** Elementwise dy ⊙ f(x, out), the shape of every elementwise activation's VJP. */
function scaleBy(dy: Tensor, x: Tensor, out: Tensor, f: (x: number, y: number) => number): Tensor {
  const g = zeroedValues(x.size);
  for (let i = 0; i < g.length; i++) g[i] = dy.data[i] * f(x.data[i], out.data[i]);
  return new Tensor(g, x.shape.slice());
}

/** Indicator of x > 0 that stays NaN at NaN, so a NaN input never yields a clean gradient. */
function step(v: number, below: number): number {
  return v > 0 ? 1 : v <= 0 ? below : NaN;
}

/**
 * The backward op of an elementwise activation: dy ⊙ f'(v), with v the op's input x or its output
 * y, as one loop (`derivative`), and the same product from registry ops (`composite`).
 */
function elementwiseBackward<A>(
  of: string,
  v: 'x' | 'y',
  derivative: (x: number, y: number, attrs: A) => number,
  composite: (dy: Tensor, v: Tensor, attrs: A) => Tensor,
  grad: string,
  vSpec: Omit<InputSpec, 'shape'> = {},
  attrs?: A,
): OpDef<A> {
  return registerBackwardOp<A>({
    name: `${of}Backward`,
    backwardOf: of,
    inputs: ['dy', v],
    differentiable: [true, true],
    summary: `The VJP of ${of}: dy times its derivative, as one loop.`,
    kernel: ([dy, t], a) => scaleBy(dy, t, t, (p, q) => derivative(p, q, a)),
    composite: ([dy, t], a) => composite(dy, t, a),
    latex: { forward: `\\bar{x} = ${grad}`, grads: [] },
    cases: [{ inputs: [{ shape: [3, 4] }, { shape: [3, 4], ...vSpec }], ...(attrs ? { attrs } : {}) }],
  });
}

/** [x > 0] (or `below` where x <= 0) as a constant tensor: its own derivative is zero wherever it exists. */
function stepOf(x: Tensor, below: number): Tensor {
  return unaryKernel(x, (v) => step(v, below));
}

const sigmoidBackward = elementwiseBackward('sigmoid', 'y', (_, s) => s * (1 - s), (dy, s) => mul(dy, mul(s, sub(1, s))), '\\bar{y} \\odot y (1-y)', { lo: 0.05, hi: 0.95 });
const tanhBackward = elementwiseBackward('tanh', 'y', (_, t) => 1 - t * t, (dy, t) => mul(dy, sub(1, mul(t, t))), '\\bar{y} \\odot (1-y^{2})', { lo: -0.95, hi: 0.95 });
const reluBackward = elementwiseBackward('relu', 'x', (v) => step(v, 0), (dy, x) => mul(dy, stepOf(x, 0)), '\\bar{y} \\odot [x > 0]', { awayFromZero: 0.05 });
const leakyReluBackward = elementwiseBackward<LeakyAttrs>(
  'leakyRelu',
  'x',
  (v, _, { slope }) => step(v, slope),
  (dy, x, { slope }) => mul(dy, stepOf(x, slope)),
  '\\bar{y} \\odot ([x > 0] + \\alpha [x \\le 0])',
  { awayFromZero: 0.05 },
  { slope: 0.3 },
);
const softplusBackward = elementwiseBackward('softplus', 'x', (v) => stableSigmoid(v), (dy, x) => mul(dy, sigmoid(x)), '\\bar{y} \\odot \\sigma(x)');
const logSigmoidBackward = elementwiseBackward('logSigmoid', 'x', (v) => stableSigmoid(-v), (dy, x) => mul(dy, sigmoid(neg(x))), '\\bar{y} \\odot \\sigma(-x)');

const elementwiseCases = [{ inputs: [{ shape: [3, 4] }] }, { label: 'scalar', inputs: [{ shape: [] }] }];
const wideCases = [...elementwiseCases, { label: 'large |x|', inputs: [{ shape: [8], lo: -40, hi: 40 }] }];
const kinkCases = [{ inputs: [{ shape: [3, 4], awayFromZero: 0.05 }] }];

const sigmoidOp = registerOp<NoAttrs>({
  name: 'sigmoid',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'Logistic sigmoid σ(x) = 1/(1+e^{-x}), evaluated without overflow.',
  forward: ([x]) => unaryKernel(x, stableSigmoid),
  movedForward: sigmoidMoved,
  vjp: [(dy, { out }) => apply(sigmoidBackward, [dy, out], none)],
  latex: {
    forward: 'y = \\sigma(x) = \\frac{1}{1+e^{-x}}',
    grads: ['\\bar{x} = \\bar{y} \\odot \\sigma(x) \\odot (1-\\sigma(x))'],
    shapes: 'x, y \\in \\mathbb{R}^{n},\\ \\frac{\\partial y}{\\partial x} = \\operatorname{diag}(\\sigma(x) \\odot (1-\\sigma(x)))',
  },
  test: { cases: wideCases, reference: ([x]) => plainMap(x, (v) => (v > 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (Math.exp(v) + 1))) },
});

const tanhOp = registerOp<NoAttrs>({
  name: 'tanh',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'Hyperbolic tangent.',
  forward: ([x]) => unaryKernel(x, Math.tanh),
  movedForward: tanhMoved,
  vjp: [(dy, { out }) => apply(tanhBackward, [dy, out], none)],
  latex: { forward: 'y = \\tanh(x)', grads: ['\\bar{x} = \\bar{y} \\odot (1-\\tanh^{2}(x))'], shapes: 'x, y \\in \\mathbb{R}^{n}' },
  test: {
    cases: wideCases,
    // (e^{2v}-1)/(e^{2v}+1) written on the non-positive side only, so it cannot overflow.
    reference: ([x]) => plainMap(x, (v) => {
      const e = Math.exp(-2 * Math.abs(v));
      return Math.sign(v) * ((1 - e) / (1 + e));
    }),
  },
});

const reluOp = registerOp<NoAttrs>({
  name: 'relu',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'Rectified linear unit max(x, 0) (kink at 0; its gradient there is taken as 0).',
  forward: ([x]) => unaryKernel(x, (v) => (v > 0 ? v : v <= 0 ? 0 : v)),
  vjp: [(dy, { inputs: [x] }) => apply(reluBackward, [dy, x], none)],
  latex: { forward: 'y = \\max(x, 0)', grads: ['\\bar{x} = \\bar{y} \\odot [x > 0]'], shapes: 'x, y \\in \\mathbb{R}^{n}' },
  test: { cases: kinkCases, reference: ([x]) => plainMap(x, (v) => (Number.isNaN(v) ? NaN : Math.max(v, 0))) },
});

interface LeakyAttrs {
  slope: number;
}
const leakyReluOp = registerOp<LeakyAttrs>({
  name: 'leakyRelu',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'Leaky ReLU: x for x > 0, slope·x otherwise (slope 0.01 by default).',
  forward: ([x], { slope }) => unaryKernel(x, (v) => (v > 0 ? v : slope * v)),
  vjp: [(dy, { inputs: [x], attrs }) => apply(leakyReluBackward, [dy, x], attrs)],
  latex: { forward: 'y = \\max(x, \\alpha x)', grads: ['\\bar{x} = \\bar{y} \\odot ([x > 0] + \\alpha [x \\le 0])'], shapes: 'x, y \\in \\mathbb{R}^{n},\\ \\alpha = \\text{slope}' },
  test: {
    cases: [
      { label: 'default slope', inputs: [{ shape: [3, 4], awayFromZero: 0.05 }], attrs: { slope: 0.01 } },
      { label: 'slope 0.3', inputs: [{ shape: [6], awayFromZero: 0.05 }], attrs: { slope: 0.3 } },
    ],
    reference: ([x], { slope }) => plainMap(x, (v) => (v < 0 ? v * slope : v)),
  },
});

// ---- gelu: the exact form x·Φ(x), Φ(x) = ½ erfc(−x/√2), with our own float64 erfc (kernels/erf.ts) ----

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Reference Φ by composite Simpson integration of the density: independent of erf. */
function simpsonCdf(x: number): number {
  const steps = 4000;
  const h = x / steps;
  const phi = (t: number) => INV_SQRT_2PI * Math.exp(-0.5 * t * t);
  let s = phi(0) + phi(x);
  for (let i = 1; i < steps; i++) s += (i % 2 ? 4 : 2) * phi(i * h);
  return 0.5 + (s * h) / 3;
}

/** GELU's derivative Φ(x) + x φ(x). No composite reaches Φ, so geluDerivative's VJP is written out. */
function geluSlope(v: number): number {
  return normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
}

/** φ(x) = e^{−x²/2}/√(2π), from registry ops. */
function normalPdf(x: Tensor): Tensor {
  return mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
}

const geluDerivative = registerBackwardOp<NoAttrs>({
  name: 'geluDerivative',
  backwardOf: 'gelu',
  inputs: ['x'],
  differentiable: [true],
  summary: "GELU's derivative Φ(x) + x φ(x), elementwise (its VJP is the second derivative φ(x)(2 − x²)).",
  kernel: ([x]) => unaryKernel(x, geluSlope),
  vjp: [(g, { inputs: [x] }) => mul(g, mul(normalPdf(x), sub(2, mul(x, x))))],
  reference: ([x]) => plainMap(x, (v) => simpsonCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)),
  latex: { forward: "y = \\Phi(x) + x \\varphi(x)", grads: ['\\bar{x} = \\bar{y} \\odot \\varphi(x) (2 - x^{2})'] },
  cases: [{ inputs: [{ shape: [3, 4] }] }],
});

const geluBackward = elementwiseBackward('gelu', 'x', geluSlope, (dy, x) => mul(dy, apply(geluDerivative, [x], none)), '\\bar{y} \\odot (\\Phi(x) + x \\varphi(x))');

const geluOp = registerOp<NoAttrs>({
  name: 'gelu',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'GELU, exact erf form x·Φ(x) (not the tanh approximation), with a float64-accurate erf of our own.',
  forward: ([x]) => unaryKernel(x, (v) => v * normalCdf(v)),
  vjp: [(dy, { inputs: [x] }) => apply(geluBackward, [dy, x], none)],
  latex: {
    forward: 'y = x \\odot \\Phi(x),\\ \\Phi(x) = \\tfrac{1}{2}\\left(1 + \\operatorname{erf}(x/\\sqrt{2})\\right)',
    grads: ['\\bar{x} = \\bar{y} \\odot \\left(\\Phi(x) + x \\odot \\varphi(x)\\right),\\ \\varphi(x) = \\tfrac{1}{\\sqrt{2\\pi}} e^{-x^{2}/2}'],
    shapes: 'x, y \\in \\mathbb{R}^{n}',
  },
  test: {
    cases: [...elementwiseCases, { label: 'wide range', inputs: [{ shape: [10], lo: -7, hi: 7 }] }],
    tol: 1e-12, // Simpson's rule with 4000 steps is good to ~1e-13 on [-7, 7]
    reference: ([x]) => plainMap(x, (v) => v * simpsonCdf(v)),
  },
});

const softplusOp = registerOp<NoAttrs>({
  name: 'softplus',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'Softplus log(1 + e^x), stable for large |x|.',
  forward: ([x]) => unaryKernel(x, stableSoftplus),
  vjp: [(dy, { inputs: [x] }) => apply(softplusBackward, [dy, x], none)],
  latex: { forward: 'y = \\log(1 + e^{x})', grads: ['\\bar{x} = \\bar{y} \\odot \\sigma(x)'], shapes: 'x, y \\in \\mathbb{R}^{n}' },
  test: {
    cases: wideCases,
    // log(1+e^v) = v + log(1+e^{-v}) on the positive side; log1p keeps the tails exact.
    reference: ([x]) => plainMap(x, (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)))),
  },
});

const logSigmoidOp = registerOp<NoAttrs>({
  name: 'logSigmoid',
  incremental: 'pointwise',
  family: 'activation',
  inputs: ['x'],
  summary: 'log σ(x) = −softplus(−x), stable for large |x| (finite at x = −1000).',
  forward: ([x]) => unaryKernel(x, (v) => -stableSoftplus(-v)),
  vjp: [(dy, { inputs: [x] }) => apply(logSigmoidBackward, [dy, x], none)],
  latex: { forward: 'y = \\log \\sigma(x)', grads: ['\\bar{x} = \\bar{y} \\odot (1-\\sigma(x))'], shapes: 'x, y \\in \\mathbb{R}^{n}' },
  test: {
    cases: wideCases,
    reference: ([x]) => plainMap(x, (v) => (v > 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v)))),
  },
});

// ---- softmax and logSoftmax along one axis ----

interface AxisAttrs {
  axis: number;
}

/** Views a tensor as [outer, len, inner] around `axis`, so one loop serves every axis. */
function axisLayout(op: string, shape: readonly number[], axis: number): { outer: number; len: number; inner: number } {
  if (typeof axis !== 'number') throw new GradlensError(op, `axis must be a number, got ${typeof axis}`);
  if (shape.length === 0) throw new GradlensError(op, `needs a tensor with at least one dimension, got a scalar (shape [])`);
  if (!Number.isInteger(axis) || axis < -shape.length || axis >= shape.length) {
    throw new GradlensError(op, `axis ${axis} is out of range for a tensor of shape ${fmtShape(shape)}`);
  }
  const a = normAxis(op, axis, shape.length);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < a; i++) outer *= shape[i];
  for (let i = a + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, len: shape[a], inner };
}

/** Runs `f(base, stride)` once for every line along the axis. */
function eachLine(op: string, shape: readonly number[], axis: number, f: (base: number, stride: number, len: number) => void): void {
  const { outer, len, inner } = axisLayout(op, shape, axis);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) f(o * len * inner + i, inner, len);
}

/** log Σ exp(x) over one line, shifted by the line's max so no exp can overflow. */
function lineLogSumExp(d: Float64Array, base: number, stride: number, len: number): number {
  let m = -Infinity;
  for (let k = 0; k < len; k++) m = Math.max(m, d[base + k * stride]);
  if (m === -Infinity) m = 0; // an all −∞ line: leave it −∞ rather than NaN from −∞ − (−∞)
  let s = 0;
  for (let k = 0; k < len; k++) s += Math.exp(d[base + k * stride] - m);
  return m + Math.log(s);
}

function softmaxData(op: string, x: Tensor, axis: number, takeLog: boolean): Float64Array {
  const out = zeroedValues(x.size);
  eachLine(op, x.shape, axis, (base, stride, len) => {
    const lse = lineLogSumExp(x.data, base, stride, len);
    for (let k = 0; k < len; k++) {
      const z = x.data[base + k * stride] - lse;
      out[base + k * stride] = takeLog ? z : Math.exp(z);
    }
  });
  return out;
}

const axisCases = [
  { label: 'last axis', inputs: [{ shape: [3, 4] }], attrs: { axis: -1 } },
  { label: 'axis 0', inputs: [{ shape: [3, 4] }], attrs: { axis: 0 } },
  { label: 'middle axis of 3-d', inputs: [{ shape: [2, 3, 2] }], attrs: { axis: 1 } },
  { label: 'large logits', inputs: [{ shape: [2, 5], lo: -900, hi: 900 }], attrs: { axis: -1 } },
];

/** Independent reference: per line, exp(x - max) normalised, with the line found by multi-index arithmetic. */
function plainSoftmax(x: Plain, axis: number, takeLog: boolean): Plain {
  const nd = x.shape.length;
  const a = axis < 0 ? axis + nd : axis;
  const total = x.shape.reduce((p, q) => p * q, 1);
  const stride = x.shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const out = new Array<number>(total);
  for (let k = 0; k < total; k++) {
    const pos = Math.floor(k / stride) % x.shape[a];
    const first = k - pos * stride;
    const line = Array.from({ length: x.shape[a] }, (_, j) => x.data[first + j * stride]);
    const m = line.some(Number.isNaN) ? NaN : Math.max(...line);
    const denom = line.reduce((s, v) => s + Math.exp(v - m), 0);
    out[k] = takeLog ? x.data[k] - m - Math.log(denom) : Math.exp(x.data[k] - m) / denom;
  }
  return { data: out, shape: x.shape };
}

/** s ⊙ (dy − ⟨dy, s⟩) per line: softmax's VJP from its output s. */
const softmaxBackward = registerBackwardOp<AxisAttrs>({
  name: 'softmaxBackward',
  backwardOf: 'softmax',
  inputs: ['dy', 's'],
  differentiable: [true, true],
  summary: "softmax's VJP s ⊙ (dy − ⟨dy, s⟩) along the axis, as one loop.",
  kernel: ([dy, out], { axis }) => {
    const s = out.data;
    const g = zeroedValues(s.length);
    eachLine('softmax', out.shape, axis, (base, stride, len) => {
      let dot = 0;
      for (let k = 0; k < len; k++) dot += dy.data[base + k * stride] * s[base + k * stride];
      for (let k = 0; k < len; k++) g[base + k * stride] = s[base + k * stride] * (dy.data[base + k * stride] - dot);
    });
    return new Tensor(g, out.shape.slice());
  },
  composite: ([dy, s], { axis }) => mul(s, sub(dy, sum(mul(dy, s), axis, true))),
  latex: { forward: '\\bar{x} = s \\odot (\\bar{y} - \\langle \\bar{y}, s\\rangle)', grads: [] },
  cases: [
    { label: 'last axis', inputs: [{ shape: [3, 4] }, { shape: [3, 4], lo: 0.05, hi: 0.95 }], attrs: { axis: -1 } },
    { label: 'axis 0 of 3-d', inputs: [{ shape: [2, 3, 2] }, { shape: [2, 3, 2], lo: 0.05, hi: 0.95 }], attrs: { axis: 0 } },
  ],
});

/** dy − softmax(x) Σ dy per line: logSoftmax's VJP from its output y = log softmax(x). */
const logSoftmaxBackward = registerBackwardOp<AxisAttrs>({
  name: 'logSoftmaxBackward',
  backwardOf: 'logSoftmax',
  inputs: ['dy', 'y'],
  differentiable: [true, true],
  summary: "logSoftmax's VJP dy − e^{y} Σ dy along the axis, as one loop.",
  kernel: ([dy, out], { axis }) => {
    const g = zeroedValues(out.size);
    eachLine('logSoftmax', out.shape, axis, (base, stride, len) => {
      let total = 0;
      for (let k = 0; k < len; k++) total += dy.data[base + k * stride];
      for (let k = 0; k < len; k++) g[base + k * stride] = dy.data[base + k * stride] - Math.exp(out.data[base + k * stride]) * total;
    });
    return new Tensor(g, out.shape.slice());
  },
  composite: ([dy, y], { axis }) => sub(dy, mul(exp(y), sum(dy, axis, true))),
  latex: { forward: '\\bar{x} = \\bar{y} - e^{y} \\langle \\bar{y}, \\mathbf{1}\\rangle', grads: [] },
  cases: [
    { label: 'last axis', inputs: [{ shape: [3, 4] }, { shape: [3, 4], lo: -3, hi: -0.1 }], attrs: { axis: -1 } },
    { label: 'axis 0 of 3-d', inputs: [{ shape: [2, 3, 2] }, { shape: [2, 3, 2], lo: -3, hi: -0.1 }], attrs: { axis: 0 } },
  ],
});

const softmaxOp = registerOp<AxisAttrs>({
  name: 'softmax',
  family: 'activation',
  inputs: ['x'],
  summary: 'Softmax along an axis (the last by default), computed as exp(x − max) / Σ exp(x − max).',
  forward: ([x], { axis }) => new Tensor(softmaxData('softmax', x, axis, false), x.shape.slice()),
  vjp: [(dy, { out, attrs }) => apply(softmaxBackward, [dy, out], attrs)],
  latex: {
    forward: 's = \\operatorname{softmax}(x) = \\frac{e^{x}}{\\mathbf{1}^{\\top} e^{x}}',
    grads: ['\\bar{x} = s \\odot (\\bar{y} - \\langle \\bar{y}, s\\rangle),\\ \\frac{\\partial s}{\\partial x} = \\operatorname{diag}(s) - s s^{\\top}'],
    shapes: 'x, s \\in \\mathbb{R}^{K} \\text{ (each line along the axis)}',
  },
  test: { cases: axisCases, reference: ([x], { axis }) => plainSoftmax(x, axis, false) },
});

const logSoftmaxOp = registerOp<AxisAttrs>({
  name: 'logSoftmax',
  family: 'activation',
  inputs: ['x'],
  summary: 'log softmax along an axis (the last by default): x − max − log Σ exp(x − max).',
  forward: ([x], { axis }) => new Tensor(softmaxData('logSoftmax', x, axis, true), x.shape.slice()),
  vjp: [(dy, { out, attrs }) => apply(logSoftmaxBackward, [dy, out], attrs)],
  latex: {
    forward: 'y = \\log \\operatorname{softmax}(x) = x - \\log \\mathbf{1}^{\\top} e^{x}',
    grads: ['\\bar{x} = \\bar{y} - s\\,\\langle \\bar{y}, \\mathbf{1}\\rangle,\\ s = \\operatorname{softmax}(x)'],
    shapes: 'x, y \\in \\mathbb{R}^{K} \\text{ (each line along the axis)}',
  },
  test: { cases: axisCases, reference: ([x], { axis }) => plainSoftmax(x, axis, true) },
});

export const sigmoid = (x: TensorLike): Tensor => apply(sigmoidOp, [x], none);
export const tanh = (x: TensorLike): Tensor => apply(tanhOp, [x], none);
export const relu = (x: TensorLike): Tensor => apply(reluOp, [x], none);
export const gelu = (x: TensorLike): Tensor => apply(geluOp, [x], none);
export const softplus = (x: TensorLike): Tensor => apply(softplusOp, [x], none);
export const logSigmoid = (x: TensorLike): Tensor => apply(logSigmoidOp, [x], none);

export function leakyRelu(x: TensorLike, slope = 0.01): Tensor {
  if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new GradlensError('leakyRelu', `slope must be a finite number, got ${String(slope)}`);
  return apply(leakyReluOp, [x], { slope });
}

export const softmax = (x: TensorLike, axis = -1): Tensor => apply(softmaxOp, [x], { axis });
export const logSoftmax = (x: TensorLike, axis = -1): Tensor => apply(logSoftmaxOp, [x], { axis });
