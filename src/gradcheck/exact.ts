// A hand-written gradient against autograd's gradient of the same forward: every element at once,
// for the cost of one backward, with no difference step in the way. Both are float64 sums of the
// same terms in different orders, so a right hand-written gradient agrees to round-off; anything
// more is a mistake, however small against atol (a backward off by 3× on a loss of size 1e-12).
// Used only where autograd's own gradient passed its numeric check: autograd is the reference, so
// it has to be checked first.
import { NOISE_FACTOR, Tally, type Tolerance, brokenRule, moreSevere, severity } from './compare';
import type { Decider, TensorCheck } from './types';

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

/**
 * Where a function has a kink (relu or abs at 0, a max with a tie), a hand-written backward may
 * take another convention than autograd's (relu'(0) = 1, a tie's gradient split between the tied
 * elements, as torch.max does). So before a few differing elements are called wrong, each is asked
 * of the central differences: on a kink, a value that is one of the one-sided derivatives or their
 * mean is a kink, not a mistake (Differences.kinkExcuse says why no other value). Elements where
 * the function is smooth stay wrong however closely the differences agree: this comparison sees
 * slips far below their noise. A batch of blank inputs puts every unit of a relu layer on its kink
 * at once (a bias of 64 elements, all differing under relu'(0) = 1), so up to this many are asked,
 * largest difference first; past it the gradient is wrong, and none is asked (each costs two to four
 * forwards). The asking stops at the NOT_KINKS_ENOUGH-th element found off any kink: a gradient
 * wrong in many elements is not asked about all of them, and the ones left unasked are further
 * inside their allowance than those, so the worst element shown is a real slip, not a right value
 * at a kink.
 */
export const KINK_RECHECKS = 256;
/** Differing elements found off any kink after which no more are asked about. */
export const NOT_KINKS_ENOUGH = 8;

/** Why a hand-written value at one element is right at a kink, or undefined (Differences.kinkExcuse). */
export type KinkExcuse = (k: number, analytic: number) => string | undefined;

/**
 * A hand-written gradient against autograd's, element by element. With `excuse`, differing elements
 * that sit on a kink are kinks (KINK_RECHECKS); `kinks`: their flat indices, which a Taylor test of
 * the hand-written gradient must not move.
 */
export function compareExactly(name: string, shape: readonly number[], manual: Float64Array, autograd: Float64Array, tol: Tolerance, modelScale = 0, excuse?: KinkExcuse): { check: TensorCheck; kinks: readonly number[] } {
  const tally = new Tally(name, shape, tol, 'exact');
  const scale = Math.max(gradientScale([autograd]), modelScale);
  // One pass: agreeing elements go to the tally at once, the differing ones wait until it is known
  // whether few enough differ to ask each about a kink (a closure per element cost 25 % of a check).
  const differing: Differing[] = [];
  for (let k = 0; k < manual.length; k++) {
    const a = manual[k];
    const n = autograd[k];
    const noise = EXACT_ULPS * Number.EPSILON * (Math.abs(a) + Math.abs(n) + scale) + (ALGEBRA_REL / NOISE_FACTOR) * Math.max(Math.abs(a), Math.abs(n));
    const broken = brokenRule(Math.abs(a - n), n, tol, Number.isFinite(noise) ? noise : undefined);
    if (!broken) {
      tally.addPass(k, a, n, noise);
      continue;
    }
    differing.push({ k, rule: broken, noise });
  }
  const kinks = excuse && differing.length <= KINK_RECHECKS ? kinksAmong(manual, autograd, differing, excuse, tol) : undefined;
  for (const { k, rule, noise } of differing) {
    const a = manual[k];
    const n = autograd[k];
    const kink = kinks?.get(k);
    if (kink !== undefined) tally.add(k, a, n, { verdict: 'kink', noise, note: kink });
    else tally.add(k, a, n, { verdict: 'fail', decidedBy: rule, noise, ...(rule === 'error' ? { note: `the gradient is ${Number.isFinite(a) ? n : a}` } : {}) });
  }
  return { check: tally.result(), kinks: tally.kinks };
}

/**
 * The differing elements (at most KINK_RECHECKS) that sit on a kink, with the differences' note,
 * asked worst first (as the tally ranks them: compare.ts severity) until NOT_KINKS_ENOUGH
 * are not. Asking goes on past one that is not at a kink: a right value at a kink beside a real
 * slip would otherwise be the worst element shown. A non-finite difference is no kink.
 */
function kinksAmong(manual: Float64Array, autograd: Float64Array, differing: readonly Differing[], excuse: KinkExcuse, tol: Tolerance): Map<number, string> {
  const kinks = new Map<number, string>();
  const ranked = differing.map((d) => ({ d, v: severity(manual[d.k], autograd[d.k], tol, d.noise) })).sort((x, y) => (moreSevere(x.v, y.v) ? -1 : moreSevere(y.v, x.v) ? 1 : 0));
  let offKinks = 0;
  for (const { k, rule } of ranked.map((r) => r.d)) {
    const note = rule === 'error' ? undefined : excuse(k, manual[k]);
    if (note !== undefined) kinks.set(k, `the hand-written gradient takes another value than autograd at a kink, and both are right: ${note}`);
    else if (++offKinks >= NOT_KINKS_ENOUGH) break;
  }
  return kinks;
}

/** An element where the two gradients differ: the rule it breaks and its noise floor. */
interface Differing {
  k: number;
  rule: Decider;
  noise: number;
}
