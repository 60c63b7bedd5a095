// The known-good values a hand-written backward is checked against (localize.ts): every forward
// value (inputs, params, intermediates), autograd's true adjoint ∂L/∂t of every intermediate and
// parameter, each edge's part of an adjoint that is summed from several uses, and the local
// derivative f'(x) of every pointwise op at the forward's values. A backward tensor is verified
// when its values equal one of them up to a rearrangement (sorted values compared), so a
// transposed or reshaped right adjoint counts as right.
import { type OpObserver, grad, noGrad, withOpObserver } from '../engine/autograd';
import { unbroadcast } from '../engine/broadcast';
import { CallSite } from '../engine/callSite';
import type { ModelSpec } from '../engine/define';
import { type OpDef, vjpFor } from '../engine/registry';
import { Tensor } from '../engine/tensor';

export interface OpRecord {
  op: OpDef<any>;
  inputs: readonly Tensor[];
  out: Tensor;
  /** The user's call, read only for the blamed op (none in the forward trace, which needs none). */
  site?: CallSite;
  /** Execution order. */
  index: number;
}

/** A backward with a loop may call ops without end: past this, localizing is not worth it. */
export const MAX_RECORDS = 20000;
/** Values equal up to this fraction of the tensor's largest magnitude (rounding differs by route). */
export const MATCH_RTOL = 1e-7;
/** Two scale factors are the same one within this relative difference. */
export const FACTOR_RTOL = 1e-6;
/** A constant factor is claimed only across this many entries that are not ~0 (a scalar is always "c×" another). */
const MIN_SCALED_ENTRIES = 3;

export function recorder(into: OpRecord[], withSites: boolean): OpObserver {
  return function observe(op, inputs, out) {
    if (into.length >= MAX_RECORDS) return;
    into.push({ op, inputs, out, site: withSites ? new CallSite(observe) : undefined, index: into.length });
  };
}

// ---- Known-good values -------------------------------------------------------------------------

export interface Known {
  label: string;
  kind: 'value' | 'adjoint';
  shape: readonly number[];
  sorted: Float64Array;
  scale: number;
  /** The forward op whose output this is the value or adjoint of. */
  of?: OpRecord;
  /**
   * Counts only in its own order: a local derivative such as relu's 0/1 mask, which a wrong mask
   * with as many ones would equal once sorted.
   */
  inOrderOnly?: boolean;
}

export interface Match {
  known: Known;
  /** Same shape and same order, not just the same values rearranged. */
  exact: boolean;
}

export class KnownSet {
  private readonly bySize = new Map<number, { known: Known; data: Float64Array }[]>();
  private readonly cache = new Map<number, Match | null>();
  private readonly sortedCache = new Map<number, Float64Array>();
  private readonly scaledCache = new Map<string, { known: Known; exact: boolean } | null>();

  /** A backward tensor's values in ascending order, sorted once however often it is compared. */
  private sortedOf(t: Tensor): Float64Array {
    let sorted = this.sortedCache.get(t.id);
    if (!sorted) this.sortedCache.set(t.id, (sorted = t.data.slice().sort()));
    return sorted;
  }

  add(label: string, kind: Known['kind'], t: Tensor, of?: OpRecord, inOrderOnly = false): void {
    const scale = maxAbs(t.data);
    if (!(scale > 0) || !Number.isFinite(scale)) return; // zeros would vouch for any forgotten term
    const list = this.bySize.get(t.size) ?? [];
    list.push({ known: { label, kind, shape: t.shape, sorted: t.data.slice().sort(), scale, of, inOrderOnly }, data: t.data });
    this.bySize.set(t.size, list);
  }

  /** The best known-good tensor t equals: an adjoint before a plain value, in order before rearranged. */
  match(t: Tensor): Match | undefined {
    const hit = this.cache.get(t.id);
    if (hit !== undefined) return hit ?? undefined;
    let best: Match | undefined;
    let bestRank = -1;
    const list = this.bySize.get(t.size) ?? [];
    for (const { known, data } of list) {
      const tol = MATCH_RTOL * known.scale;
      const exact = sameShape(known.shape, t.shape) && close(data, t.data, tol);
      if (!exact && (known.inOrderOnly || !close(known.sorted, this.sortedOf(t), tol))) continue;
      const rank = (known.kind === 'adjoint' ? 2 : 0) + (exact ? 1 : 0);
      if (rank > bestRank) [best, bestRank] = [{ known, exact }, rank];
    }
    this.cache.set(t.id, best ?? null);
    return best;
  }

