// Losses. Each returns the mean over the batch as a scalar. crossEntropy and logloss are fused:
// one op with a closed-form VJP, computed through log-sum-exp / softplus so that logits of ±1000
// give finite, correct values, which a composite log(softmax(z)) cannot.
// Labels are data: their VJP is null, and bad label values are errors, never a silent number.
import { registerBackwardOp } from '../backwardOp';
import { type OpDef, TensorLike, apply, registerOp } from '../registry';
import { add, div, log, mul, neg, sub } from './arithmetic';
import { sigmoid, softmax } from './activation';
import { broadcastShapes, expandData } from '../broadcast';
import { GradlensError, Shape, Tensor, fmtShape, sizeOf } from '../tensor';
import { type Plain, plainZip } from './reference';
import { zeroedValues } from '../memory';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

/** σ(v), exponentiating only non-positive numbers. */
function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** log(1 + e^v) without overflow or underflow. */
function softplusOf(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

function scalar(v: number): Tensor {
  return new Tensor(Float64Array.of(v), []);
}

function plainMean(p: Plain): Plain {
  let s = 0;
  for (let i = 0; i < p.data.length; i++) s += p.data[i];
  return { data: [s / p.data.length], shape: [] };
}

/**
 * Elementwise losses compare two tensors; one may broadcast into the other (a scalar or a row
 * target), but a broadcast that grows both, such as pred [N,1] against target [N] giving [N,N],
 * is almost always a bug, so it is an error rather than a silently wrong mean.
 */
function lossShape(op: string, names: [string, string], a: Shape, b: Shape): number[] {
  const shape = broadcastShapes(op, a, b);
  const n = sizeOf(shape);
  if (n !== sizeOf(a) && n !== sizeOf(b)) {
    throw new GradlensError(
      op,
      `${names[0]} ${fmtShape(a)} and ${names[1]} ${fmtShape(b)} broadcast to ${fmtShape(shape)}, larger than either; reshape one so the shapes match`,
    );
  }
  if (n === 0) throw new GradlensError(op, `empty batch: ${names[0]} ${fmtShape(a)} and ${names[1]} ${fmtShape(b)}`);
  return shape;
}

/** Both operands expanded to the common shape, as flat arrays. */
function expandPair(op: string, names: [string, string], a: Tensor, b: Tensor): { shape: number[]; ad: Float64Array; bd: Float64Array } {
  const shape = lossShape(op, names, a.shape, b.shape);
  return { shape, ad: expandData(op, a, shape), bd: expandData(op, b, shape) };
}

// ---- crossEntropy(logits [N,K], labels [N]) ----

/** For a message only: the checker's sweeps run this forward thousands of times, so neither the text nor a closure is made on the way. */
function labelShapes(logits: Tensor, labels: Tensor): string {
  return `logits ${fmtShape(logits.shape)}, labels ${fmtShape(labels.shape)}`;
}

function checkLabels(logits: Tensor, labels: Tensor): void {
  const op = 'crossEntropy';
  if (logits.ndim !== 2) throw new GradlensError(op, `logits must be a matrix [N,K] (one row per object); got ${labelShapes(logits, labels)}`);
  const [n, k] = logits.shape;
  if (labels.ndim !== 1 || labels.shape[0] !== n) throw new GradlensError(op, `labels must have shape [${n}] (one class index per row of logits); got ${labelShapes(logits, labels)}`);
  if (n === 0) throw new GradlensError(op, `empty batch: ${labelShapes(logits, labels)}`);
  for (let i = 0; i < n; i++) {
    const c = labels.data[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new GradlensError(op, `labels[${i}] = ${c} is not a class index: labels must be whole numbers in [0, ${k}) for ${labelShapes(logits, labels)}`);
    }
  }
}

/** One-hot rows of class indices: data, not differentiated. */
function oneHot(labels: Tensor, k: number): Tensor {
  const out = zeroedValues(labels.size * k);
  for (let i = 0; i < labels.size; i++) out[i * k + labels.data[i]] = 1;
  return new Tensor(out, [labels.size, k]);
}

/** The loss's scale dL/N, a scalar registry op of dy. */
function perElement(dy: Tensor, n: number): Tensor {
  return div(dy, n);
}

/** (dL/N) (softmax(Z) − onehot(y)), softmax formed from the row log-sum-exps forward saved. */
const crossEntropyBackward: OpDef<NoAttrs> = registerBackwardOp<NoAttrs>({
  name: 'crossEntropyBackward',
  backwardOf: 'crossEntropy',
  inputs: ['dy', 'logits', 'labels', 'lse'],
  differentiable: [true, true, false, false],
  summary: "crossEntropy's logit gradient (softmax − one-hot)/N, one loop over the saved log-sum-exps.",
  kernel: ([dy, logits, labels, lse]) => {
    const [n, k] = logits.shape;
    const z = logits.data;
    const g = zeroedValues(n * k);
    const scale = dy.data[0] / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) g[i * k + j] = Math.exp(z[i * k + j] - lse.data[i]);
      g[i * k + labels.data[i]] -= 1;
      for (let j = 0; j < k; j++) g[i * k + j] *= scale;
    }
    return new Tensor(g, [n, k]);
  },
  composite: ([dy, logits, labels]) => mul(sub(softmax(logits, -1), oneHot(labels, logits.shape[1])), perElement(dy, logits.shape[0])),
  latex: { forward: '\\bar{Z} = \\tfrac{\\bar{L}}{N} \\left(\\operatorname{softmax}(Z) - Y\\right)', grads: [] },
  cases: [],
});

