// Special functions. `erf` is here so that the exact GELU, x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)),
// can be written and hand-differentiated in a model file; F.gelu is the fused op.
import { unaryKernel } from '../broadcast';
import { erf as erfKernel } from '../kernels/erf';
import { TensorLike, apply, registerOp } from '../registry';
import type { Tensor } from '../tensor';
import { exp, mul, neg } from './arithmetic';
import { plainMap } from './reference';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Reference erf by composite Simpson integration of 2/√π e^{-t²} over [0, x]: independent of the kernel. */
function simpsonErf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const steps = 4000;
  const h = x / steps;
  const f = (t: number) => TWO_OVER_SQRT_PI * Math.exp(-t * t);
  let s = f(0) + f(x);
  for (let i = 1; i < steps; i++) s += (i % 2 ? 4 : 2) * f(i * h);
  return (s * h) / 3;
}

const erfOp = registerOp<NoAttrs>({
  name: 'erf',
  incremental: 'pointwise',
  family: 'arithmetic',
  inputs: ['x'],
  summary: 'Error function erf(x) = 2/√π ∫₀ˣ e^{-t²} dt, accurate in float64 (the exact GELU is x·½(1 + erf(x/√2))).',
  forward: ([x]) => unaryKernel(x, erfKernel),
  // Built from recorded ops, so the gradient is itself differentiable.
  vjp: [(dy, { inputs: [x] }) => mul(dy, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))],
  latex: {
    forward: 'y = \\operatorname{erf}(x) = \\tfrac{2}{\\sqrt{\\pi}} \\textstyle\\int_{0}^{x} e^{-t^{2}}\\,dt',
    grads: ['\\bar{x} = \\bar{y} \\odot \\tfrac{2}{\\sqrt{\\pi}}\\, e^{-x^{2}}'],
    shapes: 'x, y \\in \\mathbb{R}^{n}',
  },
  test: {
    cases: [
      { inputs: [{ shape: [3, 4] }] },
      { label: 'scalar', inputs: [{ shape: [] }] },
      { label: 'tails', inputs: [{ shape: [10], lo: -6, hi: 6 }] },
    ],
    tol: 1e-12, // Simpson's rule with 4000 steps is good to ~1e-14 on [-6, 6]
    reference: ([x]) => plainMap(x, simpsonErf),
  },
});

/** The error function, elementwise: erf(x) = 2/√π ∫₀ˣ e^{-t²} dt. */
export const erf = (x: TensorLike): Tensor => apply(erfOp, [x], none);
