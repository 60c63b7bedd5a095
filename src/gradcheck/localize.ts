// Finds the line of the mistake in a hand-written backward. The checker already knows WHICH
// parameter's manual gradient is wrong; this says WHERE it went wrong.
//
// The user's backward is run once more with an op observer that keeps every op application and
// the user's call site. Known-good values come from autograd on the forward: every forward value
// (inputs, params, intermediates) and the true adjoint ∂L/∂t of every intermediate and parameter.
// A backward tensor is verified when its values equal a known-good tensor up to a rearrangement
// (sorted values compared), so a transposed or reshaped right adjoint counts as right. From the
// wrong returned gradient we walk back through unverified tensors; the first op of that region
// that takes a verified adjoint and gives an unverified result is blamed. Cost: one traced
// forward, one autograd backward, one traced run of the user's backward.
import { type OpObserver, grad, isGradEnabled, noGrad, withOpObserver } from '../engine/autograd';
import { unbroadcast } from '../engine/broadcast';
import { CallSite } from '../engine/callSite';
import type { ModelSpec } from '../engine/define';
import { type OpDef, vjpFor } from '../engine/registry';
import { Tensor } from '../engine/tensor';
import { latexToText } from '../shared/latexText';
import type { Blame, ModelReport } from './types';

interface OpRecord {
  op: OpDef<any>;
  inputs: readonly Tensor[];
  out: Tensor;
  /** The user's call, read only for the blamed op (none in the forward trace, which needs none). */
  site?: CallSite;
  /** Execution order. */
  index: number;
}

/** A backward with a loop may call ops without end: past this, localizing is not worth it. */
const MAX_RECORDS = 20000;
/** Values equal up to this fraction of the tensor's largest magnitude (rounding differs by route). */
const MATCH_RTOL = 1e-7;
/** Two scale factors are the same one within this relative difference. */
const FACTOR_RTOL = 1e-6;
/** A constant factor is claimed only across this many entries that are not ~0 (a scalar is always "c×" another). */
const MIN_SCALED_ENTRIES = 3;

/** Sets `blame` on every failing manual gradient it can explain. Never throws: it only adds. */
export function localizeManualMistakes(spec: ModelSpec, report: ModelReport): void {
  const manual = report.manual;
  if (!manual || !spec.backward || report.projected || !report.deterministic || !isGradEnabled()) return;
  // Only where autograd itself passed: its adjoints are the truth we compare against.
  const autogradPassed = new Set(report.params.filter((c) => c.passed).map((c) => c.name));
  const targets = manual.filter((c) => !c.passed && c.error === undefined && autogradPassed.has(c.name));
  if (targets.length === 0) return;
  const params = Object.values(spec.params);
  const flags = params.map((p) => p.requiresGrad);
  params.forEach((p) => (p.requiresGrad = true));
  try {
    const known = knownGoodValues(spec);
    if (!known) return;
    const records: OpRecord[] = [];
    const returned = withOpObserver(recorder(records, true), () => spec.backward!(spec.inputs, spec.params));
    if (records.length >= MAX_RECORDS || typeof returned !== 'object' || returned === null) return;
    const byOut = new Map(records.map((r) => [r.out.id, r]));
    for (const check of targets) {
      const g = (returned as Record<string, unknown>)[check.name];
      const truth = known.paramGrads.get(check.name);
      if (!(g instanceof Tensor) || !truth || g.size !== truth.size) continue;
      const blame = blameFor(check.name, g, truth, byOut, known.set);
      if (blame) check.blame = blame;
    }
  } catch {
    // A backward that throws the second time, or anything unexpected: the report stays as it was.
  } finally {
    params.forEach((p, i) => (p.requiresGrad = flags[i]));
  }
}

function recorder(into: OpRecord[], withSites: boolean): OpObserver {
  return function observe(op, inputs, out) {
    if (into.length >= MAX_RECORDS) return;
    into.push({ op, inputs, out, site: withSites ? new CallSite(observe) : undefined, index: into.length });
  };
}

