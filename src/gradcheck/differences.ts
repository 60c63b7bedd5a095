// Central differences, element by element and along directions, with a cache so that the autograd
// gradient and a hand-written one are compared against the same forwards. Also the kink test: a
// failing element is checked for a non-differentiable point before it is called a failure.
import { type ElementJudgement, NOISE_FACTOR, allowed, brokenRule, type Tolerance } from './compare';
import { type Direction, denseOf } from './directions';
import { type Objective, withElement, withShiftAll } from './objective';

export interface ElementDifference {
  /** (f(x+h) − f(x−h)) / (x+h − (x−h)), using the steps actually taken after rounding. */
  numeric: number;
  /** One-sided slopes (f(x+h) − f(x))/h and (f(x) − f(x−h))/h: they disagree across a kink. */
  forward: number;
  backward: number;
  /** A bound on the quotient's round-off: ROUNDOFF_ULPS ulps of f over the step. */
  roundoff: number;
}

export class Differences {
  private readonly cache = new Map<string, ElementDifference>();
  constructor(
    readonly objective: Objective,
    readonly eps: number,
    /** f at the unperturbed point. */
    readonly f0: number,
    /** The round-off of an evaluation of f, estimated from its intermediate values (absolute; 0: unknown). */
    readonly evalError = 0,
  ) {}

  value(): number {
    return this.objective.value();
  }

