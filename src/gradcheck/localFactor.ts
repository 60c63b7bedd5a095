// A pointwise op's derivative as a hand-written backward multiplies it in (σ' written as
// a1 ⊙ (1 − a1), relu's mask, tanh's 1 − h²), checked element by element against the op's true
// derivative at the forward's values (knownGood.ts localDerivatives): a slip there is blamed where
// the factor goes wrong, not on the product that uses it (localize.ts).
import { type Tensor, unravel } from '../engine/tensor';
import { fmtIndex, fmtPair } from '../shared/verdict';
import { capitalised, classifyInputs, derivativeRule, earliest, regionChain, rightInputs, uncheckedSentences } from './blameWords';
import { type Known, type KnownGood, type KnownSet, MATCH_RTOL, type OpRecord, maxAbs } from './knownGood';
import type { Blame } from './types';

/** A pointwise op's derivative, as the backward multiplied it in, that differs from the true one. */
export interface WrongFactor {
  /** Where to blame: the first op of the factor's own chain that goes wrong, else the product itself. */
  at: OpRecord;
  /** "the factor that ∂L/∂(sigmoid output) is multiplied by here to pass back through the sigmoid". */
  what: string;
  /** "it should be …, and differs from it in 64 of 16,384 elements, worst [27,137]: 0.2525 against 0.25." */
  off: string;
  /** The op's rule, as the hints quote it. */
  rule?: string;
  /** An input of `at` that is the derivative but on the op's kinks (a relu mask taken as relu'(0) = 1), with its label. */
  right?: { input: Tensor; label: string };
  /** The factor itself, where it comes into the blamed product from outside the wrong region (a right value of another op, a made tensor). */
  factor?: Tensor;
}

/**
 * The blamed product multiplies a right ∂L/∂y, for a pointwise y = f(x), by a factor: the result is
 * ∂L/∂x only when that factor is f'(x), which the known-good values hold, so it can be compared
 * element by element. Where it differs and the backward made it with ops of its own (σ' as
 * a1 ⊙ (1 − a1) on a line before the product), the mistake is in that chain, not in the product:
 * the blame moves to the first op there that takes a right value and gives a wrong one (a slip of
 * one column's slope, a constant 1.01 for 1). Otherwise the product stays blamed, and the sentence
 * says where the factor is off.
 */
export function wrongLocalFactor(product: OpRecord, region: Set<OpRecord>, producer: (x: Tensor) => OpRecord | undefined, inRegion: (x: Tensor) => boolean, good: KnownGood): WrongFactor | undefined {
  if (product.op.name !== 'mul' || product.inputs.length !== 2) return undefined;
  for (let i = 0; i < 2; i++) {
    const [adjoint, factor] = [product.inputs[i], product.inputs[1 - i]];
    if (inRegion(adjoint) || factor.size !== adjoint.size) continue;
    // The adjoint in its own order (a rearranged one would need the factor rearranged alike).
    const through = good.set.exactAdjoints(adjoint).find((k) => k.of && good.derivatives.has(k.of));
    if (!through?.of) continue;
    const derivative = good.derivatives.get(through.of)!;
    const differing = differences(factor.data, derivative.value.data);
    // Where the op's input sits on a kink the factor may take the other one-sided value (relu'(0) = 1).
    const kinks = derivative.onKinks(differing);
    const wrong = differing.filter((k) => !kinks.has(k));
    const off = worstOf(wrong, factor.data, derivative.value.data);
    if (off.count === 0) return undefined;
    // Four digits at least: a slope off by 1 % should read as 0.2525 against 0.25, not 0.252.
    const [was, should] = fmtPair(factor.data[off.worst], derivative.value.data[off.worst], 4);
    const index = fmtIndex(unravel(off.worst, factor.shape));
    const rule = derivativeRule(through.of.op, through.label);
    const fromOps = inRegion(factor);
    const what = `the factor that ${through.label} is multiplied by${fromOps ? ' (at a mul call)' : ' here'} to pass back through the ${opLabel(through)}`;
    const elements = `${off.count.toLocaleString('en-US')} of ${factor.size.toLocaleString('en-US')} element${factor.size > 1 ? 's' : ''}`;
    const atKinks = kinks.size ? ` (besides ${kinks.size.toLocaleString('en-US')} on the ${opLabel(through)}'s kink, where either one-sided value is right)` : '';
    const words = { what, off: `it should be ${derivative.label}, and differs from it in ${elements}${atKinks}${sharedLine(wrong, factor.shape)}, worst ${index}: ${was} against ${should}.`, rule };
    if (!fromOps) return { at: product, ...words, factor };
    // The factor's own chain: the ops of the wrong region it is made by.
    const chain = regionChain(factor, producer, inRegion);
    // A step of the chain that is the derivative except on the op's kinks is right (relu's mask
    // written as z ≥ 0): the first op that takes such a step and gives a value that is not, is blamed.
    const onKinksOnly = (t: Tensor) => t.size === factor.size && differences(t.data, derivative.value.data).every((k) => kinks.has(k));
    for (const r of [...chain].sort((a, b) => a.index - b.index)) {
      const input = r.inputs.find((x) => inRegion(x) && onKinksOnly(x));
      if (input && !onKinksOnly(r.out)) return { at: r, ...words, right: { input, label: `${derivative.label}, but on the ${opLabel(through)}'s kink, where it takes the other one-sided value` } };
    }
    const takesRight = [...chain].filter((r) => r.inputs.some((x) => !inRegion(x) && good.set.match(x)));
    const at = earliest(takesRight) ?? earliest([...chain].filter((r) => !r.inputs.some(inRegion)))!;
    return { at, ...words };
  }
  return undefined;
}

