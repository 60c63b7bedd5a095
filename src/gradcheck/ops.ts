// Custom ops checked where they are called. The model's forward runs once under an op observer
// that copies every custom op call's actual inputs and notes its call site; each call is then
// checked on its own: the op's hand-written VJP against central differences of a random
// projection of its output. A wrong backward is thus blamed on the op and the line that calls it,
// not only on the parameters upstream of it.
import { type OpObserver, grad, noGrad } from '../engine/autograd';
import { callerFrame } from '../engine/callSite';
import { definedOps } from '../engine/define';
import { Rng } from '../engine/random';
import { type OpDef, apply, vjpFor } from '../engine/registry';
import { Tensor } from '../engine/tensor';
import { Tally, type Tolerance, violation } from './compare';
import { Differences } from './differences';
import { compareExactly, gradientScale } from './exact';
import { type Objective, project } from './objective';
import { type Strategy, checkTensor, randomNormal } from './strategies';
import { localizeOpBackward } from './localize';
import type { CheckOptions, OpCheck, TensorCheck } from './types';

export interface CapturedCall {
  def: OpDef<any>;
  /** Copies of the inputs as they were at the call. */
  inputs: Tensor[];
  attrs: unknown;
  site: string;
  /** Which call of this op in the run (0-based). */
  callIndex: number;
}

/** A loop may call an op thousands of times: keep the first calls, check a few per call site. */
const MAX_CAPTURED_PER_OP = 256;
const MAX_CHECKED_PER_SITE = 8;
/**
 * A full check of an op call costs two op forwards per input element, each O(size): quadratic.
 * Above this many input elements a full-mode run checks the op with the fast drill-down instead.
 */
const OP_FULL_LIMIT = 1024;

export function captureCustomCalls(into: CapturedCall[]): OpObserver {
  const counts = new Map<OpDef<any>, number>();
  return (op, inputs, _out, attrs) => {
    if (op.family !== 'custom') return;
    const callIndex = counts.get(op) ?? 0;
    counts.set(op, callIndex + 1);
    if (callIndex >= MAX_CAPTURED_PER_OP) return;
    into.push({ def: op, inputs: inputs.map(copyOf), attrs, site: callSiteOf(op), callIndex });
  };
}

/** The stack line of the user's call of the function defineOp returned (its definition if none is found). */
function callSiteOf(op: OpDef<any>): string {
  const custom = definedOps.find((o) => o.def === op);
  if (!custom) return '';
  return callerFrame(custom.fn) || custom.site;
}