// ---- Known-good values -------------------------------------------------------------------------

interface Known {
  label: string;
  kind: 'value' | 'adjoint';
  shape: readonly number[];
  sorted: Float64Array;
  scale: number;
  /** The forward op whose output this is the value or adjoint of. */
  of?: OpRecord;
}

interface Match {
  known: Known;
  /** Same shape and same order, not just the same values rearranged. */
  exact: boolean;
}

class KnownSet {
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

  add(label: string, kind: Known['kind'], t: Tensor, of?: OpRecord): void {
    const scale = maxAbs(t.data);
    if (!(scale > 0) || !Number.isFinite(scale)) return; // zeros would vouch for any forgotten term
    const list = this.bySize.get(t.size) ?? [];
    list.push({ known: { label, kind, shape: t.shape, sorted: t.data.slice().sort(), scale, of }, data: t.data });
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
      if (!exact) {
        if (!close(known.sorted, this.sortedOf(t), tol)) continue;
      }
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

interface KnownGood {
  set: KnownSet;
  paramGrads: Map<string, Tensor>;
}

/** Traces the forward and takes autograd's adjoint of every intermediate, parameter and edge. */
function knownGoodValues(spec: ModelSpec): KnownGood | undefined {
  const fwd: OpRecord[] = [];
  const loss = withOpObserver(recorder(fwd, false), () => spec.forward(spec.inputs, spec.params));
  if (!(loss instanceof Tensor) || loss.size !== 1 || fwd.length >= MAX_RECORDS) return undefined;
  const set = new KnownSet();
  const names = Object.keys(spec.params);
  const params = names.map((n) => spec.params[n]);
  for (const [name, t] of Object.entries(spec.inputs)) set.add(name, 'value', t);
  names.forEach((n, i) => set.add(n, 'value', params[i]));

  const labels = forwardLabels(fwd);
  const differentiable = fwd.filter((r) => r.out.requiresGrad && r.out !== loss);
  const adjoints = grad(loss, [...differentiable.map((r) => r.out), ...params]);
  const adjointOf = new Map(differentiable.map((r, i) => [r.out.id, adjoints[i]]));
  const paramGrads = new Map(names.map((n, i) => [n, adjoints[differentiable.length + i]]));
  fwd.forEach((r) => set.add(`the forward's ${labels.get(r)} output`, 'value', r.out, r));
  differentiable.forEach((r) => set.add(`∂L/∂(${labels.get(r)} output)`, 'adjoint', adjointOf.get(r.out.id)!, r));
  paramGrads.forEach((g, n) => set.add(`∂L/∂${n}`, 'adjoint', g));
  const nameOf = new Map<number, string>(names.map((n, i) => [params[i].id, n]));
  fwd.forEach((r) => nameOf.set(r.out.id, `${labels.get(r)} output`));
  addEdgePartials(fwd, adjointOf, labels, nameOf, set);
  return { set, paramGrads };
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

// ---- The walk ----------------------------------------------------------------------------------

function blameFor(param: string, g: Tensor, truth: Tensor, byOut: Map<number, OpRecord>, known: KnownSet): Blame | undefined {
  const root = byOut.get(g.id);
  // A gradient made without ops (plain loops into tensor()) has no op line to point at; one that
  // equals the truth here failed for another reason (a kink, noise), which is not a slip.
  if (!root || close(truth.data, g.data, MATCH_RTOL * maxAbs(truth.data))) return undefined;

  // The unverified region: the wrong gradient and every unverified op result feeding it.
  const region = new Set<OpRecord>([root]);
  const stack = [root];
  while (stack.length) {
    for (const x of stack.pop()!.inputs) {
      const r = byOut.get(x.id);
      if (r && !region.has(r) && !known.match(x)) {
        region.add(r);
        stack.push(r);
      }
    }
  }
  const producer = (x: Tensor) => byOut.get(x.id);
  const inRegion = (x: Tensor) => {
    const r = producer(x);
    return r !== undefined && region.has(r);
  };
  const scaled = scaleSlip(param, g, truth, region, producer, inRegion, known);
  if (scaled) return scaled;
  // Where a right adjoint turns wrong. Failing that, where the last value that is right up to a
  // constant factor goes on; failing that too, the chain is wrong from its very start.
  const takesAdjoint = [...region].filter((r) => r.inputs.some((x) => !inRegion(x) && known.match(x)?.known.kind === 'adjoint'));
  if (takesAdjoint.length === 0) {
    const scaled = afterScaledAdjoint(param, root, region, inRegion, known);
    if (scaled) return scaled;
  }
  const blamed = earliest(takesAdjoint) ?? earliest([...region].filter((r) => !r.inputs.some(inRegion)))!;
  const site = blamed.site?.frame;
  if (!site) return undefined; // no user frame on the stack: nothing to point at
  return { site, message: explain(param, blamed, blamed === root, takesAdjoint.length > 0, producer, inRegion, known) };
}

/**
 * A gradient that is c times the truth in every element (a mean's 1/N missing, a loss's scale
 * applied twice, a sign) keeps that factor from the op that introduced it on: adjoints downstream
 * of it are c times their true values too. That op is the first in the wrong region whose result
 * is c times a true adjoint while none of its inputs from the region is. Blaming it beats the
 * region's first step, which may be a forward value recomputed (a softmax) that is not wrong.
 */
function scaleSlip(
  param: string,
  g: Tensor,
  truth: Tensor,
  region: Set<OpRecord>,
  producer: (x: Tensor) => OpRecord | undefined,
  inRegion: (x: Tensor) => boolean,
  known: KnownSet,
): Blame | undefined {
  const factor = factorBetween(g.data, truth.data);
  if (factor === undefined) return undefined;
  const carries = (r: OpRecord | undefined): boolean => r !== undefined && known.scaledAdjoint(r.out, factor) !== undefined;
  const first = earliest([...region].filter((r) => carries(r) && !r.inputs.some((x) => inRegion(x) && carries(producer(x)))));
  const site = first?.site?.frame;
  if (!first || !site) return undefined;
  const times = factorWords(factor);
  const scaledOf = known.scaledAdjoint(first.out, factor)!;
  const of = scaledOf.exact ? scaledOf.known.label : `${scaledOf.known.label}, rearranged`;
  const right = first.inputs.filter((x) => !inRegion(x)).map((x) => outsideLabel(x, known).label);
  const unchecked = first.inputs.filter(inRegion).map((x) => `the result of a ${producer(x)!.op.name} call`);
  const parts = [
    `The gradient of ${param} is ${times} the true one (∂L/∂${param}) in every element: a constant factor is wrong (a mean's 1/N, the loss's own scale, a sign).`,
    `The factor first appears at this ${first.op.name} call${right.length ? `, with ${right.join('; ')}` : ''}: its result is ${times} ${of}.`,
  ];
  if (unchecked.length) parts.push(`Its other input (${unchecked.join('; ')}) could not be checked against anything and may hold the factor.`);
  return { site, message: parts.join(' ') };
}

/**
 * No value of the chain equals a true adjoint, yet one is a constant multiple of one: a chain that
 * carries its adjoints scaled (by 1/S for a loss of size S, say) and applies the scale at the end.
 * Its first steps, which recompute forward values (a sigmoid, a product with the labels), match
 * nothing either, and are right: blaming the first of them, as the fallback does, points at right
 * code. The mistake is where the last such multiple is used, or after it. Where the gradient has too
 * few elements to show a factor of its own (a bias of one element), that is as near as values allow,
 * so the constants used after it are named: a wrong one is the likeliest slip.
 */
function afterScaledAdjoint(param: string, root: OpRecord, region: Set<OpRecord>, inRegion: (x: Tensor) => boolean, known: KnownSet): Blame | undefined {
  // The last op whose result is such a multiple.
  let anchor: { r: OpRecord; known: Known; factor: number } | undefined;
  for (const r of region) {
    if (r === root || (anchor && r.index < anchor.r.index)) continue;
    const multiple = known.multipleOf(r.out);
    if (multiple) anchor = { r, ...multiple };
  }
  if (!anchor) return undefined;
  const { r: at, known: of, factor } = anchor;
  const next = earliest([...region].filter((r) => r.inputs.includes(at.out)));
  const site = next?.site?.frame;
  if (!next || !site) return undefined;
  // Only the blamed site is mapped to the user's source (a bundle's lines are not theirs), so the
  // message names ops, not lines.
  const constants: string[] = [];
  for (const r of [...region].filter((r) => r.index > at.index).sort((a, b) => a.index - b.index)) {
    for (const x of r.inputs) if (!inRegion(x) && x.size === 1 && !known.match(x)) constants.push(`${x.data[0]} at a ${r.op.name} call`);
  }
  const parts = [
    `No value on the way to the gradient of ${param} equals a true adjoint, but the result of a ${at.op.name} call is ${factorWords(factor)} ${of.label} in every element: right up to a constant factor, as a scale applied later (a mean's 1/N, the loss's own scale) makes it.`,
    `So the mistake is at this ${next.op.name} call, which uses that result, or after it, before the gradient of ${param} is returned.`,
  ];
  if (constants.length) parts.push(`The constant${constants.length > 1 ? 's' : ''} used there, ${constants.join('; ')}, ${constants.length > 1 ? 'are' : 'is'} not checked by anything: a wrong scale is the likeliest slip.`);
  return { site, message: parts.join(' ') };
}

/**
 * c when a = c·b in every element (within rounding) and c is not 1; undefined otherwise, and for
 * tensors with fewer than MIN_SCALED_ENTRIES entries that are not ~0: any wrong scalar is some
 * multiple of the right one, which says nothing about a constant factor.
 */
function factorBetween(a: Float64Array, b: Float64Array): number | undefined {
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

/** "3×", "the negative of", "8×" for 7.9999999, "1/8 of" for 0.125. */
function factorWords(c: number): string {
  if (Math.abs(c + 1) <= FACTOR_RTOL) return 'the negative of';
  const sign = c < 0 ? '−' : '';
  const m = Math.abs(c);
  const whole = Math.round(m);
  if (whole >= 2 && whole < 1e4 && Math.abs(m - whole) <= FACTOR_RTOL * m) return `${sign}${whole}×`;
  const inverse = Math.round(1 / m);
  if (inverse >= 2 && Math.abs(1 / m - inverse) <= FACTOR_RTOL / m) return `${sign}1/${inverse} of`;
  return `${sign}${m >= 1e4 || m < 1e-3 ? m.toExponential(2).replace(/\.?0+e/, 'e') : Number(m.toPrecision(3))}×`;
}

/** The op record that ran first. */
function earliest(rs: readonly OpRecord[]): OpRecord | undefined {
  return rs.reduce<OpRecord | undefined>((a, r) => (!a || r.index < a.index ? r : a), undefined);
}

/** What an input from outside the wrong region is: the known-good value it equals, or (unchecked) a constant. */
function outsideLabel(x: Tensor, known: KnownSet): { label: string; checked: boolean } {
  const m = known.match(x);
  if (m) return { label: m.exact ? m.known.label : `${m.known.label}, rearranged`, checked: true };
  return { label: x.size === 1 ? `the constant ${x.data[0]}` : 'a tensor made without ops', checked: false };
}

function explain(
  param: string,
  blamed: OpRecord,
  isRoot: boolean,
  anchored: boolean,
  producer: (x: Tensor) => OpRecord | undefined,
  inRegion: (x: Tensor) => boolean,
  known: KnownSet,
): string {
  const op = blamed.op.name;
  const right: string[] = [];
  const unchecked: string[] = [];
  // A constant the backward made (a mask, a slope written out) matches no adjoint and is no
  // evidence either way: it may well be the mistake, so it is never called right.
  const given: string[] = [];
  for (const x of blamed.inputs) {
    if (inRegion(x)) unchecked.push(`the result of a ${producer(x)!.op.name} call`);
    else {
      const { label, checked } = outsideLabel(x, known);
      (checked ? right : given).push(label);
    }
  }
  const rightPart = right.length ? `its input${right.length > 1 ? 's' : ''} (${right.join('; ')}) ${right.length > 1 ? 'are' : 'is'} right` : '';
  const parts: string[] = [];
  if (!anchored) {
    parts.push(`No value on the way to the gradient of ${param} matches a true adjoint, so it is wrong from the start of its chain; this ${op} call is the first step that matches nothing${rightPart ? `: ${rightPart}` : ''}.`);
  } else if (isRoot) {
    parts.push(`The gradient of ${param} is wrong as this ${op} call returns it${rightPart ? `: ${rightPart}, its result is not` : ''}.`);
  } else {
    parts.push(`The gradient of ${param} first goes wrong at this ${op} call${rightPart ? `: ${rightPart}, its result matches no true adjoint` : ''}.`);
  }
  if (unchecked.length) parts.push(`Its other input (${unchecked.join('; ')}) could not be checked against anything and may hold the mistake.`);
  if (given.length) {
    const one = given.length === 1;
    const which = one ? (unchecked.length ? 'And its input' : right.length ? 'Its other input' : 'Its input') : 'Its inputs';
    parts.push(`${which}, ${given.join('; ')}, ${one ? 'is' : 'are'} not checked by anything: ${one ? 'it' : 'they'} may hold the mistake (a mask or a slope written out by hand).`);
  }
  const hint = derivativeHint(blamed, known);
  if (hint) parts.push(hint);
  return parts.join(' ');
}

/**
 * ∂L/∂(σ output) going into the blamed call suggests the backward did not pass through σ:
 * its derivative was left out, or only partly applied. The hint quotes the op's own rule.
 */
function derivativeHint(blamed: OpRecord, known: KnownSet): string | undefined {
  for (const x of blamed.inputs) {
    const m = known.match(x);
    const fwd = m?.known.of;
    if (m?.known.kind !== 'adjoint' || !fwd || fwd.inputs[0]?.size !== fwd.out.size) continue;
    const rule = derivativeRule(fwd.op, m.known.label);
    if (!rule) continue;
    const name = fwd.op.name;
    if (blamed.out.size === fwd.out.size) {
      return `Hint: ${m.known.label} goes in and the result has the shape of the ${name}'s input: was the ${name}'s derivative applied in full? ${capitalised(rule)}.`;
    }
    return `Hint: ${m.known.label} arrives here without the ${name}'s derivative (${rule}); a plain alias such as \`const dz = da;\` records no op, so the slip may be on an earlier line that passes it along.`;
  }
  return undefined;
}

/** Families of maps whose output has their input's shape: a backward must multiply their derivative in. */
const HINTED_FAMILIES = new Set(['arithmetic', 'activation']);

/**
 * The registry's rule of a one-input map (σ, tanh, exp, softmax, ...) in the Unicode the hovers
 * show: `for y = tanh(x), x̄ = ȳ ⊙ (1-tanh²(x)), with ȳ = ∂L/∂(tanh output)`. None for other ops:
 * a matmul's or a reshape's rule is no derivative that a backward forgets to apply.
 */
function derivativeRule(op: OpDef<any>, adjoint: string): string | undefined {
  const grad = op.latex.grads[0];
  if (!HINTED_FAMILIES.has(op.family) || op.variadic || op.inputs.length !== 1 || !grad) return undefined;
  return `for ${latexToText(op.latex.forward)}, ${latexToText(grad)}, with ȳ = ${adjoint}`;
}

// ---- Small helpers -----------------------------------------------------------------------------

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function close(a: Float64Array, b: Float64Array, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol)) return false;
  return true;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function ordinal(k: number): string {
  const suffix = k % 100 >= 11 && k % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][k % 10] ?? 'th';
  return `${k}${suffix}`;
}
