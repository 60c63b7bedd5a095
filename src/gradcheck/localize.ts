// Finds the line of the mistake in a hand-written backward. The checker already knows WHICH
// parameter's manual gradient is wrong; this says WHERE it went wrong.
//
// The user's backward is run once more with an op observer that keeps every op application and
// the user's call site. Its tensors are compared with known-good values from autograd on the
// forward (knownGood.ts). From the wrong returned gradient we walk back through unverified
// tensors; the first op of that region that takes a verified adjoint and gives an unverified
// result is blamed, unless it multiplies that adjoint by a pointwise op's derivative the backward
// got wrong on a line of its own: then the line where that factor goes wrong is. Cost: one traced
// forward, one autograd backward, one traced run of the user's backward.
import { isGradEnabled, noGrad, withOpObserver } from '../engine/autograd';
import { type ModelSpec, definedOps } from '../engine/define';
import { Rng } from '../engine/random';
import type { OpDef } from '../engine/registry';
import { Tensor } from '../engine/tensor';
import {
  FACTOR_RTOL,
  type Known,
  type KnownGood,
  type KnownSet,
  MATCH_RTOL,
  MAX_RECORDS,
  type OpRecord,
  close,
  factorBetween,
  knownGoodOf,
  knownGoodValues,
  maxAbs,
  recorder,
} from './knownGood';
import { aCall, capitalised, classifyInputs, derivativeHint, earliest, orientationHint, outsideLabel, regionChain, rightInputs, uncheckedSentences } from './blameWords';
import { type WrongFactor, factorBlame, wrongLocalFactor } from './localFactor';
import { randomNormal } from './strategies';
import type { Blame, ModelReport } from './types';

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
      const blame = blameFor(check.name, g, truth, byOut, known);
      if (blame) check.blame = blame;
    }
  } catch {
    // A backward that throws the second time, or anything unexpected: the report stays as it was.
  } finally {
    params.forEach((p, i) => (p.requiresGrad = flags[i]));
  }
}

/**
 * Where a custom op's hand-written backward goes wrong, at one call. The op's own forward, taped
 * at the call's inputs with a random upstream gradient dy, gives the known-good values (its
 * intermediates, their adjoints, ∂L/∂x for each input x0, x1, …), and the backward, run once more
 * op by op on copies, is walked as a model's is. `failing`: the inputs whose gradient failed, the
 * worst first. Undefined where the forward does not tape, the backward's gradients are made without
 * ops, or nothing can be blamed. Never throws.
 */
export function localizeOpBackward(def: OpDef<any>, inputs: readonly Tensor[], failing: readonly number[], seed: number): Blame | undefined {
  const custom = definedOps.find((o) => o.def === def);
  if (!custom || !isGradEnabled()) return undefined;
  // Copies throughout (Tensor.clone): the user's code must not move the captured inputs.
  const copy = (x: Tensor) => x.clone();
  try {
    const y = noGrad(() => custom.forward(...inputs.map(copy)));
    if (!(y instanceof Tensor)) return undefined;
    const dy = new Tensor(randomNormal(y.size, new Rng(seed)), y.shape.slice());
    const leaves = inputs.map((x) => new Tensor(x.data.slice(), x.shape.slice(), true));
    const params = Object.fromEntries(leaves.map((x, i) => [`x${i}`, x]));
    const known = knownGoodOf({ run: () => custom.forward(...leaves), inputs: {}, params, seed: { tensor: dy, label: 'dy (the upstream gradient)' } });
    if (!known) return undefined;
    const records: OpRecord[] = [];
    const returned = withOpObserver(recorder(records, true), () => custom.backward(dy, inputs.map(copy), copy(y)));
    if (records.length >= MAX_RECORDS || !Array.isArray(returned)) return undefined;
    const byOut = new Map(records.map((r) => [r.out.id, r]));
    for (const i of failing) {
      const g = returned[i];
      const truth = known.paramGrads.get(`x${i}`);
      if (!(g instanceof Tensor) || !truth || g.size !== truth.size) continue;
      const blame = blameFor(`x${i}`, g, truth, byOut, known, true);
      if (blame) return blame;
    }
  } catch {
    // A backward that throws the second time, or anything unexpected: no blame.
  }
  return undefined;
}

