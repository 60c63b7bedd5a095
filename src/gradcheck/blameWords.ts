// The words of a blame (localize.ts, localFactor.ts): what each input of the blamed op is (right,
// unchecked, made without ops), the hints that quote an op's derivative rule or its orientation,
// and the small walks over the wrong region both share.
import type { OpDef } from '../engine/registry';
import type { Tensor } from '../engine/tensor';
import { latexToText } from '../shared/latexText';
import type { KnownSet, OpRecord } from './knownGood';

/** The op record that ran first. */
export function earliest(rs: readonly OpRecord[]): OpRecord | undefined {
  return rs.reduce<OpRecord | undefined>((a, r) => (!a || r.index < a.index ? r : a), undefined);
}

/** What an input from outside the wrong region is: the known-good value it equals, or (unchecked) a constant. */
export function outsideLabel(x: Tensor, known: KnownSet): { label: string; checked: boolean } {
  const m = known.match(x);
  if (m) return { label: m.exact ? m.known.label : `${m.known.label}, rearranged`, checked: true };
  return { label: x.size === 1 ? `the constant ${x.data[0]}` : 'a tensor made without ops', checked: false };
}

export interface BlamedInputs {
  /** Known-good values, by label. */
  right: string[];
  /** Results of other wrong-region ops. */
  unchecked: string[];
  /**
   * Made without ops and matching nothing known: no evidence either way. A mask or a slope the
   * backward wrote out may well be the mistake, so it is never called right.
   */
  given: string[];
  /** A right value used where another is needed (the 1st relu's derivative where the 2nd's belongs). */
  misused: string[];
}

/** The ops of the wrong region that `x` (a result of one of them) is made by: its producer and, back from it, every producer inside the region. */
export function regionChain(x: Tensor, producer: (x: Tensor) => OpRecord | undefined, inRegion: (x: Tensor) => boolean): Set<OpRecord> {
  const chain = new Set<OpRecord>();
  const stack = [producer(x)!];
  while (stack.length) {
    const r = stack.pop()!;
    if (chain.has(r)) continue;
    chain.add(r);
    for (const y of r.inputs) if (inRegion(y)) stack.push(producer(y)!);
  }
  return chain;
}

/** "a mul call", "an add call". */
export function aCall(op: string): string {
  return `${/^[aeiou]/i.test(op) ? 'an' : 'a'} ${op} call`;
}

/** `vouched`: an input known to be right by other means (WrongFactor.right), with its label. */
export function classifyInputs(
  blamed: OpRecord,
  producer: (x: Tensor) => OpRecord | undefined,
  inRegion: (x: Tensor) => boolean,
  known: KnownSet,
  vouched?: { input: Tensor; label: string },
  /** An input known to be the wrong factor here (localFactor.ts), though it equals a right value. */
  misused?: Tensor,
): BlamedInputs {
  const inputs: BlamedInputs = { right: [], unchecked: [], given: [], misused: [] };
  for (const x of blamed.inputs) {
    if (x === vouched?.input) inputs.right.push(vouched.label);
    else if (inRegion(x)) inputs.unchecked.push(`the result of ${aCall(producer(x)!.op.name)}`);
    else {
      const { label, checked } = outsideLabel(x, known);
      (x === misused && checked ? inputs.misused : checked ? inputs.right : inputs.given).push(label);
    }
  }
  return inputs;
}

/** "its input (X) is right", "its inputs (A; B) are right", or '' for none. */
export function rightInputs(right: readonly string[]): string {
  return right.length ? `its input${right.length > 1 ? 's' : ''} (${right.join('; ')}) ${right.length > 1 ? 'are' : 'is'} right` : '';
}

/** The sentences that say which inputs nothing could check, so the mistake may be in them. */
export function uncheckedSentences({ right, unchecked, given, misused }: BlamedInputs): string[] {
  const parts: string[] = [];
  if (misused.length) parts.push(`Its other input is ${misused.join('; ')}: a right value, but not the one this product needs.`);
  if (unchecked.length) parts.push(`Its other input (${unchecked.join('; ')}) could not be checked against anything and may hold the mistake.`);
  if (given.length) {
    const one = given.length === 1;
    const which = one ? (unchecked.length ? 'And its input' : right.length ? 'Its other input' : 'Its input') : 'Its inputs';
    parts.push(`${which}, ${given.join('; ')}, ${one ? 'is' : 'are'} not checked by anything: ${one ? 'it' : 'they'} may hold the mistake (a mask or a slope written out by hand).`);
  }
  return parts;
}

/**
 * ∂L/∂(σ output) going into the blamed call suggests the backward did not pass through σ:
 * its derivative was left out, or only partly applied. The hint quotes the op's own rule.
 */
export function derivativeHint(blamed: OpRecord, known: KnownSet): string | undefined {
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

/** Ops whose result depends on how their inputs are laid out, not only on their values. */
const LAYOUT_OPS = new Set(['matmul', 'conv2d', 'matmulGradA', 'matmulGradB', 'conv2dGradInput', 'conv2dGradWeight']);

/**
 * A product or convolution whose every input is right, and whose result is not, combines right
 * values the wrong way: the likeliest slip is the orientation (X·dZ for Xᵀ·dZ, a kernel not
 * flipped) or the order of the arguments, and the hint says so.
 */
export function orientationHint(blamed: OpRecord, inRegion: (x: Tensor) => boolean, known: KnownSet): string | undefined {
  if (!LAYOUT_OPS.has(blamed.op.name) || !blamed.inputs.every((x) => !inRegion(x) && known.match(x))) return undefined;
  return `Hint: every input of this ${blamed.op.name} call is right and its result is not, so they are combined the wrong way: is a transpose, a permute or a kernel flip missing or extra, or are the arguments in the wrong order?`;
}

/** Families of maps whose output has their input's shape: a backward must multiply their derivative in. */
const HINTED_FAMILIES = new Set(['arithmetic', 'activation']);

/**
 * The registry's rule of a one-input map (σ, tanh, exp, softmax, ...) in the Unicode the hovers
 * show: `for y = tanh(x), x̄ = ȳ ⊙ (1-tanh²(x)), with ȳ = ∂L/∂(tanh output)`. None for other ops:
 * a matmul's or a reshape's rule is no derivative that a backward forgets to apply.
 */
export function derivativeRule(op: OpDef<any>, adjoint: string): string | undefined {
  const grad = op.latex.grads[0];
  if (!HINTED_FAMILIES.has(op.family) || op.variadic || op.inputs.length !== 1 || !grad) return undefined;
  return `for ${latexToText(op.latex.forward)}, ${latexToText(grad)}, with ȳ = ${adjoint}`;
}

export function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
