// Elementwise selection: maximum, minimum, where, clamp. Each output element is one of its inputs'
// elements, so each VJP routes dy by a mask. The masks depend only on which input won (piecewise
// constant, so their own derivative is zero): they are constants, and the VJPs are registry ops
// applied to dy and a mask, differentiable again.
import { binaryKernel, broadcastIndex, broadcastShapes, unaryKernel } from '../broadcast';
import { allocate } from '../memory';
import { TensorLike, apply, asTensor, registerOp } from '../registry';
import { GradlensError, Tensor, sizeOf } from '../tensor';
import { mul } from './arithmetic';
import { type Plain, broadcastCases, plainAt, plainIndexOf, plainMap, plainSize, plainZip } from './reference';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};


/** NaN if either is NaN, as PyTorch's maximum and minimum propagate it. */
function pick(better: (a: number, b: number) => boolean): (a: number, b: number) => number {
  return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : better(a, b) ? a : b);
}

/**
 * The share of dy that goes to `a` (mine = true) or to `b`: 1 where it won, 0 where it lost, ½ on
 * a tie (PyTorch's split, so the two shares still sum to dy), NaN where either input is NaN.
 */
function winnerMask(a: Tensor, b: Tensor, op: string, wins: (a: number, b: number) => boolean, mine: boolean): Tensor {
  return binaryKernel(op, a, b, (x, y) => {
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    if (x === y) return 0.5;
    return wins(x, y) === mine ? 1 : 0;
  });
}

function extremum(name: 'maximum' | 'minimum', wins: (a: number, b: number) => boolean, symbol: string) {
  return registerOp<NoAttrs>({
    name,
    incremental: 'broadcast',
    family: 'arithmetic',
    inputs: ['a', 'b'],
    summary: `Elementwise ${name === 'maximum' ? 'larger' : 'smaller'} of a and b with broadcasting (NaN wins). On a tie each input gets half the gradient, as in PyTorch.`,
    forward: ([a, b]) => binaryKernel(name, a, b, pick(wins)),
    vjp: [
      (dy, { inputs: [a, b] }) => mul(dy, winnerMask(a, b, name, wins, true)),
      (dy, { inputs: [a, b] }) => mul(dy, winnerMask(a, b, name, wins, false)),
    ],
    latex: {
      forward: `y = \\${symbol}(a, b)`,
      grads: [
        `\\bar{a} = \\bar{y} \\odot \\left([a ${name === 'maximum' ? '>' : '<'} b] + \\tfrac{1}{2}[a = b]\\right)`,
        `\\bar{b} = \\bar{y} \\odot \\left([b ${name === 'maximum' ? '>' : '<'} a] + \\tfrac{1}{2}[a = b]\\right)`,
      ],
      shapes: 'a, b, y \\in \\mathbb{R}^{n}',
    },
    test: { cases: broadcastCases, reference: ([a, b]) => plainZip(a, b, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : name === 'maximum' ? Math.max(x, y) : Math.min(x, y))) },
  });
}

const maximumOp = extremum('maximum', (a, b) => a > b, 'max');
const minimumOp = extremum('minimum', (a, b) => a < b, 'min');

// ---------------------------------------------------------------------------------------------
// where(cond, a, b)

/** Plain three-way broadcasting for the reference: every output multi-index, read from each input. */
function plainZip3(c: Plain, a: Plain, b: Plain, f: (c: number, a: number, b: number) => number): Plain {
  const n = Math.max(c.shape.length, a.shape.length, b.shape.length);
  const shape: number[] = [];
  for (let i = 0; i < n; i++) shape.push(Math.max(...[c, a, b].map((t) => t.shape[t.shape.length - n + i] ?? 1)));
  const out: number[] = [];
  for (let k = 0; k < plainSize(shape); k++) {
    const idx = plainIndexOf(k, shape);
    out.push(f(plainAt(c, idx), plainAt(a, idx), plainAt(b, idx)));
  }
  return { data: out, shape };
}

/** A NaN condition picks neither side: the output is NaN there, so it cannot pass for a decision. */
function choose(c: number, a: number, b: number): number {
  return Number.isNaN(c) ? NaN : c !== 0 ? a : b;
}