const crossEntropyOp = registerOp<NoAttrs>({
  name: 'crossEntropy',
  family: 'loss',
  inputs: ['logits', 'labels'],
  summary: 'Softmax cross-entropy, fused and stable (log-sum-exp), averaged over the batch; labels are class indices.',
  forward: ([logits, labels], _attrs, save) => {
    checkLabels(logits, labels);
    const [n, k] = logits.shape;
    const z = logits.data;
    // Only the row log-sum-exps are saved; the VJP forms softmax from them, so a forward that is
    // never differentiated (the checker's sweep) skips n·k exponentials.
    const lse = zeroedValues(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, z[row + j]);
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(z[row + j] - m);
      lse[i] = m + Math.log(s);
      total += lse[i] - z[row + labels.data[i]];
    }
    save('lse', new Tensor(lse, [n]));
    return scalar(total / n);
  },
  vjp: [
    (dy, { inputs: [logits, labels], saved }) => apply(crossEntropyBackward, [dy, logits, labels, saved.lse], none),
    null,
  ],
  latex: {
    forward: 'L = -\\tfrac{1}{N} \\textstyle\\sum_{i} \\log \\operatorname{softmax}(z_i)_{y_i}',
    grads: ['\\bar{Z} = \\tfrac{\\bar{L}}{N} \\left(\\operatorname{softmax}(Z) - Y\\right),\\ Y = \\operatorname{onehot}(y)'],
    shapes: 'Z \\in \\mathbb{R}^{N \\times K},\\ y \\in \\{0,\\dots,K-1\\}^{N},\\ L \\in \\mathbb{R}',
  },
  test: {
    cases: [
      { inputs: [{ shape: [4, 3] }, { shape: [4], intHigh: 3 }] },
      { label: 'large logits', inputs: [{ shape: [3, 5], lo: -800, hi: 800 }, { shape: [3], intHigh: 5 }] },
      { label: 'single object', inputs: [{ shape: [1, 4] }, { shape: [1], intHigh: 4 }] },
    ],
    reference: ([z, y]) => {
      const [n, k] = z.shape;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const row = Array.from({ length: k }, (_, j) => z.data[i * k + j]);
        const m = row.some(Number.isNaN) ? NaN : Math.max(...row);
        const denom = row.reduce((s, v) => s + Math.exp(v - m), 0);
        total += -(row[y.data[i]] - m - Math.log(denom));
      }
      return { data: [total / n], shape: [] };
    },
  },
});

// ---- logloss(scores, y), y in {-1, +1} ----

function checkSigns(scores: Tensor, y: Tensor): void {
  for (let i = 0; i < y.size; i++) {
    const v = y.data[i];
    if (v !== 1 && v !== -1) {
      throw new GradlensError(
        'logloss',
        `labels must be -1 or +1 (got ${v} at index ${i}; scores ${fmtShape(scores.shape)}, y ${fmtShape(y.shape)})${v === 0 ? '; for 0/1 labels use binaryCrossEntropy' : ''}`,
      );
    }
  }
}

/**
 * d/ds softplus(−y s) = −y σ(−y s) = −y (1 − σ(y s)): the lecture's −y x (1 − σ(y wᵀx)) before
 * the x, times dL/N, in the broadcast shape.
 */