// ---- The walk ----------------------------------------------------------------------------------

/**
 * @param unambiguous blame by the walk alone (no scale or factor evidence) only where the wrong
 *   region starts at one op: a custom op's backward is often a fused formula whose intermediates
 *   (mean(dy) in a layer norm's) match no adjoint of its forward, so several ops start the region
 *   and the first that takes dy is no better a guess than the others.
 */
function blameFor(param: string, g: Tensor, truth: Tensor, byOut: Map<number, OpRecord>, good: KnownGood, unambiguous = false): Blame | undefined {
  const known = good.set;
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
  const factorOf = (r: OpRecord) => wrongLocalFactor(r, region, producer, inRegion, good);
  const scaled = scaleSlip(param, g, truth, region, producer, inRegion, known, factorOf);
  if (scaled) return scaled;
  // Where a right adjoint turns wrong. Failing that, where the last value that is right up to a
  // constant factor goes on; failing that too, the chain is wrong from its very start.
  const takesAdjoint = [...region].filter((r) => r.inputs.some((x) => !inRegion(x) && known.match(x)?.known.kind === 'adjoint'));
  if (takesAdjoint.length === 0) {
    const scaled = afterScaledAdjoint(param, root, region, inRegion, known);
    if (scaled) return scaled;
  }
  const starts = [...region].filter((r) => !r.inputs.some(inRegion));
  if (unambiguous && starts.length > 1) return undefined;
  const blamed = earliest(takesAdjoint) ?? earliest(starts)!;
  const factor = takesAdjoint.length ? factorOf(blamed) : undefined;
  if (factor && factor.at !== blamed) return factorBlame(`The gradient of ${param} goes wrong in ${factor.what}: ${factor.off}`, factor, producer, inRegion, known);
  const site = blamed.site?.frame;
  if (!site) return undefined; // no user frame on the stack: nothing to point at
  const message = explain(param, blamed, blamed === root, takesAdjoint.length > 0, producer, inRegion, known, factor && { words: `${capitalised(factor.what)}: ${factor.off}`, input: factor.factor });
  const related = chainStarts(blamed, producer, inRegion);
  return { site, message, ...(related.length ? { related } : {}) };
}

/**
 * Where the blamed op's unchecked inputs begin: for each input from the wrong region whose ops
 * start at one op (fed only by right values, constants or made tensors), that op's place, which
 * the message could not name (a layer norm's backward that drops eps: dy meets a wrong x̂ at the
 * blamed product, and x̂'s chain starts at the sqrt that lacks it).
 */
