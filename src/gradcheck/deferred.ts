// A weight's autograd gradient kept as the matrix product that makes it, for the fast check. A
// weight W used once, in Y = A·W, has the gradient G = Aᵀ·Ȳ: a product as large as the forward's
// own (at 50,890 parameters, 32×784×64 multiply-adds, 290 µs of a 2 ms check). A fast check that
// passes only ever projects G on rank-one directions a·bᵀ (the joint probes, the Taylor test), and
// aᵀ·G·b = (A·a)·(Ȳ·b) needs two matrix-vector products instead. So the backward skips that one
// VJP and the product is made, by the very VJP, only where something reads G element by element:
// a probe that disagrees, the drill-down, a dense Taylor direction.
import { noGrad } from '../engine/autograd';
import { unbroadcast } from '../engine/broadcast';
import { vjpFor } from '../engine/registry';
import type { Tensor } from '../engine/tensor';
import { type Direction, RankOne, dotWith, matVec, vecMat } from './directions';
import { dot } from './objective';
import type { OpRecord } from './replay';

/** An autograd gradient: its values, or the product they come from. */
export type Gradient = Float64Array | ProductGradient;

export class ProductGradient {
  private values: Float64Array | undefined;
  /** Whether a finite projection means a finite G (cannotOverflow). */
  private safe: boolean | undefined;

  constructor(
    /** The one product the weight enters (its output's tape node holds what the VJP reads). */
    private readonly use: OpRecord,
    /** Which operand the weight is: 1 in Y = A·W (G = Aᵀ·Ȳ), 0 in Y = W·B (G = Ȳ·Bᵀ). */
    private readonly index: 0 | 1,
    /** Ȳ, the adjoint of the product's output, from the same backward. */
    private readonly adjoint: Tensor,
  ) {}

  /** G·d. A rank-one d = a·bᵀ by its factors; any other direction from G itself. */
  dot(d: Direction): number {
    if (this.values || !(d instanceof RankOne)) return dotWith(this.dense(), d);
    const [A, B] = this.use.inputs;
    const dY = this.adjoint;
    // Y = A·W: aᵀ(AᵀȲ)b = (A·a)·(Ȳ·b). Y = W·B: aᵀ(Ȳ·Bᵀ)b = aᵀ·Ȳ·(Bᵀ·b) = (aᵀ·Ȳ)·(Bᵀ·b).
    const s = this.index === 1 ? dot(d.timesLeft(A), matVec(dY, d.right)) : dot(vecMat(d.left, dY), d.rightTimes(B));
    // A non-finite projection of a finite G is possible too (A·a overflowing near 1e308): the values decide.
    return Number.isFinite(s) && this.cannotOverflow() ? s : dotWith(this.dense(), d);
  }

  /** G, exactly as the backward would have made it: the same VJP on the same tape node. */
  dense(): Float64Array {
    if (this.values) return this.values;
    const out = this.use.out;
    const node = out.node!;
    const weight = this.use.inputs[this.index];
    const vjp = vjpFor(node.op, this.index)!;
    const g = noGrad(() => unbroadcast(vjp(this.adjoint, { inputs: node.inputs, out, saved: node.saved, attrs: node.attrs, index: this.index }), weight.shape));
    return (this.values = g.data);
  }

  /**
   * Whether G's elements are finite whenever a projection is. Every entry of a and b is nonzero,
   * so a NaN or ±Infinity in the other operand or in Ȳ makes the projection NaN or ±Infinity; what
   * a finite projection can still hide is an element that overflows. Each element of G = Aᵀ·Ȳ sums
   * a column of Ȳ weighted by entries of A, so |G| ≤ max|A| · S with S the largest |Ȳ| column sum
   * (row sum for Y = W·B). A finite A has max|A| below the largest double, so S ≤ 1/2 rules
   * overflow out without reading A; otherwise A is read once (a first layer's input: 25,088 values
   * at 50,890 parameters, 30 µs).
   */
  private cannotOverflow(): boolean {
    if (this.safe === undefined) {
      const other = this.use.inputs[1 - this.index];
      const S = largestSum(this.adjoint, this.index === 1);
      this.safe = S <= 0.5 || maxAbs(other.data) * S < MAX_BOUND;
    }
    return this.safe;
  }
}

/** Below this bound no element of G can overflow. */
const MAX_BOUND = 1e300;

/** The largest column sum (or row sum) of |Y|, Y [m, n]; NaN when Y holds one. */
function largestSum(Y: Tensor, columns: boolean): number {
  const [m, n] = Y.shape;
  const y = Y.data;
  const sums = new Float64Array(columns ? n : m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sums[columns ? j : i] += Math.abs(y[i * n + j]);
  let largest = 0;
  for (const x of sums) largest = x > largest || x !== x ? x : largest;
  return largest;
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (!(v <= m)) {
      if (v !== v) return NaN; // a NaN bound fails the comparison, and the projection falls back to G
      m = v;
    }
  }
  return m;
}

/** A gradient's values (made at the first call for a product). */
export function denseGradient(g: Gradient): Float64Array {
  return g instanceof ProductGradient ? g.dense() : g;
}

/** g·d for either kind. */
export function gradientDot(g: Gradient, d: Direction): number {
  return g instanceof ProductGradient ? g.dot(d) : dotWith(g, d);
}

/**
 * The parameters whose gradient can stay a product: used by exactly one op of the recording, a
 * matmul of two matrices, as one operand only (not x·x). By parameter index, the record and the
 * operand.
 */
export function deferrableWeights(records: readonly OpRecord[], params: readonly Tensor[]): Map<number, { record: number; index: 0 | 1 }> {
  const uses = new Map<Tensor, number[]>();
  params.forEach((p) => uses.set(p, []));
  records.forEach((r, i) => {
    for (const x of r.inputs) uses.get(x)?.push(i);
  });
  const out = new Map<number, { record: number; index: 0 | 1 }>();
  params.forEach((p, t) => {
    const at = uses.get(p)!;
    // Used elsewhere too, or one tensor under two names (its requiresGrad is both names').
    if (at.length !== 1 || params.indexOf(p) !== params.lastIndexOf(p)) return;
    const r = records[at[0]];
    const [a, b] = r.inputs;
    if (r.op.name !== 'matmul' || r.inputs.length !== 2 || a === b || a.ndim !== 2 || b.ndim !== 2 || !r.out.node) return;
    out.set(t, { record: at[0], index: a === p ? 0 : 1 });
  });
  return out;
}