/** The blame inside a wrong factor's chain: what the factor should be, then this op's inputs. */
export function factorBlame(lead: string, { at, rule, right }: WrongFactor, producer: (x: Tensor) => OpRecord | undefined, inRegion: (x: Tensor) => boolean, known: KnownSet): Blame | undefined {
  const site = at.site?.frame;
  if (!site) return undefined;
  const inputs = classifyInputs(at, producer, inRegion, known, right);
  const rightPart = rightInputs(inputs.right);
  const parts = [lead, `The factor first goes wrong at this ${at.op.name} call${rightPart ? `: ${rightPart}, its result is not` : ''}.`, ...uncheckedSentences(inputs)];
  if (rule) parts.push(`${capitalised(rule)}.`);
  return { site, message: parts.join(' ') };
}

/**
 * ", all in column 137" when the wrong elements of a matrix (or a batch of rows) share their last
 * index, ", all in row 3" when they share their first: one unit's slope, or one sample's.
 */
function sharedLine(indices: readonly number[], shape: readonly number[]): string {
  if (indices.length < 2 || shape.length < 2) return '';
  const at = indices.map((k) => unravel(k, shape));
  const last = shape.length - 1;
  if (at.every((i) => i[last] === at[0][last])) return `, all in column ${at[0][last]}`;
  if (at.every((i) => i[0] === at[0][0])) return `, all in row ${at[0][0]}`;
  return '';
}

/** The elements of a that differ from b beyond rounding (as values match). */
function differences(a: Float64Array, b: Float64Array): number[] {
  const tol = MATCH_RTOL * maxAbs(b);
  const out: number[] = [];
  for (let k = 0; k < a.length; k++) if (!(Math.abs(a[k] - b[k]) <= tol)) out.push(k);
  return out;
}

/** How many of `indices` there are, and the one where a and b differ most. */
function worstOf(indices: readonly number[], a: Float64Array, b: Float64Array): { count: number; worst: number } {
  let worst = 0;
  let worstBy = -1;
  for (const k of indices) {
    const d = Math.abs(a[k] - b[k]);
    const by = Number.isNaN(d) ? Infinity : d;
    if (by > worstBy) [worst, worstBy] = [k, by];
  }
  return { count: indices.length, worst };
}

/** "sigmoid" from "∂L/∂(sigmoid output)": the forward op a known adjoint belongs to, as labelled. */
function opLabel(adjoint: Known): string {
  return /^∂L\/∂\((.*) output\)$/.exec(adjoint.label)?.[1] ?? adjoint.of!.op.name;
}