  /**
   * The true adjoint that t is `factor` times (a scale slip carried along), in t's order or
   * rearranged (transposed, reshaped) as match() allows; in order first. Cached per tensor and
   * factor: the walk asks about the same tensors for every op and every wrong parameter.
   */
  scaledAdjoint(t: Tensor, factor: number): { known: Known; exact: boolean } | undefined {
    const key = `${t.id}:${factor}`;
    const hit = this.scaledCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let found: { known: Known; exact: boolean } | undefined;
    const candidates = (this.bySize.get(t.size) ?? []).filter((c) => c.known.kind === 'adjoint');
    if (candidates.length && significantEntries(t.data) >= MIN_SCALED_ENTRIES) {
      const inOrder = candidates.find(({ known, data }) => sameShape(known.shape, t.shape) && closeScaled(t.data, data, factor, MATCH_RTOL * Math.abs(factor) * known.scale));
      if (inOrder) found = { known: inOrder.known, exact: true };
      else {
        // Rearranged: t/factor sorted is t sorted divided by factor, in reverse order for a negative factor.
        const sorted = this.sortedOf(t);
        const rearranged = candidates.find(({ known }) => closeScaledSorted(sorted, known.sorted, factor, MATCH_RTOL * known.scale));
        if (rearranged) found = { known: rearranged.known, exact: false };
      }
    }
    this.scaledCache.set(key, found ?? null);
    return found;
  }

  /** Every true adjoint t equals in its own shape and order (several ops' outputs can share one: z and z + b). */
  exactAdjoints(t: Tensor): Known[] {
    return (this.bySize.get(t.size) ?? []).filter(({ known, data }) => known.kind === 'adjoint' && sameShape(known.shape, t.shape) && close(data, t.data, MATCH_RTOL * known.scale)).map((c) => c.known);
  }

  /** The true adjoint that t is a constant multiple of (not 1), in t's shape and order, with the factor. */
  multipleOf(t: Tensor): { known: Known; factor: number } | undefined {
    for (const { known, data } of this.bySize.get(t.size) ?? []) {
      if (known.kind !== 'adjoint' || !sameShape(known.shape, t.shape)) continue;
      const factor = factorBetween(t.data, data);
      if (factor !== undefined) return { known, factor };
    }
    return undefined;
  }
}

export interface KnownGood {
  set: KnownSet;
  paramGrads: Map<string, Tensor>;
  /** f'(x) at the forward's values, by the forward record of each pointwise op y = f(x) on the way to the loss. */
  derivatives: Map<OpRecord, LocalDerivative>;
}

export interface LocalDerivative {
  value: Tensor;
  /** "the sigmoid's derivative at the forward's values". */
  label: string;
  /**
   * Of these flat indices, those where the op's input sits on a kink (relu or abs at 0): there the
   * derivative is autograd's convention, and either one-sided value is as right.
   */
  onKinks(indices: readonly number[]): Set<number>;
}

/** Traces the forward and takes autograd's adjoint of every intermediate, parameter and edge. */
export function knownGoodValues(spec: ModelSpec): KnownGood | undefined {
  return knownGoodOf({ run: () => spec.forward(spec.inputs, spec.params), inputs: spec.inputs, params: spec.params });
}

/** What known-good values are taken of: a forward, the tensors it differentiates (params) and the ones it only reads. */
export interface Traced {
  run: () => unknown;
  inputs: Record<string, Tensor>;
  params: Record<string, Tensor>;
  /**
   * The adjoint of a non-scalar output (a custom op's upstream gradient dy), with its label;
   * without it the output must be a scalar loss.
   */
  seed?: { tensor: Tensor; label: string };
}