const loglossBackward: OpDef<NoAttrs> = registerBackwardOp<NoAttrs>({
  name: 'loglossBackward',
  backwardOf: 'logloss',
  inputs: ['dy', 'scores', 'y'],
  differentiable: [true, true, false],
  summary: "logloss's score gradient −y σ(−y s)/N, as one loop.",
  kernel: ([dy, s, y]) => {
    const { shape, ad, bd } = expandPair('logloss', ['scores', 'y'], s, y);
    const scale = dy.data[0] / ad.length;
    const g = zeroedValues(ad.length);
    for (let i = 0; i < g.length; i++) g[i] = -bd[i] * sigmoidOf(-bd[i] * ad[i]) * scale;
    return new Tensor(g, shape);
  },
  composite: ([dy, s, y]) => {
    const n = lossShape('logloss', ['scores', 'y'], s.shape, y.shape);
    return mul(neg(mul(y, sigmoid(neg(mul(y, s))))), perElement(dy, sizeOf(n)));
  },
  latex: { forward: '\\bar{s} = -\\tfrac{\\bar{L}}{N}\\, y \\odot \\sigma(-y \\odot s)', grads: [] },
  cases: [
    { inputs: [{ shape: [], lo: 0.5, hi: 2 }, { shape: [6] }, { shape: [6], signs: true }] },
    { label: 'broadcast label', inputs: [{ shape: [] }, { shape: [4, 1] }, { shape: [], signs: true }] },
  ],
});

const loglossOp = registerOp<NoAttrs>({
  name: 'logloss',
  family: 'loss',
  inputs: ['scores', 'y'],
  summary: "The lecture's logistic loss −log σ(y·s) = softplus(−y·s), averaged; labels y are ±1.",
  forward: ([s, y]) => {
    checkSigns(s, y);
    const { ad, bd } = expandPair('logloss', ['scores', 'y'], s, y);
    let total = 0;
    for (let i = 0; i < ad.length; i++) total += softplusOf(-bd[i] * ad[i]);
    return scalar(total / ad.length);
  },
  vjp: [
    (dy, { inputs: [s, y] }) => apply(loglossBackward, [dy, s, y], none),
    null,
  ],
  latex: {
    forward: 'L = \\tfrac{1}{N} \\textstyle\\sum_{i} -\\log \\sigma(y_i s_i)',
    grads: ['\\bar{s} = -\\tfrac{\\bar{L}}{N}\\, y \\odot (1 - \\sigma(y \\odot s))'],
    shapes: 's, y \\in \\mathbb{R}^{N},\\ y \\in \\{-1, +1\\}^{N},\\ L \\in \\mathbb{R}',
  },
  test: {
    cases: [
      { inputs: [{ shape: [6] }, { shape: [6], signs: true }] },
      { label: 'large scores', inputs: [{ shape: [6], lo: -1000, hi: 1000 }, { shape: [6], signs: true }] },
      { label: 'column scores, broadcast label', inputs: [{ shape: [4, 1] }, { shape: [], signs: true }] },
    ],
    reference: ([s, y]) => plainMean(plainZip(s, y, (v, t) => (t * v > 0 ? Math.log1p(Math.exp(-t * v)) : -t * v + Math.log1p(Math.exp(t * v))))),
  },
});

// ---- binaryCrossEntropy(prob, target) ----

function checkUnitInterval(op: string, what: string, t: Tensor, other: Tensor): void {
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    // NaN passes: it propagates to the loss, as NaN does everywhere in the engine.
    if (v < 0 || v > 1) throw new GradlensError(op, `${what} must lie in [0, 1] (got ${v} at index ${i}; shapes ${fmtShape(t.shape)} and ${fmtShape(other.shape)})`);
  }
}

/** t·log p with the limit 0·log 0 = 0, so a hard 0/1 target does not turn an exact p into NaN. */
function xlogy(t: number, p: number): number {
  return t === 0 ? 0 : t * Math.log(p);
}

const bceCases = [
  { inputs: [{ shape: [] }, { shape: [5], lo: 0.05, hi: 0.95 }, { shape: [5], lo: 0, hi: 1 }] },
  { label: 'broadcast target row', inputs: [{ shape: [] }, { shape: [3, 4], lo: 0.05, hi: 0.95 }, { shape: [4], lo: 0, hi: 1 }] },
];

