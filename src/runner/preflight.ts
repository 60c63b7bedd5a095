// One forward and one backward before any check, so the common mistakes come back as a clear
// sentence at the user's line: a throw, a shape mismatch, a forward that returns nothing, NaN or
// Infinity in the loss (traced to the first op that produced it) or in a gradient.
import { grad, withOpObserver } from '../engine/autograd';
import { Tensor, unravel } from '../engine/tensor';
import type { RunError, SourceLocation } from '../shared/workerProtocol';
import { notATensorMessage } from '../engine/describeValue';
import { errorFromThrown, located, sentence } from './errors';
import type { NamedModel } from './models';
import type { UserFrames } from './userFrames';

export interface Preflight {
  loss: Tensor;
  /** Autograd gradients, one per parameter in definition order. */
  grads: Tensor[];
}

export function preflight(m: NamedModel, frames: UserFrames): Preflight | RunError {
  const { inputs, params } = m.model.spec;
  for (const [kind, rec] of [['input', inputs], ['parameter', params]] as const) {
    for (const [name, t] of Object.entries(rec)) {
      const bad = findNonFinite(t);
      if (bad) return located('nan', `The ${kind} '${name}' of model '${m.name}' contains ${bad}.`, m.loc);
    }
  }
  for (const p of Object.values(params)) p.requireGrad();

  // The first op whose inputs were finite but whose output was not is where the NaN was born.
  let firstBad: { op: string; loc?: SourceLocation; what: string } | undefined;
  let out: unknown;
  try {
    out = withOpObserver((op, xs, y) => {
      if (firstBad || findNonFinite(y) === undefined || xs.some((x) => findNonFinite(x) !== undefined)) return;
      firstBad = { op: op.name, loc: frames.here(), what: findNonFinite(y)! };
    }, () => m.model.spec.forward(inputs, params));
  } catch (err) {
    return errorFromThrown(err, frames, m.loc);
  }
  if (!(out instanceof Tensor)) return located('no-output', noOutputMessage(m, out), m.forwardLoc ?? m.loc);
  const lossBad = findNonFinite(out);
  if (lossBad) {
    const origin = firstBad ? `; it first appears in the output of ${firstBad.op} here (${firstBad.what})` : '';
    return located('nan', `The loss of model '${m.name}' contains ${lossBad}${origin}.`, firstBad?.loc ?? m.loc);
  }
  let grads: Tensor[];
  try {
    const seed = out.size === 1 ? undefined : new Tensor(new Float64Array(out.size).fill(1), out.shape.slice());
    grads = grad(out, Object.values(params), seed);
  } catch (err) {
    return errorFromThrown(err, frames, m.loc);
  }
  const names = Object.keys(params);
  for (let i = 0; i < grads.length; i++) {
    const bad = findNonFinite(grads[i]);
    if (bad) return located('nan', `The gradient of parameter '${names[i]}' in model '${m.name}' contains ${bad}.`, m.loc);
  }
  return { loss: out, grads };
}

/** 'NaN at [i, j]' for the first non-finite element, or undefined when all are finite. */
export function findNonFinite(t: Tensor): string | undefined {
  for (let k = 0; k < t.data.length; k++) {
    const v = t.data[k];
    if (Number.isFinite(v)) continue;
    const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return t.shape.length ? `${what} at index [${unravel(k, t.shape).join(', ')}]` : what;
  }
  return undefined;
}

export function noOutputMessage(m: NamedModel, value: unknown): string {
  return sentence(notATensorMessage('forward', value, `The forward of model '${m.name}'`));
}