/** knownGoodValues for any forward: a model's, or a custom op's own at one call with its dy. */
export function knownGoodOf({ run, inputs, params: byName, seed }: Traced): KnownGood | undefined {
  const fwd: OpRecord[] = [];
  const loss = withOpObserver(recorder(fwd, false), run);
  if (!(loss instanceof Tensor) || loss.size !== (seed ? seed.tensor.size : 1) || fwd.length >= MAX_RECORDS) return undefined;
  const set = new KnownSet();
  const names = Object.keys(byName);
  const params = names.map((n) => byName[n]);
  for (const [name, t] of Object.entries(inputs)) set.add(name, 'value', t);
  names.forEach((n, i) => set.add(n, 'value', params[i]));
  if (seed) set.add(seed.label, 'adjoint', seed.tensor);

  const labels = forwardLabels(fwd);
  const differentiable = fwd.filter((r) => r.out.requiresGrad && r.out !== loss);
  const adjoints = grad(loss, [...differentiable.map((r) => r.out), ...params], seed ? new Tensor(seed.tensor.data, loss.shape.slice()) : undefined);
  const adjointOf = new Map(differentiable.map((r, i) => [r.out.id, adjoints[i]]));
  const paramGrads = new Map(names.map((n, i) => [n, adjoints[differentiable.length + i]]));
  fwd.forEach((r) => set.add(`the forward's ${labels.get(r)} output`, 'value', r.out, r));
  differentiable.forEach((r) => set.add(`∂L/∂(${labels.get(r)} output)`, 'adjoint', adjointOf.get(r.out.id)!, r));
  paramGrads.forEach((g, n) => set.add(`∂L/∂${n}`, 'adjoint', g));
  const nameOf = new Map<number, string>(names.map((n, i) => [params[i].id, n]));
  fwd.forEach((r) => nameOf.set(r.out.id, `${labels.get(r)} output`));
  addEdgePartials(fwd, adjointOf, labels, nameOf, set);
  const derivatives = localDerivatives(differentiable, labels);
  derivatives.forEach((d, r) => set.add(d.label, 'value', d.value, r, true));
  return { set, paramGrads, derivatives };
}

/**
 * f'(x) of each pointwise op y = f(x) (sigmoid, tanh, relu, exp, ...): its VJP at ȳ = 1, which
 * for an op whose output element i depends on input element i alone is the derivative itself.
 * A backward multiplies ∂L/∂y by it to pass back through f, often as a factor computed on a line
 * of its own (σ' as a1 ⊙ (1 − a1)); knowing it, a wrong factor is found where it is made.
 */
function localDerivatives(differentiable: readonly OpRecord[], labels: Map<OpRecord, string>): Map<OpRecord, LocalDerivative> {
  const out = new Map<OpRecord, LocalDerivative>();
  noGrad(() => {
    for (const r of differentiable) {
      const vjp = vjpFor(r.op, 0);
      const node = r.out.node;
      const x = r.inputs[0];
      if (r.op.incremental !== 'pointwise' || r.op.variadic || r.inputs.length !== 1 || !vjp || !node || !x.requiresGrad || x.size !== r.out.size) continue;
      const ones = new Tensor(new Float64Array(r.out.size).fill(1), r.out.shape.slice());
      const value = unbroadcast(vjp(ones, { inputs: node.inputs, out: r.out, saved: node.saved, attrs: node.attrs, index: 0 }), x.shape);
      const onKinks = (indices: readonly number[]) => kinksOf(r.op, node.attrs, x.data, indices);
      if (value.size === x.size) out.set(r, { value, label: `the ${labels.get(r)}'s derivative at the forward's values`, onKinks });
    }
  });
  return out;
}

/** Relative step of the one-sided slopes in kinksOf: far below any curvature's effect, far above round-off. */
const KINK_STEP = 1e-7;

/**
 * The indices where a pointwise op's one-sided slopes differ at its input, from its own forward
 * at x − δ, x and x + δ (a pointwise forward takes any 1-D gather): relu's 0 and 1 at 0 differ
 * wholly, a smooth op's differ by its curvature times δ, a millionth of the slope.
 */