function chainStarts(blamed: OpRecord, producer: (x: Tensor) => OpRecord | undefined, inRegion: (x: Tensor) => boolean): { site: string; what: string }[] {
  const out: { site: string; what: string }[] = [];
  for (const x of blamed.inputs) {
    if (!inRegion(x)) continue;
    const starts = [...regionChain(x, producer, inRegion)].filter((r) => !r.inputs.some(inRegion));
    const start = starts.length === 1 ? starts[0] : undefined;
    const site = start?.site?.frame;
    if (start && start !== producer(x) && site) out.push({ site, what: `That input (the result of ${aCall(producer(x)!.op.name)}) comes from right values through ops that start at the ${start.op.name} call` });
  }
  return out;
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
  factorOf: (r: OpRecord) => WrongFactor | undefined,
): Blame | undefined {
  const factor = factorBetween(g.data, truth.data);
  if (factor === undefined) return undefined;
  const carries = (r: OpRecord | undefined): boolean => r !== undefined && known.scaledAdjoint(r.out, factor) !== undefined;
  const first = earliest([...region].filter((r) => carries(r) && !r.inputs.some((x) => inRegion(x) && carries(producer(x)))));
  const site = first?.site?.frame;
  if (!first || !site) return undefined;
  const times = factorWords(factor);
  const lead = `The gradient of ${param} is ${times} the true one (∂L/∂${param}) in every element: a constant factor is wrong (a mean's 1/N, the loss's own scale, a sign).`;
  // A sign flipped in σ' written out on a line of its own (a1 ⊙ (a1 − 1)): that line is the slip.
  const local = factorOf(first);
  if (local && local.at !== first) return factorBlame(`${lead} It comes from ${local.what}: ${local.off}`, local, producer, inRegion, known);
  const scaledOf = known.scaledAdjoint(first.out, factor)!;
  const of = scaledOf.exact ? scaledOf.known.label : `${scaledOf.known.label}, rearranged`;
  const right = first.inputs.filter((x) => !inRegion(x)).map((x) => outsideLabel(x, known).label);
  const unchecked = first.inputs.filter(inRegion).map((x) => `the result of ${aCall(producer(x)!.op.name)}`);
  const parts = [
    lead,
    `The factor first appears at this ${first.op.name} call${right.length ? `, with ${right.join('; ')}` : ''}: its result is ${times} ${of}.`,
  ];
  if (unchecked.length) parts.push(`Its other input (${unchecked.join('; ')}) could not be checked against anything and may hold the factor.`);
  if (local) parts.push(`${capitalised(local.what)}: ${local.off}`);
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
    for (const x of r.inputs) if (!inRegion(x) && x.size === 1 && !known.match(x)) constants.push(`${x.data[0]} at ${aCall(r.op.name)}`);
  }
  const parts = [
    `No value on the way to the gradient of ${param} equals a true adjoint, but the result of ${aCall(at.op.name)} is ${factorWords(factor)} ${of.label} in every element: right up to a constant factor, as a scale applied later (a mean's 1/N, the loss's own scale) makes it.`,
    `So the mistake is at this ${next.op.name} call, which uses that result, or after it, before the gradient of ${param} is returned.`,
  ];
  if (constants.length) parts.push(`The constant${constants.length > 1 ? 's' : ''} used there, ${constants.join('; ')}, ${constants.length > 1 ? 'are' : 'is'} not checked by anything: a wrong scale is the likeliest slip.`);
  return { site, message: parts.join(' ') };
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

function explain(
  param: string,
  blamed: OpRecord,
  isRoot: boolean,
  anchored: boolean,
  producer: (x: Tensor) => OpRecord | undefined,
  inRegion: (x: Tensor) => boolean,
  known: KnownSet,
  /** A wrong pointwise derivative the blamed product multiplies in (localFactor.ts), and that factor. */
  factor?: { words: string; input?: Tensor },
): string {
  const op = blamed.op.name;
  const inputs = classifyInputs(blamed, producer, inRegion, known, undefined, factor?.input);
  const rightPart = rightInputs(inputs.right);
  const parts: string[] = [];
  if (!anchored) {
    parts.push(`No value on the way to the gradient of ${param} matches a true adjoint, so it is wrong from the start of its chain; this ${op} call is the first step that matches nothing${rightPart ? `: ${rightPart}` : ''}.`);
  } else if (isRoot) {
    parts.push(`The gradient of ${param} is wrong as this ${op} call returns it${rightPart ? `: ${rightPart}, its result is not` : ''}.`);
  } else {
    parts.push(`The gradient of ${param} first goes wrong at this ${op} call${rightPart ? `: ${rightPart}, its result matches no true adjoint` : ''}.`);
  }
  parts.push(...uncheckedSentences(inputs));
  if (factor) parts.push(factor.words);
  const hint = derivativeHint(blamed, known) ?? orientationHint(blamed, inRegion, known);
  if (hint) parts.push(hint);
  return parts.join(' ');
}
