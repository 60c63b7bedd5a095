// A hand-written gradient against autograd's gradient of the same forward: every element at once,
// for the cost of one backward, with no difference step in the way. Both are float64 sums of the
// same terms in different orders, so a right hand-written gradient agrees to round-off; anything
// more is a mistake, however small against atol (a backward off by 3× on a loss of size 1e-12).
// Used only where autograd's own gradient passed its numeric check: autograd is the reference, so
// it has to be checked first.
import { NOISE_FACTOR, Tally, type Tolerance, brokenRule } from './compare';
import type { TensorCheck } from './types';

/**
 * Round-off of one element: this many ulps of the two values, plus as many of the gradient's scale:
 * the largest element of this tensor's gradient or of any other's that `scale` gives. An element
 * is a sum of terms, and its round-off is that of the terms, not of the sum: a bias ahead of a
 * batch norm has a gradient of exactly 0, made of terms the size of the other gradients' (a scale
 * from the tensor alone, itself round-off, failed that right backward in every seed).
 */
const EXACT_ULPS = 64;
/**
 * How far a right hand-written gradient may differ from autograd's, relative to it, by being
 * written with other algebra: 1 − σ(m) against σ(−m) at a margin of 20 cancels 7 digits. Within
 * it an element passes; NOISE_FACTOR times the noise floor it enters is this share.
 */
export const ALGEBRA_REL = 1e-6;

/** The largest |element| over a model's gradients: the scale of the terms every one of them sums. */
export function gradientScale(grads: readonly Float64Array[]): number {
  let scale = 0;
  // Indexed loops: for-of over a Float64Array ran 6 ns an element (270 µs for a 50k-parameter model).
  for (let t = 0; t < grads.length; t++) {
    const g = grads[t];
    for (let i = 0; i < g.length; i++) {
      const x = Math.abs(g[i]);
      if (x > scale) scale = x;
    }
  }
  return scale;
}

export function compareWithAutograd(name: string, shape: readonly number[], manual: Float64Array, autograd: Float64Array, tol: Tolerance, modelScale = 0): TensorCheck {
  const tally = new Tally(name, shape, tol, 'exact');
  const scale = Math.max(gradientScale([autograd]), modelScale);
  for (let k = 0; k < manual.length; k++) {
    const a = manual[k];
    const n = autograd[k];
    const noise = EXACT_ULPS * Number.EPSILON * (Math.abs(a) + Math.abs(n) + scale) + (ALGEBRA_REL / NOISE_FACTOR) * Math.max(Math.abs(a), Math.abs(n));
    const broken = brokenRule(Math.abs(a - n), n, tol, Number.isFinite(noise) ? noise : undefined);
    if (!broken) tally.add(k, a, n, { verdict: 'pass', noise });
    else tally.add(k, a, n, { verdict: 'fail', decidedBy: broken, noise, ...(broken === 'error' ? { note: `the gradient is ${Number.isFinite(a) ? n : a}` } : {}) });
  }
  return tally.result();
}