  /** Central difference of element k of tensor t, step `h` (default eps). Cached at the default step. */
  element(t: number, k: number, h = this.eps): ElementDifference {
    const key = `${t}:${k}:${h}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const x = this.objective.tensors[t].data;
    const orig = x[k];
    const up = orig + h;
    const down = orig - h;
    const at = this.objective.valueAt;
    let fp: number;
    let fm: number;
    if (at) {
      fp = at.call(this.objective, t, k, up);
      fm = at.call(this.objective, t, k, down);
    } else {
      fp = withElement(x, k, up, () => this.value());
      fm = withElement(x, k, down, () => this.value());
    }
    const d: ElementDifference = {
      numeric: (fp - fm) / (up - down),
      roundoff: this.roundoff(Math.max(Math.abs(fp), Math.abs(fm)), up - down),
      forward: (fp - this.f0) / (up - orig),
      backward: (this.f0 - fm) / (orig - down),
    };
    this.cache.set(key, d);
    return d;
  }

  /** vᵀ(J u) for tensor t along u restricted to the coordinates [lo, hi). */
  directional(t: number, u: Direction, lo: number, hi: number, tag: string, h = this.eps): number {
    return this.along(this.only(t, u, lo, hi), `dir:${tag}:${t}:${lo}:${hi}`, h);
  }

  /**
   * The noise floor of the directional derivative along u[lo, hi): its round-off bound plus the
   * measured disagreement with the quotient at twice the step (Richardson: for smooth f that is three
   * times the truncation error; it also carries the round-off). Costs two forwards, once per probe.
   */
  directionalNoise(t: number, u: Direction, lo: number, hi: number, tag: string): number {
    return this.alongNoise(this.only(t, u, lo, hi), `dir:${tag}:${t}:${lo}:${hi}`);
  }

  /**
   * The central difference with every tensor t moved by ±h·dirs[t] at once (undefined: it stays):
   * the derivative along the joint direction, vᵀJ·u summed over the tensors. Cached under `key`.
   */
  along(dirs: readonly (Direction | undefined)[], key: string, h = this.eps): number {
    const full = `${key}:${h}`;
    const hit = this.cache.get(full);
    if (hit) return hit.numeric;
    const obj = this.objective;
    const shifted = obj.valueShifted;
    let fp: number;
    let fm: number;
    if (shifted) {
      fp = shifted.call(obj, dirs, h);
      fm = shifted.call(obj, dirs, -h);
    } else {
      const moved = obj.tensors.filter((_, t) => dirs[t] !== undefined);
      const d = dirs.filter((x): x is Direction => x !== undefined);
      fp = withShiftAll(moved, d, h, () => this.value());
      fm = withShiftAll(moved, d, -h, () => this.value());
    }
    const numeric = (fp - fm) / (2 * h);
    this.cache.set(full, { numeric, forward: NaN, backward: NaN, roundoff: this.roundoff(Math.max(Math.abs(fp), Math.abs(fm)), 2 * h) });
    return numeric;
  }

  /** `along`'s noise floor, as directionalNoise's: round-off plus the disagreement at twice the step. */
  alongNoise(dirs: readonly (Direction | undefined)[], key: string): number {
    const n = this.along(dirs, key);
    const coarse = this.along(dirs, key, 2 * this.eps);
    return this.cache.get(`${key}:${this.eps}`)!.roundoff + Math.abs(coarse - n);
  }

  /** Tensor t moved along u restricted to [lo, hi) (the direction that is zero elsewhere); the others stay. */
  private only(t: number, u: Direction, lo: number, hi: number): (Direction | undefined)[] {
    const dirs: (Direction | undefined)[] = this.objective.tensors.map(() => undefined);
    dirs[t] = lo === 0 && hi === u.length ? u : restricted(denseOf(u), lo, hi);
    return dirs;
  }

  /** The round-off bound of a central quotient at the unmoved point with the default step. */
  roundoffBound(): number {
    return this.roundoff(Math.abs(this.f0), 2 * this.eps);
  }

  /**
   * Round-off of a central quotient whose values are about |f|, over a step of `width`: ulps of |f|,
   * or of the intermediates where they are larger than f (a loss that cancels large terms).
   */
  private roundoff(f: number, width: number): number {
    const ulps = Math.max(Number.EPSILON * Math.max(f, Math.abs(this.f0)), this.evalError);
    return (ROUNDOFF_ULPS * (ulps + Number.MIN_VALUE)) / width;
  }

  /**
   * The noise floor of element k's quotient: its round-off bound, plus, when asked, the measured
   * disagreement with the quotient at twice the step (two more forwards).
   */
  elementNoise(t: number, k: number, measured: boolean): number {
    const d = this.element(t, k);
    if (!measured) return d.roundoff;
    return d.roundoff + Math.abs(this.element(t, k, 2 * this.eps).numeric - d.numeric);
  }

  /**
   * Compares an analytic element with the central difference. A mismatch is re-examined before it
   * is called a failure: when the analytic value lies between the one-sided slopes, either the
   * stencil straddles a kink near x (a step 10× smaller agrees) or x sits on one (the one-sided
   * slopes still disagree at the smaller step; for smooth f their gap shrinks with h).
   */
  judge(t: number, k: number, analytic: number, tol: Tolerance): ElementJudgement {
    const d = this.element(t, k);
    const n = d.numeric;
    if (!Number.isFinite(analytic)) return { verdict: 'fail', decidedBy: 'error', note: `the gradient is ${analytic}` };
    if (!Number.isFinite(n)) return { verdict: 'fail', decidedBy: 'error', note: `the loss is not finite at x ± eps (numeric gradient ${n})` };
    // An element whose change at the step eps is within a few ulps of a large loss (e^-3 beside
    // e^20 in one sum) has a central difference that is round-off: the tolerance cannot judge it.
    // A larger step then gives the value, or says the element cannot be resolved (resolve()).
    if (d.roundoff > UNRESOLVED_SHARE * allowed(n, tol) && Math.abs(analytic - n) > allowed(n, tol)) {
      const better = this.resolve(t, k, tol);
      if (better) return this.judgeAgainst(analytic, better.numeric, better.noise, tol);
    }
    const gap = Math.abs(analytic - n);
    // The noise floor is measured only where the cheap bound cannot clear the element.
    let noise = this.elementNoise(t, k, false);
    let broken = brokenRule(gap, n, tol, noise);
    if (broken === 'noise') {
      noise = this.elementNoise(t, k, true);
      broken = brokenRule(gap, n, tol, noise);
    }
    if (broken === undefined) {
      // Agreement can hide a kink: at abs(0) the central difference is symmetric, so it matches
      // the gradient 0, yet the one-sided slopes are −1 and 1. The Taylor test must know.
      const kink = this.kinkAt(t, k, d, analytic, tol);
      return kink ? { verdict: 'pass', noise, kink } : { verdict: 'pass', noise };
    }
    const fail: ElementJudgement = { verdict: 'fail', decidedBy: broken, noise };

    const lo = Math.min(d.forward, d.backward);
    const hi = Math.max(d.forward, d.backward);
    const slack = tol.atol + tol.rtol * Math.max(Math.abs(lo), Math.abs(hi));
    const sides = `left slope ${fmt(d.backward)}, right slope ${fmt(d.forward)}`;
    // A kink within eps of x: the step 10× smaller no longer crosses it and agrees with the
    // gradient, where for a smooth f both quotients would agree with each other. Asked before the
    // one-sided bounds below: a one-sided slope is off by h·f''/2, which large inputs make larger
    // than the tolerance (a relu after X·W1 with |X| ~ 1e3 put the gradient just outside them).
    const fine = this.element(t, k, this.eps / 10);
    if (Math.abs(analytic - fine.numeric) <= allowed(fine.numeric, tol) && Math.abs(analytic - fine.numeric) < 0.1 * gap) {
      return { verdict: 'kink', noise, note: `the difference stencil straddles a kink within eps of this point (${sides}); with eps/10 it agrees with the gradient ${fmt(analytic)}` };
    }
    if (analytic < lo - slack || analytic > hi + slack) return fail;

    const spread = hi - lo;
    const fineGap = Math.abs(fine.forward - fine.backward);
    if (spread > slack && fineGap > 0.5 * spread) {
      return { verdict: 'kink', noise, note: `not differentiable here: ${sides} (a kink such as relu, abs or max at 0); the gradient ${fmt(analytic)} ${whichSide(analytic, d, fine, slack)}` };
    }
    return fail;
  }

  /**
   * The central difference of element k at the step that resolves it best, where round-off swamps
   * the one at eps: steps 10, 100, 1000 and 10⁴ times eps, each with its noise floor measured (its
   * round-off plus the disagreement with twice the step, which for smooth f is three times its
   * truncation error, and which a kink or a domain's edge crossed makes large). The first whose
   * floor is a tenth of the tolerance wins, else the one with the least floor. Undefined when no
   * larger step has a lower floor than eps (the caller judges as before).
   */
  private resolve(t: number, k: number, tol: Tolerance): { numeric: number; noise: number } | undefined {
    let best = { numeric: this.element(t, k).numeric, noise: this.elementNoise(t, k, true) };
    let improved = false;
    for (let scale = 10; scale <= 1e4; scale *= 10) {
      const h = this.eps * scale;
      const d = this.element(t, k, h);
      const noise = d.roundoff + Math.abs(this.element(t, k, 2 * h).numeric - d.numeric);
      if (!(noise < best.noise)) continue;
      best = { numeric: d.numeric, noise };
      improved = true;
      if (noise <= UNRESOLVED_SHARE * allowed(d.numeric, tol)) break;
    }
    return improved ? best : undefined;
  }

  /**
   * A verdict from a resolved numeric value and its floor: the tolerance and the floor as always,
   * except that a floor still above the tolerance cannot fail an element by the tolerance alone
   * (its gap would be noise); only NOISE_FACTOR × the floor can.
   */
  private judgeAgainst(analytic: number, numeric: number, noise: number, tol: Tolerance): ElementJudgement {
    const gap = Math.abs(analytic - numeric);
    let broken = brokenRule(gap, numeric, tol, noise);
    if (broken === 'tolerance' && noise > allowed(numeric, tol) && gap <= NOISE_FACTOR * noise) broken = undefined;
    if (broken === undefined) return { verdict: 'pass', noise, numeric };
    return { verdict: 'fail', decidedBy: broken, noise, numeric };
  }

  /**
   * A note when the one-sided slopes at x disagree by more than the tolerance and round-off allow,
   * and still do at a step 10× smaller (for smooth f their gap shrinks with h; across a kink it
   * stays). Costs two forwards only when the first gap is already suspicious.
   */
  private kinkAt(t: number, k: number, d: ElementDifference, analytic: number, tol: Tolerance): string | undefined {
    if (!this.sitsOnKink(t, k, tol)) return undefined;
    return `not differentiable here: left slope ${fmt(d.backward)}, right slope ${fmt(d.forward)} (a kink such as relu, abs or max at 0); the gradient ${fmt(analytic)} agrees with the central difference`;
  }

  /**
   * Whether x sits on a kink in element k: its one-sided slopes disagree by more than the tolerance
   * and round-off allow, and still do at a step 10× smaller (for smooth f their gap shrinks with h;
   * across a kink it stays). A stencil that merely crosses a kink near x agrees at the finer step.
   */
  sitsOnKink(t: number, k: number, tol: Tolerance): boolean {
    const d = this.element(t, k);
    const gap = Math.abs(d.forward - d.backward);
    if (!(gap > this.oneSidedNoise(d, this.eps, tol))) return false;
    const fine = this.element(t, k, this.eps / 10);
    const fineGap = Math.abs(fine.forward - fine.backward);
    return fineGap > 0.5 * gap && fineGap > this.oneSidedNoise(fine, this.eps / 10, tol);
  }

  /**
   * Why a value `analytic` for element k is right though it differs from autograd's: x sits on a
   * kink (sitsOnKink, robust to round-off) and the value is one of the conventions a backward takes
   * there: the left or the right one-sided derivative (relu'(0) = 1), or their mean (a tie split
   * in two, |x|' = 0). Undefined otherwise (exact.ts asks this of a hand-written gradient).
   *
   * Not "any value between the slopes": a backward that drops a smooth term (c·relu(w) + d·w at
   * w = 0 with d left out) lands strictly inside them, and so does a slip at a kink. And each side
   * is extrapolated from the steps eps and eps/10 ((10·fine − coarse)/9, as whichSide does), since
   * a one-sided quotient is off by h·f''/2: raw, strong curvature widened the range past the truth.
   */
  kinkExcuse(t: number, k: number, analytic: number, tol: Tolerance): string | undefined {
    if (!Number.isFinite(analytic) || !this.sitsOnKink(t, k, tol)) return undefined;
    const d = this.element(t, k);
    const fine = this.element(t, k, this.eps / 10);
    const left = (10 * fine.backward - d.backward) / 9;
    const right = (10 * fine.forward - d.forward) / 9;
    const sides = `left slope ${fmt(left)}, right slope ${fmt(right)}`;
    const near = (x: number) => Math.abs(analytic - x) <= allowed(x, tol);
    const which = near(left) ? 'the left one-sided value' : near(right) ? 'the right one-sided value' : near((left + right) / 2) ? 'the mean of the one-sided values' : undefined;
    return which && `not differentiable here: ${sides} (a kink such as relu, abs or max at 0); the gradient ${fmt(analytic)} is ${which}`;
  }

  /** How far apart the one-sided slopes of a smooth f may be: the tolerance plus round-off of f/h. */
  private oneSidedNoise(d: ElementDifference, h: number, tol: Tolerance): number {
    const roundoff = (ROUNDOFF_FACTOR * Number.EPSILON * (Math.abs(this.f0) + 1)) / h;
    return tol.atol + tol.rtol * Math.max(Math.abs(d.forward), Math.abs(d.backward)) + roundoff;
  }
}

/**
 * Where a gradient at a kink sits between the one-sided slopes (it is known to lie within them).
 * A one-sided quotient is off by h·f''/2 where f curves, so each side's derivative is taken by
 * Richardson from the steps eps and eps/10, (10·fine − coarse)/9, before it is compared; the nearer
 * side is named when the gradient is within the tolerance of it.
 */
function whichSide(analytic: number, d: ElementDifference, fine: ElementDifference, slack: number): string {
  const left = Math.abs(analytic - (10 * fine.backward - d.backward) / 9);
  const right = Math.abs(analytic - (10 * fine.forward - d.forward) / 9);
  if (Math.min(left, right) <= slack) return `is the ${left <= right ? 'left' : 'right'} one-sided value`;
  // Two kinks at one point (relu and abs of the same value), each op taking its own convention at 0.
  return 'lies between them: a subgradient, as where several kinks meet, not either one-sided value';
}

function restricted(u: Float64Array, lo: number, hi: number): Float64Array {
  const d = new Float64Array(u.length);
  d.set(u.subarray(lo, hi), lo);
  return d;
}

/** Above this share of the tolerance, an element's round-off at the step eps calls for a larger step. */
const UNRESOLVED_SHARE = 0.1;
/** Round-off of f(x ± h) − f(x) is a few ε·|f|; this many times that is noise, not a kink. */
const ROUNDOFF_FACTOR = 1e3;
/**
 * A loss evaluated in float64 carries a few ulps of |f| of round-off. This bound is the least noise
 * floor an element can have; the measured part (two step sizes) comes on top of it, and a
 * discrepancy must exceed NOISE_FACTOR times the sum before it counts as evidence.
 */
const ROUNDOFF_ULPS = 4;

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}