function copyOf(x: Tensor): Tensor {
  return new Tensor(x.data.slice(), x.shape.slice());
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface OpCallResult {
  /** One check per differentiable input; `input` is its position in the call. */
  inputs: (TensorCheck & { input: number })[];
  error?: string;
}

export interface OpCheckSettings {
  tol: Tolerance;
  eps: number;
  mode: 'full' | 'fast' | 'sampled';
  samples: number;
  paramBudget: number;
  rng: Rng;
}

/**
 * Checks one op application: its VJP against central differences of wᵀ op(xs) for a random w.
 * Works for any registry entry, custom or built-in.
 */
export function checkOpCall(def: OpDef<any>, inputs: readonly Tensor[], attrs: unknown, s: OpCheckSettings): OpCallResult {
  const xs = inputs.map(copyOf);
  const noop = () => {};
  const run = () => noGrad(() => def.forward(xs, attrs, noop));
  let w: Float64Array;
  let grads: Float64Array[];
  try {
    const y0 = run();
    w = y0.size === 1 ? Float64Array.of(1) : randomNormal(y0.size, s.rng);
    const leaves = xs.map((x) => new Tensor(x.data.slice(), x.shape.slice(), true));
    const y = apply(def, leaves, attrs);
    grads = grad(y, leaves, new Tensor(w, y.shape.slice())).map((g) => g.data);
  } catch (e) {
    return { inputs: [], error: message(e) };
  }
  // Integer inputs whose gradient is zero are indices or labels: perturbing them means nothing.
  const which = xs.map((_, i) => i).filter((i) => vjpFor(def, i) && !(isWhole(xs[i]) && grads[i].every((g) => g === 0)));
  // A custom op whose forward is built from F ops: autograd differentiates that forward exactly,
  // so the hand-written backward is compared with it element by element.
  const reference = def.family === 'custom' ? autogradOfForward(def, xs, w) : undefined;
  const objective: Objective = {
    names: which.map((i) => `x${i}`),
    tensors: which.map((i) => xs[i]),
    value: () => project(run(), w),
  };
  if (reference) {
    const scale = gradientScale(which.map((i) => reference[i]));
    // Central differences only to ask whether an element that differs sits on a kink (exact.ts).
    let diff: Differences | undefined;
    const excuse = (t: number) => (k: number, a: number) => (diff ??= new Differences(objective, s.eps, objective.value())).kinkExcuse(t, k, a, s.tol);
    try {
      return { inputs: which.map((i, t) => ({ ...compareExactly(`x${i}`, xs[i].shape, grads[i], reference[i], s.tol, scale, excuse(t)).check, input: i })) };
    } catch (e) {
      return { inputs: [], error: message(e) };
    }
  }
  const total = which.reduce((n, i) => n + xs[i].size, 0);
  const mode = s.mode === 'full' && total > Math.min(s.paramBudget, OP_FULL_LIMIT) ? 'fast' : s.mode;
  const strategy: Strategy = { mode, tol: s.tol, rng: s.rng, samples: s.samples, fallbackLimit: s.paramBudget };
  try {
    const diff = new Differences(objective, s.eps, objective.value());
    return {
      inputs: which.map((i, t) => {
        const tally = new Tally(`x${i}`, xs[i].shape, s.tol, s.mode);
        checkTensor(diff, t, [{ grad: grads[i], tally }], strategy);
        return { ...tally.result(), input: i };
      }),
    };
  } catch (e) {
    return { inputs: [], error: message(e) };
  }
}

/**
 * wᵀ∂forward/∂x by autograd through the user's own forward, or undefined where that forward does
 * not tape: it computes on `.data` (in whole or in part), or returns something not derived from
 * its inputs. A part computed on `.data` would leave a path out of the gradient, so the result is
 * trusted only when it also agrees with a central difference along one random direction.
 */
export function autogradOfForward(def: OpDef<any>, xs: readonly Tensor[], w: Float64Array): Float64Array[] | undefined {
  const custom = definedOps.find((o) => o.def === def);
  if (!custom) return undefined;
  try {
    const grads = tapedGradient(custom.forward, xs, w);
    if (!grads) return undefined;
    if (agreesAlongDirection(custom.forward, xs, w, grads)) return grads;
    // Where x sits on a kink (relu or abs at 0, a max tie; a zero-initialised input puts every
    // element there), the central difference averages the two sides and differs from the
    // convention autograd takes, though the forward tapes in full. Whether it tapes does not hang
    // on the point: a part computed on .data leaves its path out of the gradient near x as well.
    // So the check is asked again a little off x, off its kinks; agreement there makes autograd at
    // x the reference, and the elements that differ from it are then asked whether they sit on a
    // kink and take a convention there (exact.ts). Without it a backward that drops a linear term
    // passed at a zero-initialised input: the dropped term's value lies between the slopes.
    const off = offKinks(xs);
    const offGrads = tapedGradient(custom.forward, off, w);
    return offGrads && agreesAlongDirection(custom.forward, off, w, offGrads) ? grads : undefined;
  } catch {
    return undefined;
  }
}

/** wᵀ∂forward/∂x by autograd, or undefined where the output is not taped from the inputs. */
function tapedGradient(forward: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], w: Float64Array): Float64Array[] | undefined {
  const leaves = xs.map((x) => new Tensor(x.data.slice(), x.shape.slice(), true));
  const y = forward(...leaves);
  if (!(y instanceof Tensor) || !y.node || y.size !== w.length) return undefined;
  return grad(y, leaves, new Tensor(w, y.shape.slice())).map((g) => g.data);
}

/**
 * The inputs moved by about 1e-3 of each element's size (at least 1e-3), in random directions: a
 * kink at x is then about 1e-3 away, far beyond the difference step, for every element but with
 * probability near zero.
 */
function offKinks(xs: readonly Tensor[]): Tensor[] {
  const rng = new Rng(0x0ff);
  return xs.map((x) => {
    const r = randomNormal(x.size, rng);
    return new Tensor(x.data.map((v, k) => v + OFF_KINKS * Math.max(1, Math.abs(v)) * r[k]), x.shape.slice());
  });
}

const OFF_KINKS = 1e-3;