/** (dL/N) (p − t)/(p(1 − p)), in the broadcast shape. */
const bceGradProb: OpDef<NoAttrs> = registerBackwardOp<NoAttrs>({
  name: 'binaryCrossEntropyGradProb',
  backwardOf: 'binaryCrossEntropy',
  inputs: ['dy', 'prob', 'target'],
  differentiable: [true, true, true],
  summary: "binaryCrossEntropy's probability gradient (p − t)/(p(1 − p))/N, as one loop.",
  kernel: ([dy, p, t]) => {
    const { shape, ad, bd } = expandPair('binaryCrossEntropy', ['prob', 'target'], p, t);
    const scale = dy.data[0] / ad.length;
    const g = zeroedValues(ad.length);
    for (let i = 0; i < g.length; i++) g[i] = ((ad[i] - bd[i]) / (ad[i] * (1 - ad[i]))) * scale;
    return new Tensor(g, shape);
  },
  composite: ([dy, p, t]) => {
    const n = sizeOf(lossShape('binaryCrossEntropy', ['prob', 'target'], p.shape, t.shape));
    return mul(div(sub(p, t), mul(p, sub(1, p))), perElement(dy, n));
  },
  latex: { forward: '\\bar{p} = \\tfrac{\\bar{L}}{N}\\, (p - t) \\oslash (p \\odot (1-p))', grads: [] },
  cases: bceCases,
});

/** (dL/N) (log(1 − p) − log p), in the broadcast shape. */
const bceGradTarget: OpDef<NoAttrs> = registerBackwardOp<NoAttrs>({
  name: 'binaryCrossEntropyGradTarget',
  backwardOf: 'binaryCrossEntropy',
  inputs: ['dy', 'prob', 'target'],
  differentiable: [true, true, false],
  summary: "binaryCrossEntropy's target gradient (log(1 − p) − log p)/N, as one loop.",
  kernel: ([dy, p, t]) => {
    const { shape, ad } = expandPair('binaryCrossEntropy', ['prob', 'target'], p, t);
    const scale = dy.data[0] / ad.length;
    const g = zeroedValues(ad.length);
    for (let i = 0; i < g.length; i++) g[i] = (Math.log(1 - ad[i]) - Math.log(ad[i])) * scale;
    return new Tensor(g, shape);
  },
  composite: ([dy, p, t]) => {
    const shape = lossShape('binaryCrossEntropy', ['prob', 'target'], p.shape, t.shape);
    // Broadcast to the common shape through t (its values do not enter: 0·t).
    return add(mul(sub(log(sub(1, p)), log(p)), perElement(dy, sizeOf(shape))), mul(t, 0));
  },
  latex: { forward: '\\bar{t} = \\tfrac{\\bar{L}}{N}\\, (\\log(1-p) - \\log p)', grads: [] },
  cases: bceCases,
});

const binaryCrossEntropyOp = registerOp<NoAttrs>({
  name: 'binaryCrossEntropy',
  family: 'loss',
  inputs: ['prob', 'target'],
  summary: 'Binary cross-entropy −(t log p + (1−t) log(1−p)) on probabilities, averaged; targets may be soft.',
  forward: ([p, t]) => {
    checkUnitInterval('binaryCrossEntropy', 'prob', p, t);
    checkUnitInterval('binaryCrossEntropy', 'target', t, p);
    const { ad, bd } = expandPair('binaryCrossEntropy', ['prob', 'target'], p, t);
    let total = 0;
    for (let i = 0; i < ad.length; i++) total -= xlogy(bd[i], ad[i]) + xlogy(1 - bd[i], 1 - ad[i]);
    return scalar(total / ad.length);
  },
  vjp: [
    (dy, { inputs: [p, t] }) => apply(bceGradProb, [dy, p, t], none),
    (dy, { inputs: [p, t] }) => apply(bceGradTarget, [dy, p, t], none),
  ],
  latex: {
    forward: 'L = -\\tfrac{1}{N} \\textstyle\\sum_{i} t_i \\log p_i + (1-t_i) \\log(1-p_i)',
    grads: [
      '\\bar{p} = \\tfrac{\\bar{L}}{N}\\, (p - t) \\oslash (p \\odot (1-p))',
      '\\bar{t} = \\tfrac{\\bar{L}}{N}\\, \\left(\\log(1-p) - \\log p\\right)',
    ],
    shapes: 'p, t \\in [0,1]^{N},\\ L \\in \\mathbb{R}',
  },
  test: {
    cases: [
      { inputs: [{ shape: [5], lo: 0.05, hi: 0.95 }, { shape: [5], lo: 0, hi: 1 }] },
      { label: 'matrix, broadcast target row', inputs: [{ shape: [3, 4], lo: 0.05, hi: 0.95 }, { shape: [4], lo: 0, hi: 1 }] },
    ],
    reference: ([p, t]) => plainMean(plainZip(p, t, (q, s) => -(s * Math.log(q) + (1 - s) * Math.log(1 - q)))),
  },
});

// ---- mse(pred, target) ----

