// Central differences, element by element and along directions, with a cache so that the autograd
// gradient and a hand-written one are compared against the same forwards. Also the kink test: a
// failing element is checked for a non-differentiable point before it is called a failure.
import { allowed, type Tolerance, type Verdict } from './compare';
import { type Objective, withElement, withShift } from './objective';

export interface ElementDifference {
  /** (f(x+h) − f(x−h)) / (x+h − (x−h)), using the steps actually taken after rounding. */
  numeric: number;
  /** One-sided slopes (f(x+h) − f(x))/h and (f(x) − f(x−h))/h: they disagree across a kink. */
  forward: number;
  backward: number;
}

export class Differences {
  private readonly cache = new Map<string, ElementDifference>();
  /** Forwards run so far (for the report's cost and for tests of the fast mode's economy). */
  forwards = 0;

  constructor(
    readonly objective: Objective,
    readonly eps: number,
    /** f at the unperturbed point. */
    readonly f0: number,
  ) {}

  value(): number {
    this.forwards++;
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
    const fp = withElement(x, k, up, () => this.value());
    const fm = withElement(x, k, down, () => this.value());
    const d: ElementDifference = {
      numeric: (fp - fm) / (up - down),
      forward: (fp - this.f0) / (up - orig),
      backward: (this.f0 - fm) / (orig - down),
    };
    this.cache.set(key, d);
    return d;
  }

  /** vᵀ(J u) for tensor t along u restricted to the coordinates [lo, hi). */
  directional(t: number, u: Float64Array, lo: number, hi: number, tag: string): number {
    const key = `dir:${tag}:${t}:${lo}:${hi}`;
    const hit = this.cache.get(key);
    if (hit) return hit.numeric;
    const x = this.objective.tensors[t].data;
    const h = this.eps;
    const fp = withShift(x, u, h, lo, hi, () => this.value());
    const fm = withShift(x, u, -h, lo, hi, () => this.value());
    const numeric = (fp - fm) / (2 * h);
    this.cache.set(key, { numeric, forward: NaN, backward: NaN });
    return numeric;
  }

  /**
   * Compares an analytic element with the central difference. A mismatch is re-examined before it
   * is called a failure: when the analytic value lies between the one-sided slopes, either the
   * stencil straddles a kink near x (a step 10× smaller agrees) or x sits on one (the one-sided
   * slopes still disagree at the smaller step; for smooth f their gap shrinks with h).
   */
  judge(t: number, k: number, analytic: number, tol: Tolerance): Judgement {
    const d = this.element(t, k);
    const n = d.numeric;
    if (!Number.isFinite(analytic)) return { numeric: n, verdict: 'fail', note: `the gradient is ${analytic}` };
    if (!Number.isFinite(n)) return { numeric: n, verdict: 'fail', note: `the loss is not finite at x ± eps (numeric gradient ${n})` };
    if (Math.abs(analytic - n) <= allowed(n, tol)) {
      // Agreement can hide a kink: at abs(0) the central difference is symmetric, so it matches
      // the gradient 0, yet the one-sided slopes are −1 and 1. The Taylor test must know.
      const kink = this.kinkAt(t, k, d, analytic, tol);
      return kink ? { numeric: n, verdict: 'pass', kink } : { numeric: n, verdict: 'pass' };
    }

    const lo = Math.min(d.forward, d.backward);
    const hi = Math.max(d.forward, d.backward);
    const slack = tol.atol + tol.rtol * Math.max(Math.abs(lo), Math.abs(hi));
    if (analytic < lo - slack || analytic > hi + slack) return { numeric: n, verdict: 'fail' };

    const gap = hi - lo;
    const fine = this.element(t, k, this.eps / 10);
    const sides = `left slope ${fmt(d.backward)}, right slope ${fmt(d.forward)}`;
    if (Math.abs(analytic - fine.numeric) <= allowed(fine.numeric, tol)) {
      return { numeric: n, verdict: 'kink', note: `the difference stencil straddles a kink within eps of this point (${sides}); with eps/10 it agrees with the gradient ${fmt(analytic)}` };
    }
    const fineGap = Math.abs(fine.forward - fine.backward);
    if (gap > slack && fineGap > 0.5 * gap) {
      return { numeric: n, verdict: 'kink', note: `not differentiable here: ${sides} (a kink such as relu, abs or max at 0); the gradient ${fmt(analytic)} is a one-sided value` };
    }
    return { numeric: n, verdict: 'fail' };
  }

  /**
   * A note when the one-sided slopes at x disagree by more than the tolerance and round-off allow,
   * and still do at a step 10× smaller (for smooth f their gap shrinks with h; across a kink it
   * stays). Costs two forwards only when the first gap is already suspicious.
   */
  private kinkAt(t: number, k: number, d: ElementDifference, analytic: number, tol: Tolerance): string | undefined {
    const gap = Math.abs(d.forward - d.backward);
    if (!(gap > this.oneSidedNoise(d, this.eps, tol))) return undefined;
    const fine = this.element(t, k, this.eps / 10);
    const fineGap = Math.abs(fine.forward - fine.backward);
    if (!(fineGap > 0.5 * gap && fineGap > this.oneSidedNoise(fine, this.eps / 10, tol))) return undefined;
    return `not differentiable here: left slope ${fmt(d.backward)}, right slope ${fmt(d.forward)} (a kink such as relu, abs or max at 0); the gradient ${fmt(analytic)} agrees with the central difference`;
  }

  /** How far apart the one-sided slopes of a smooth f may be: the tolerance plus round-off of f/h. */
  private oneSidedNoise(d: ElementDifference, h: number, tol: Tolerance): number {
    const roundoff = (ROUNDOFF_FACTOR * Number.EPSILON * (Math.abs(this.f0) + 1)) / h;
    return tol.atol + tol.rtol * Math.max(Math.abs(d.forward), Math.abs(d.backward)) + roundoff;
  }
}

/** Round-off of f(x ± h) − f(x) is a few ε·|f|; this many times that is noise, not a kink. */
const ROUNDOFF_FACTOR = 1e3;

export interface Judgement {
  numeric: number;
  verdict: Verdict;
  /** Why the element failed, or is a kink. */
  note?: string;
  /** A passing element that sits on a kink (its one-sided slopes disagree). */
  kink?: string;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}
