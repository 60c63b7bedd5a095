// Elementwise arithmetic. Binary ops broadcast; their VJPs return gradients in the output's shape
// and the tape sums them back to each input's shape (see broadcast.ts), never here.
import { apply, registerOp, TensorLike } from '../registry';
import { binaryKernel, unaryKernel } from '../broadcast';
import { GradlensError, Tensor } from '../tensor';
import { broadcastCases, plainMap, plainZip } from './reference';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

const binaryCases = broadcastCases;

const addOp = registerOp<NoAttrs>({
  name: 'add',
  incremental: 'broadcast',
  family: 'arithmetic',
  inputs: ['a', 'b'],
  summary: 'Elementwise sum with broadcasting.',
  forward: ([a, b]) => binaryKernel('add', a, b, (x, y) => x + y),
  vjp: [(dy) => dy, (dy) => dy],
  latex: { forward: 'y = a + b', grads: ['\\bar{a} = \\bar{y}', '\\bar{b} = \\bar{y}'], shapes: 'a, b, y \\in \\mathbb{R}^{n}' },
  test: { cases: binaryCases, reference: ([a, b]) => plainZip(a, b, (x, y) => x + y) },
});

const subOp = registerOp<NoAttrs>({
  name: 'sub',
  incremental: 'broadcast',
  family: 'arithmetic',
  inputs: ['a', 'b'],
  summary: 'Elementwise difference with broadcasting.',
  forward: ([a, b]) => binaryKernel('sub', a, b, (x, y) => x - y),
  vjp: [(dy) => dy, (dy) => neg(dy)],
  latex: { forward: 'y = a - b', grads: ['\\bar{a} = \\bar{y}', '\\bar{b} = -\\bar{y}'], shapes: 'a, b, y \\in \\mathbb{R}^{n}' },
  test: { cases: binaryCases, reference: ([a, b]) => plainZip(a, b, (x, y) => x - y) },
});

const mulOp = registerOp<NoAttrs>({
  name: 'mul',
  incremental: 'broadcast',
  family: 'arithmetic',
  inputs: ['a', 'b'],
  summary: 'Elementwise (Hadamard) product with broadcasting.',
  forward: ([a, b]) => binaryKernel('mul', a, b, (x, y) => x * y),
  vjp: [(dy, { inputs: [, b] }) => mul(dy, b), (dy, { inputs: [a] }) => mul(dy, a)],
  latex: { forward: 'y = a \\odot b', grads: ['\\bar{a} = \\bar{y} \\odot b', '\\bar{b} = \\bar{y} \\odot a'], shapes: 'a, b, y \\in \\mathbb{R}^{n}' },
  test: { cases: binaryCases, reference: ([a, b]) => plainZip(a, b, (x, y) => x * y) },
});

const divOp = registerOp<NoAttrs>({
  name: 'div',
  incremental: 'broadcast',
  family: 'arithmetic',
  inputs: ['a', 'b'],
  summary: 'Elementwise quotient with broadcasting.',
  forward: ([a, b]) => binaryKernel('div', a, b, (x, y) => x / y),
  vjp: [(dy, { inputs: [, b] }) => div(dy, b), (dy, { inputs: [, b], out }) => neg(div(mul(dy, out), b))],
  latex: { forward: 'y = a \\oslash b', grads: ['\\bar{a} = \\bar{y} \\oslash b', '\\bar{b} = -\\bar{y} \\odot a \\oslash b^{2}'], shapes: 'a, b, y \\in \\mathbb{R}^{n}' },
  test: {
    cases: binaryCases.map((c) => ({ ...c, inputs: [c.inputs[0], { ...c.inputs[1], awayFromZero: 0.5 }] })),
    reference: ([a, b]) => plainZip(a, b, (x, y) => x / y),
  },
});

const negOp = registerOp<NoAttrs>({
  name: 'neg',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise negation.',
  forward: ([x]) => unaryKernel(x, (v) => -v),
  vjp: [(dy) => neg(dy)],
  latex: { forward: 'y = -x', grads: ['\\bar{x} = -\\bar{y}'] },
  test: { cases: [{ inputs: [{ shape: [2, 3] }] }], reference: ([x]) => plainMap(x, (v) => -v) },
});

