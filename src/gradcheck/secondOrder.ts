// The second-order check (`--order 2`): for one random direction v over all parameters, the
// Hessian-vector product H v by double backward (the recorded backward differentiated again)
// against central differences of the gradient along v, (∇L(θ + εv) − ∇L(θ − εv)) / 2ε, compared
// per parameter with the first order's tolerance and reported in the same shape. Where it goes
// wrong, each op the forward used is checked on its own (gradgrad.ts), so the report names the op
// whose VJP is not differentiated right.
//
// A hand-written model backward: order 2 checks the hand-written gradient's own derivative, central
// differences of backward() along v, against H v from double backward of the forward. A
// hand-written Hessian-vector product (the spec's `hessian`) is checked instead when there is one,
// against central differences of autograd's gradient along v.
import { grad, withOpObserver } from '../engine/autograd';
import { firstUserFrame } from '../engine/callSite';
import type { Model, ModelSpec } from '../engine/define';
import { hvp } from '../engine/hvp';
import { mul } from '../engine/ops/arithmetic';
import { sum } from '../engine/ops/reduce';
import { Rng } from '../engine/random';
import { type OpDef, vjpFor } from '../engine/registry';
import { Tensor, fmtShape, unravel } from '../engine/tensor';
import { ELEMENTS_MAX, failedCheck, relError, violation } from './compare';
import { manualGradients } from './manual';
import { withShiftAll } from './objective';
import { gradgradcheckOp } from './gradgrad';
import type { CheckOptions, ModelReport, OpCheck, TensorCheck } from './types';

/** An op's own second-order check compares at most this many (input, element) pairs. */
const OP_ELEMENTS_MAX = 2000;

export function checkSecondOrder(model: Model | ModelSpec, opts: CheckOptions): ModelReport {
  const spec = 'spec' in model ? (model as Model).spec : (model as ModelSpec);
  const name = spec.name ?? 'model';
  const names = Object.keys(spec.params);
  const params = names.map((n) => spec.params[n]);
  const before = params.map((p) => p.requiresGrad);
  params.forEach((p) => p.requireGrad());
  try {
    return checkAt(spec, name, names, params, opts);
  } finally {
    params.forEach((p, i) => p.requireGrad(before[i]));
  }
}

function checkAt(spec: ModelSpec, name: string, names: string[], params: Tensor[], opts: CheckOptions): ModelReport {
  const notes = ['Order 2: H·v by double backward against central differences of the gradient along one random direction v'];
  let projection: Float64Array | null = null;
  const loss = (): Tensor => {
    const out = spec.forward(spec.inputs, spec.params);
    if (!(out instanceof Tensor)) throw new Error(`forward() must return a tensor (the loss)`);
    if (out.size === 1) return out;
    // A non-scalar output is projected, as at first order: the check is of vᵀ y with a fixed v.
    if (!projection) projection = directions([out], opts.seed + 101)[0];
    return sum(mul(out, new Tensor(projection, out.shape.slice())));
  };
  let value: number;
  let outShape: number[];
  const calls: CapturedOp[] = [];
  try {
    const out = withOpObserver(captureOps(calls), () => spec.forward(spec.inputs, spec.params));
    outShape = out.shape.slice();
    value = loss().item();
  } catch (e) {
    return failed(name, `forward() threw: ${message(e)}`);
  }
  const v = directions(params, opts.seed + 7);
  const vt = v.map((d, i) => new Tensor(d, params[i].shape.slice()));
  const numericOf = (gradient: () => Float64Array[]): Float64Array[] => {
    const plus = withShiftAll(params, v, opts.eps, gradient);
    const minus = withShiftAll(params, v, -opts.eps, gradient);
    return plus.map((p, i) => p.map((x, k) => (x - minus[i][k]) / (2 * opts.eps)));
  };
  const autogradGradient = () => grad(loss(), params).map((g) => g.data.slice());

  let analytic: Float64Array[] | string;
  try {
    analytic = hvp(loss(), params, vt).map((h) => h.data.slice());
  } catch (e) {
    analytic = `double backward failed: ${message(e)}`;
  }
  const numeric = numericOf(autogradGradient);
  const rows = names.map((n, i) => (typeof analytic === 'string' ? failedCheck(n, params[i].shape, analytic, 'full') : compareRow(n, params[i].shape, analytic[i], numeric[i], opts)));

  let manual: TensorCheck[] | undefined;
  if (spec.hessian) {
    notes.push('The hand-written hessian(inputs, params, v) is checked against central differences of the gradient along v');
    manual = handHessianRows(spec, names, params, vt, numeric, opts);
  } else if (spec.backward) {
    notes.push("The hand-written backward is checked by its own derivative: central differences of backward() along v against H·v");
    const bad = manualGradients(spec, names, params, outShape, notes).find((g) => typeof g === 'string') as string | undefined;
    if (bad !== undefined || typeof analytic === 'string') {
      manual = names.map((n, i) => failedCheck(n, params[i].shape, bad ?? (analytic as string), 'full'));
    } else {
      const hand = numericOf(() => manualGradients(spec, names, params, outShape, []) as Float64Array[]);
      const exact = analytic;
      manual = names.map((n, i) => compareRow(n, params[i].shape, exact[i], hand[i], opts));
    }
  }

  const ops = calls.map((c) => opRow(c, opts));
  const all = [...rows, ...(manual ?? []), ...ops];
  const failing = all.find((r) => !r.passed);
  return {
    name,
    passed: !failing,
    ...(failing ? { decidedBy: 'decidedBy' in failing && failing.decidedBy ? failing.decidedBy : failing.error ? 'error' : 'tolerance' } : {}),
    mode: 'full',
    order: 2,
    loss: value,
    params: rows,
    ...(manual ? { manual } : {}),
    ops,
    deterministic: true,
    ...(projection ? { projected: true } : {}),
    notes,
  };
}