const whereOp = registerOp<NoAttrs>({
  name: 'where',
  family: 'arithmetic',
  inputs: ['cond', 'a', 'b'],
  summary: 'a where cond is non-zero, b elsewhere, with broadcasting of all three (a NaN condition gives NaN). cond is not differentiated.',
  forward: ([cond, a, b]) => {
    const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
    const out = allocate('where', sizeOf(shape));
    const [mc, ma, mb] = [cond, a, b].map((t) => broadcastIndex(t.shape, shape));
    for (let i = 0; i < out.length; i++) out[i] = choose(cond.data[mc ? mc[i] : i], a.data[ma ? ma[i] : i], b.data[mb ? mb[i] : i]);
    return new Tensor(out, shape);
  },
  // where again, on dy: the gradient of a side is dy where that side was chosen, zero elsewhere.
  vjp: [null, (dy, { inputs: [cond] }) => where(cond, dy, 0), (dy, { inputs: [cond] }) => where(cond, 0, dy)],
  latex: {
    forward: 'y = c \\,?\\, a : b',
    grads: ['\\bar{a} = \\bar{y} \\odot [c \\ne 0]', '\\bar{b} = \\bar{y} \\odot [c = 0]'],
    shapes: 'c, a, b, y \\in \\mathbb{R}^{n}',
  },
  test: {
    cases: [
      // Seeded so that each case picks a at element 0 (the NaN test poisons it).
      { label: 'any non-zero is true (±1 picks a everywhere)', inputs: [{ shape: [3, 4], signs: true }, { shape: [3, 4] }, { shape: [3, 4] }] },
      { label: 'same shape', inputs: [{ shape: [3, 4], intHigh: 2 }, { shape: [3, 4] }, { shape: [3, 4] }] },
      { label: 'condition per row, scalar b', inputs: [{ shape: [3, 1], intHigh: 2 }, { shape: [3, 4] }, { shape: [] }] },
      { label: 'all three broadcast', inputs: [{ shape: [4], intHigh: 2 }, { shape: [2, 1, 4] }, { shape: [3, 1] }] },
    ],
    reference: ([c, a, b]) => plainZip3(c, a, b, (cv, av, bv) => (Number.isNaN(cv) ? NaN : cv === 0 ? bv : av)),
  },
});

// ---------------------------------------------------------------------------------------------
// clamp(x, min, max)

interface ClampAttrs {
  /** -Infinity when there is no lower bound. */
  min: number;
  /** Infinity when there is no upper bound. */
  max: number;
}

const clampOp = registerOp<ClampAttrs>({
  name: 'clamp',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Elementwise x limited to [min, max] (either bound may be omitted). The gradient passes on the closed interval, bounds included, and is 0 outside, as in PyTorch.',
  forward: ([x], { min, max }) => unaryKernel(x, (v) => (v < min ? min : v > max ? max : v)),
  vjp: [(dy, { inputs: [x], attrs: { min, max } }) => mul(dy, unaryKernel(x, (v) => (Number.isNaN(v) ? NaN : v >= min && v <= max ? 1 : 0)))],
  latex: {
    forward: 'y = \\min(\\max(x, l), u)',
    grads: ['\\bar{x} = \\bar{y} \\odot [l \\le x \\le u]'],
    shapes: 'x, y \\in \\mathbb{R}^{n},\\ l = \\text{min},\\ u = \\text{max}',
  },
  test: {
    cases: [
      { label: 'both bounds', inputs: [{ shape: [3, 4] }], attrs: { min: -1, max: 0.5 } },
      { label: 'lower bound only', inputs: [{ shape: [6] }], attrs: { min: 0.25, max: Infinity } },
      { label: 'upper bound only, scalar', inputs: [{ shape: [] }], attrs: { min: -Infinity, max: -0.5 } },
    ],
    reference: ([x], { min, max }) => plainMap(x, (v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, min), max))),
  },
});

// ---------------------------------------------------------------------------------------------
// The public functions

/** Elementwise maximum with broadcasting; on a tie each input gets half the gradient (PyTorch's rule). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => apply(maximumOp, [a, b], none);
/** Elementwise minimum with broadcasting; on a tie each input gets half the gradient (PyTorch's rule). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => apply(minimumOp, [a, b], none);

/**
 * `a` where `cond` is non-zero, `b` elsewhere; all three broadcast (NumPy rules). `cond` is data,
 * not differentiated: a tensor of 0s and 1s (or any numbers, non-zero meaning true).
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return apply(whereOp, [cond, a, b], none);
}

/**
 * `x` limited to [min, max]; pass `undefined` for a bound you do not want. The gradient is 1 on
 * the closed interval (at the bounds too, as in PyTorch) and 0 outside. Bounds are numbers; for a
 * tensor bound use `maximum`/`minimum`.
 */
export function clamp(x: TensorLike, min?: number, max?: number): Tensor {
  const bound = (what: string, v: number | undefined, open: number): number => {
    if (v === undefined || v === null) return open;
    if (typeof v !== 'number' || Number.isNaN(v)) throw new GradlensError('clamp', `${what} must be a number or undefined, got ${Number.isNaN(v) ? 'NaN' : typeof v}`);
    return v;
  };
  const lo = bound('min', min, -Infinity);
  const hi = bound('max', max, Infinity);
  if ((min === undefined || min === null) && (max === undefined || max === null)) throw new GradlensError('clamp', 'needs at least one bound: clamp(x, min, max), with undefined for the one you leave open');
  if (lo > hi) throw new GradlensError('clamp', `min ${lo} is greater than max ${hi}`);
  return apply(clampOp, [asTensor('clamp', x)], { min: lo, max: hi });
}