interface SignAttrs {
  /** +1 for pred's gradient, −1 for target's. */
  sign: number;
}

/** sign · 2(p − t)/N · dL, in the broadcast shape (the tape sums it back to each input). */
const mseBackward: OpDef<SignAttrs> = registerBackwardOp<SignAttrs>({
  name: 'mseBackward',
  backwardOf: 'mse',
  inputs: ['dy', 'pred', 'target'],
  differentiable: [true, true, true],
  summary: "mse's gradients ±2(p − t)/N, as one loop.",
  kernel: ([dy, p, t], { sign }) => {
    const { shape, ad, bd } = expandPair('mse', ['pred', 'target'], p, t);
    const scale = (sign * 2 * dy.data[0]) / ad.length;
    const g = zeroedValues(ad.length);
    for (let i = 0; i < g.length; i++) g[i] = (ad[i] - bd[i]) * scale;
    return new Tensor(g, shape);
  },
  composite: ([dy, p, t], { sign }) => {
    const n = sizeOf(lossShape('mse', ['pred', 'target'], p.shape, t.shape));
    return mul(sub(p, t), mul(perElement(dy, n), 2 * sign));
  },
  latex: { forward: '\\bar{p} = -\\bar{t} = \\tfrac{2\\bar{L}}{N} (p - t)', grads: [] },
  cases: [
    { label: 'pred', inputs: [{ shape: [] }, { shape: [3, 4] }, { shape: [4] }], attrs: { sign: 1 } },
    { label: 'target', inputs: [{ shape: [] }, { shape: [3, 1] }, { shape: [3, 2] }], attrs: { sign: -1 } },
  ],
});

const mseOp = registerOp<NoAttrs>({
  name: 'mse',
  family: 'loss',
  inputs: ['pred', 'target'],
  summary:
    "Mean squared error averaged over every element (N = all elements of the broadcast shape, not only the batch: PyTorch's reduction 'mean'); the target is differentiable too and may broadcast into pred.",
  forward: ([p, t]) => {
    const { ad, bd } = expandPair('mse', ['pred', 'target'], p, t);
    let total = 0;
    for (let i = 0; i < ad.length; i++) total += (ad[i] - bd[i]) * (ad[i] - bd[i]);
    return scalar(total / ad.length);
  },
  vjp: [
    (dy, { inputs: [p, t] }) => apply(mseBackward, [dy, p, t], { sign: 1 }),
    (dy, { inputs: [p, t] }) => apply(mseBackward, [dy, p, t], { sign: -1 }),
  ],
  latex: {
    forward: 'L = \\tfrac{1}{N} \\textstyle\\sum_{\\text{all elements } i} (p_i - t_i)^{2}',
    grads: ['\\bar{p} = \\tfrac{2\\bar{L}}{N} (p - t)', '\\bar{t} = -\\tfrac{2\\bar{L}}{N} (p - t)'],
    shapes: 'p, t \\in \\mathbb{R}^{d_1 \\times \\dots \\times d_k},\\ N = d_1 \\cdots d_k \\text{ (every element, not only the batch)},\\ L \\in \\mathbb{R}',
  },
  test: {
    cases: [
      { label: 'same shape', inputs: [{ shape: [3, 4] }, { shape: [3, 4] }] },
      { label: 'broadcast target row', inputs: [{ shape: [3, 4] }, { shape: [4] }] },
      { label: 'scalar target', inputs: [{ shape: [5] }, { shape: [] }] },
      { label: 'broadcast pred column', inputs: [{ shape: [3, 1] }, { shape: [3, 2] }] },
    ],
    reference: ([p, t]) => plainMean(plainZip(p, t, (a, b) => (a - b) ** 2)),
  },
});

/** Softmax cross-entropy of logits [N,K] against class indices [N], averaged over the batch. */
export const crossEntropy = (logits: TensorLike, labels: TensorLike): Tensor => apply(crossEntropyOp, [logits, labels], none);
/** The lecture's −log σ(y·s), averaged; y must hold only −1 and +1. */
export const logloss = (scores: TensorLike, y: TensorLike): Tensor => apply(loglossOp, [scores, y], none);
/** −(t log p + (1−t) log(1−p)), averaged; p and t in [0, 1]. */
export const binaryCrossEntropy = (prob: TensorLike, target: TensorLike): Tensor => apply(binaryCrossEntropyOp, [prob, target], none);
/** Mean squared error, averaged over every element (like PyTorch's reduction 'mean'); either operand may broadcast into the other. */
export const mse = (pred: TensorLike, target: TensorLike): Tensor => apply(mseOp, [pred, target], none);
