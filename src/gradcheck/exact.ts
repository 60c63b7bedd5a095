// A hand-written gradient against autograd's gradient of the same forward: every element at once,
// for the cost of one backward, with no difference step in the way. Both are float64 sums of the
// same terms in different orders, so a right hand-written gradient agrees to round-off; anything
// more is a mistake, however small against atol (a backward off by 3× on a loss of size 1e-12).
// Used only where autograd's own gradient passed its numeric check: autograd is the reference, so
// it has to be checked first.
import { Tally, type Tolerance, brokenRule } from './compare';
import type { TensorCheck } from './types';

/** Round-off of one element: this many ulps of the two values, plus as many of the tensor's largest. */
const EXACT_ULPS = 64;

export function compareWithAutograd(name: string, shape: readonly number[], manual: Float64Array, autograd: Float64Array, tol: Tolerance): TensorCheck {
  const tally = new Tally(name, shape, tol, 'exact');
  let scale = 0;
  for (const g of autograd) if (Math.abs(g) > scale) scale = Math.abs(g);
  for (let k = 0; k < manual.length; k++) {
    const a = manual[k];
    const n = autograd[k];
    const noise = EXACT_ULPS * Number.EPSILON * (Math.abs(a) + Math.abs(n) + scale);
    const broken = brokenRule(Math.abs(a - n), n, tol, Number.isFinite(noise) ? noise : undefined);
    if (!broken) tally.add(k, a, n, { verdict: 'pass', noise });
    else tally.add(k, a, n, { verdict: 'fail', decidedBy: broken, noise, ...(broken === 'error' ? { note: `the gradient is ${Number.isFinite(a) ? n : a}` } : {}) });
  }
  return tally.result();
}