/** Σ grads·u against (wᵀf(x + hu) − wᵀf(x − hu)) / 2h for a random u: the taped gradient is the whole gradient. */
function agreesAlongDirection(forward: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], w: Float64Array, grads: readonly Float64Array[]): boolean {
  const rng = new Rng(0x5eed);
  const dirs = xs.map((x) => randomNormal(x.size, rng));
  const h = 1e-6;
  const at = (sign: number): number =>
    noGrad(() => project(forward(...xs.map((x, i) => new Tensor(x.data.map((v, k) => v + sign * h * dirs[i][k]), x.shape.slice()))), w));
  const numeric = (at(1) - at(-1)) / (2 * h);
  const analytic = grads.reduce((s, g, i) => s + g.reduce((a, gk, k) => a + gk * dirs[i][k], 0), 0);
  return Math.abs(analytic - numeric) <= 1e-5 * (Math.abs(analytic) + Math.abs(numeric)) + 1e-8;
}

function isWhole(x: Tensor): boolean {
  return x.data.every((v) => Number.isInteger(v));
}

/** Checks the captured calls, one OpCheck per (op, call site), naming the worst call. */
export function checkCustomOps(calls: readonly CapturedCall[], opts: CheckOptions, mode: 'full' | 'fast' | 'sampled'): OpCheck[] {
  const groups = new Map<string, CapturedCall[]>();
  for (const c of calls) {
    const key = `${c.def.name}\u0000${c.site}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  const tol = { atol: opts.atol, rtol: opts.rtol };
  const out: OpCheck[] = [];
  let g = 0;
  for (const list of groups.values()) {
    const rng = new Rng(opts.seed + 1000 + g++);
    const settings: OpCheckSettings = { tol, eps: opts.eps, mode, samples: opts.samples, paramBudget: opts.paramBudget, rng };
    const check: OpCheck = { name: list[0].def.name, callIndex: list[0].callIndex, site: list[0].site, passed: true, maxAbsError: 0, maxRelError: 0, worst: null };
    const methods = new Set<string>();
    const shapesOf = (call: CapturedCall) => call.inputs.map((x) => x.shape.slice());
    check.inputShapes = shapesOf(list[0]);
    let worstScore = -1;
    const failingInputs: number[] = [];
    for (const call of list.slice(0, MAX_CHECKED_PER_SITE)) {
      const r = checkOpCall(call.def, call.inputs, call.attrs, settings);
      if (r.error !== undefined) {
        if (check.error === undefined) {
          check.error = `call ${call.callIndex}: ${r.error}`;
          check.callIndex = call.callIndex;
          check.inputShapes = shapesOf(call);
        }
        check.passed = false;
        worstScore = Infinity;
        continue;
      }
      for (const t of r.inputs) {
        methods.add(t.method);
        check.passed &&= t.passed;
        if (!t.passed && !failingInputs.includes(t.input)) failingInputs.push(t.input);
        // What decided the op's failure: its first failing input's signal (tolerance, or the noise floor within it).
        if (!t.passed && check.decidedBy === undefined && t.decidedBy !== undefined) check.decidedBy = t.decidedBy;
        check.maxAbsError = Math.max(check.maxAbsError, t.maxAbsError);
        check.maxRelError = Math.max(check.maxRelError, t.maxRelError);
        if (t.error !== undefined && check.error === undefined) check.error = `call ${call.callIndex}, input ${t.input}: ${t.error}`;
        if (!t.worst) continue;
        const score = violation(t.worst.analytic, t.worst.numeric, tol);
        if (score > worstScore) {
          worstScore = score;
          check.worst = { ...t.worst, input: t.input };
          if (t.noiseFloor !== undefined) check.noiseFloor = t.noiseFloor;
          else delete check.noiseFloor;
          check.callIndex = call.callIndex;
          check.inputShapes = shapesOf(call);
        }
      }
    }
    if (methods.size === 1) check.method = [...methods][0] as OpCheck['method'];
    // The line of the mistake in the op's backward, at its worst call (its failing inputs, the worst first).
    const worstCall = list.find((c) => c.callIndex === check.callIndex);
    if (!check.passed && check.worst && worstCall) {
      const failing = [check.worst.input, ...failingInputs.filter((i) => i !== check.worst!.input)];
      const blame = localizeOpBackward(worstCall.def, worstCall.inputs, failing, opts.seed + 2000 + g);
      if (blame) check.blame = blame;
    }
    out.push(check);
  }
  return out;
}