function handHessianRows(spec: ModelSpec, names: string[], params: Tensor[], v: Tensor[], numeric: Float64Array[], opts: CheckOptions): TensorCheck[] {
  let rec: unknown;
  try {
    rec = spec.hessian!(spec.inputs, spec.params, Object.fromEntries(names.map((n, i) => [n, v[i]])));
  } catch (e) {
    return names.map((n, i) => failedCheck(n, params[i].shape, `hessian() threw: ${message(e)}`, 'full'));
  }
  return names.map((n, i) => {
    const h = (rec as Record<string, unknown> | null)?.[n];
    if (!(h instanceof Tensor)) return failedCheck(n, params[i].shape, `hessian() returned no H·v tensor for '${n}'`, 'full');
    if (h.size !== params[i].size) return failedCheck(n, params[i].shape, `hessian() returned shape ${fmtShape(h.shape)} for '${n}', whose shape is ${fmtShape(params[i].shape)}`, 'full');
    return compareRow(n, params[i].shape, h.data, numeric[i], opts);
  });
}

/** One parameter's row: every element of H·v compared, the worst one reported. */
function compareRow(name: string, shape: readonly number[], analytic: ArrayLike<number>, numeric: ArrayLike<number>, opts: CheckOptions): TensorCheck {
  let worst = -1;
  let worstBad = -Infinity;
  let maxAbs = 0;
  let maxRel = 0;
  let wrong = 0;
  for (let k = 0; k < numeric.length; k++) {
    const bad = violation(analytic[k], numeric[k], opts);
    if (bad > 1) wrong++;
    maxAbs = Math.max(maxAbs, Number.isFinite(analytic[k] - numeric[k]) ? Math.abs(analytic[k] - numeric[k]) : Infinity);
    maxRel = Math.max(maxRel, relError(analytic[k], numeric[k], opts));
    if (bad > worstBad) {
      worstBad = bad;
      worst = k;
    }
  }
  const row: TensorCheck = {
    name,
    shape: shape.slice(),
    passed: wrong === 0,
    method: 'full',
    decidedBy: 'tolerance',
    ...(wrong ? { wrong } : {}),
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worst: worst < 0 ? null : { index: unravel(worst, shape), analytic: analytic[worst], numeric: numeric[worst] },
    checked: numeric.length,
  };
  if (numeric.length <= ELEMENTS_MAX) row.elements = { analytic: Array.from(analytic), numeric: Array.from(numeric) };
  return row;
}

interface CapturedOp {
  def: OpDef<any>;
  inputs: Tensor[];
  differentiable: boolean[];
  attrs: unknown;
  site: string;
}

/** The first call of each op with a gradient, its inputs copied as they were. */
function captureOps(into: CapturedOp[]) {
  const seen = new Set<string>();
  return (op: OpDef<any>, inputs: readonly Tensor[], _out: Tensor, attrs: unknown) => {
    const differentiable = inputs.map((x, i) => x.requiresGrad && vjpFor(op, i) !== null);
    if (seen.has(op.name) || !differentiable.some(Boolean)) return;
    seen.add(op.name);
    into.push({ def: op, inputs: inputs.map((x) => new Tensor(x.data.slice(), x.shape.slice())), differentiable, attrs, site: firstUserFrame(new Error().stack) });
  };
}

/** An op's own gradgradcheck at the model's first call of it. */
function opRow(c: CapturedOp, opts: CheckOptions): OpCheck {
  const r = gradgradcheckOp(c.def, c.inputs, c.attrs, c.differentiable, opts.seed, opts, OP_ELEMENTS_MAX);
  return {
    name: c.def.name,
    callIndex: 0,
    site: c.site,
    passed: r.passed,
    maxAbsError: r.error ? Infinity : r.maxAbsError,
    maxRelError: r.error ? Infinity : r.maxRelError,
    worst: r.worst,
    method: 'full',
    inputShapes: c.inputs.map((x) => x.shape.slice()),
    ...(r.error ? { error: `second order: ${r.error}` } : {}),
  };
}

/** One seeded standard-normal direction per tensor. */
function directions(ts: readonly Tensor[], seed: number): Float64Array[] {
  const rng = new Rng(seed);
  return ts.map((t) => Float64Array.from({ length: t.size }, () => rng.normal()));
}

function failed(name: string, error: string): ModelReport {
  return { name, passed: false, decidedBy: 'error', mode: 'full', order: 2, loss: NaN, params: [], ops: [], deterministic: false, error };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