function kinksOf(op: OpDef<any>, attrs: unknown, x: Float64Array, indices: readonly number[]): Set<number> {
  const points = new Float64Array(3 * indices.length);
  const steps = indices.map((k, i) => {
    const d = KINK_STEP * Math.max(1, Math.abs(x[k]));
    points.set([x[k] - d, x[k], x[k] + d], 3 * i);
    return d;
  });
  const kinks = new Set<number>();
  if (!indices.length) return kinks;
  const y = noGrad(() => op.forward([new Tensor(points, [points.length])], attrs, () => {})).data;
  indices.forEach((k, i) => {
    const left = (y[3 * i + 1] - y[3 * i]) / steps[i];
    const right = (y[3 * i + 2] - y[3 * i + 1]) / steps[i];
    if (Math.abs(left - right) > 1e-2 * (Math.abs(left) + Math.abs(right))) kinks.add(k);
  });
  return kinks;
}

/**
 * A tensor used twice gets its adjoint in parts (a residual's two branches); each part is
 * right on its own, so each is known-good too: the VJP along that one edge.
 */
function addEdgePartials(fwd: OpRecord[], adjointOf: Map<number, Tensor>, labels: Map<OpRecord, string>, nameOf: Map<number, string>, set: KnownSet): void {
  const uses = new Map<number, number>();
  for (const r of fwd) for (const x of r.inputs) uses.set(x.id, (uses.get(x.id) ?? 0) + 1);
  noGrad(() => {
    for (const r of fwd) {
      const dy = adjointOf.get(r.out.id);
      const node = r.out.node;
      if (!dy || !node) continue;
      r.inputs.forEach((x, i) => {
        const vjp = vjpFor(r.op, i);
        if (!vjp || !x.requiresGrad || (uses.get(x.id) ?? 0) < 2) return;
        const part = unbroadcast(vjp(dy, { inputs: node.inputs, out: r.out, saved: node.saved, attrs: node.attrs, index: i }), x.shape);
        set.add(`the part of ∂L/∂(${nameOf.get(x.id) ?? 'an input'}) that flows back through the ${labels.get(r)}`, 'adjoint', part);
      });
    }
  });
}

/** "sigmoid", or "2nd matmul" when the forward calls an op more than once. */
function forwardLabels(fwd: OpRecord[]): Map<OpRecord, string> {
  const total = new Map<string, number>();
  for (const r of fwd) total.set(r.op.name, (total.get(r.op.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const labels = new Map<OpRecord, string>();
  for (const r of fwd) {
    const k = (seen.get(r.op.name) ?? 0) + 1;
    seen.set(r.op.name, k);
    labels.set(r, total.get(r.op.name)! > 1 ? `${ordinal(k)} ${r.op.name}` : r.op.name);
  }
  return labels;
}

/**
 * c when a = c·b in every element (within rounding) and c is not 1; undefined otherwise, and for
 * tensors with fewer than MIN_SCALED_ENTRIES entries that are not ~0: any wrong scalar is some
 * multiple of the right one, which says nothing about a constant factor.
 */
export function factorBetween(a: Float64Array, b: Float64Array): number | undefined {
  if (a.length !== b.length || significantEntries(b) < MIN_SCALED_ENTRIES) return undefined;
  let ab = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    bb += b[i] * b[i];
  }
  const c = ab / bb;
  if (!Number.isFinite(c) || c === 0 || Math.abs(c - 1) <= FACTOR_RTOL) return undefined;
  return closeScaled(a, b, c, MATCH_RTOL * maxAbs(a)) ? c : undefined;
}

/** Entries of x that are not ~0 next to its largest. */
function significantEntries(x: Float64Array): number {
  const floor = MATCH_RTOL * maxAbs(x);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) > floor) n++;
  return n;
}

/** a = factor·b in every element, within tol. */
function closeScaled(a: Float64Array, b: Float64Array, factor: number, tol: number): boolean {
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - factor * b[i]) <= tol)) return false;
  return true;
}

/** sorted(a / factor) = b (both sorted ascending), within tol, from a's ascending values. */
function closeScaledSorted(a: Float64Array, b: Float64Array, factor: number, tol: number): boolean {
  const n = a.length;
  for (let i = 0; i < n; i++) if (!(Math.abs(a[factor > 0 ? i : n - 1 - i] / factor - b[i]) <= tol)) return false;
  return true;
}

// ---- Small helpers -----------------------------------------------------------------------------

export function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function close(a: Float64Array, b: Float64Array, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol)) return false;
  return true;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}


function ordinal(k: number): string {
  const suffix = k % 100 >= 11 && k % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][k % 10] ?? 'th';
  return `${k}${suffix}`;
}