interface PowAttrs {
  p: number;
}
const powOp = registerOp<PowAttrs>({
  name: 'pow',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise power by a constant exponent.',
  forward: ([x], { p }) => unaryKernel(x, (v) => Math.pow(v, p)),
  vjp: [(dy, { inputs: [x], attrs: { p } }) => mul(dy, mul(pow(x, p - 1), p))],
  latex: { forward: 'y = x^{p}', grads: ['\\bar{x} = \\bar{y} \\odot p\\, x^{p-1}'] },
  test: {
    cases: [
      { label: 'square', inputs: [{ shape: [2, 3] }], attrs: { p: 2 } },
      { label: 'fractional on positives', inputs: [{ shape: [4], lo: 0.5, hi: 2 }], attrs: { p: 1.5 } },
      { label: 'negative power', inputs: [{ shape: [4], lo: 0.5, hi: 2 }], attrs: { p: -1 } },
    ],
    reference: ([x], { p }) => plainMap(x, (v) => Math.pow(v, p)),
  },
});

const expOp = registerOp<NoAttrs>({
  name: 'exp',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise exponential.',
  forward: ([x]) => unaryKernel(x, Math.exp),
  vjp: [(dy, { out }) => mul(dy, out)],
  latex: { forward: 'y = e^{x}', grads: ['\\bar{x} = \\bar{y} \\odot e^{x}'] },
  test: { cases: [{ inputs: [{ shape: [2, 3] }] }], reference: ([x]) => plainMap(x, Math.exp) },
});

const logOp = registerOp<NoAttrs>({
  name: 'log',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise natural logarithm (NaN below zero, -Infinity at zero).',
  forward: ([x]) => unaryKernel(x, Math.log),
  vjp: [(dy, { inputs: [x] }) => div(dy, x)],
  latex: { forward: 'y = \\ln x', grads: ['\\bar{x} = \\bar{y} \\oslash x'] },
  test: { cases: [{ inputs: [{ shape: [2, 3], lo: 0.2, hi: 3 }] }], reference: ([x]) => plainMap(x, Math.log) },
});

const sqrtOp = registerOp<NoAttrs>({
  name: 'sqrt',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise square root.',
  forward: ([x]) => unaryKernel(x, Math.sqrt),
  vjp: [(dy, { out }) => div(dy, mul(out, 2))],
  latex: { forward: 'y = \\sqrt{x}', grads: ['\\bar{x} = \\bar{y} \\oslash (2\\sqrt{x})'] },
  test: { cases: [{ inputs: [{ shape: [2, 3], lo: 0.2, hi: 3 }] }], reference: ([x]) => plainMap(x, Math.sqrt) },
});

const absOp = registerOp<NoAttrs>({
  name: 'abs',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise absolute value (kink at 0; its gradient there is taken as 0).',
  forward: ([x]) => unaryKernel(x, Math.abs),
  vjp: [(dy, { inputs: [x] }) => mul(dy, unaryKernel(x, Math.sign))],
  latex: { forward: 'y = |x|', grads: ['\\bar{x} = \\bar{y} \\odot \\operatorname{sign}(x)'] },
  test: { cases: [{ inputs: [{ shape: [2, 3], awayFromZero: 0.1 }] }], reference: ([x]) => plainMap(x, Math.abs) },
});

export const add = (a: TensorLike, b: TensorLike): Tensor => apply(addOp, [a, b], none);
export const sub = (a: TensorLike, b: TensorLike): Tensor => apply(subOp, [a, b], none);
export const mul = (a: TensorLike, b: TensorLike): Tensor => apply(mulOp, [a, b], none);
export const div = (a: TensorLike, b: TensorLike): Tensor => apply(divOp, [a, b], none);
export const neg = (x: TensorLike): Tensor => apply(negOp, [x], none);
export const exp = (x: TensorLike): Tensor => apply(expOp, [x], none);
export const log = (x: TensorLike): Tensor => apply(logOp, [x], none);
export const sqrt = (x: TensorLike): Tensor => apply(sqrtOp, [x], none);
export const abs = (x: TensorLike): Tensor => apply(absOp, [x], none);

export function pow(x: TensorLike, p: number): Tensor {
  if (typeof p !== 'number' || Number.isNaN(p)) throw new GradlensError('pow', `the exponent must be a number, got ${typeof p}`);
  return apply(powOp, [x], { p });
}
