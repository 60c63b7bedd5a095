// checkModel: every check the report promises, for one model. The order matters for cost: one
// traced forward (autograd gradient, custom-op calls), one more for the determinism check, then
// the mode's central differences, the Taylor test and the custom ops at their call sites.
import { grad, noGrad, withOpObserver } from '../engine/autograd';
import type { Model, ModelSpec } from '../engine/define';
import { notATensorMessage } from '../engine/describeValue';
import { Rng } from '../engine/random';
import { GradlensError, Tensor, fmtShape, unravel } from '../engine/tensor';
import { Tally, failedCheck } from './compare';
import { Differences } from './differences';
import { localizeManualMistakes } from './localize';
import { manualGradients } from './manual';
import { type Objective, project } from './objective';
import { type CapturedCall, captureCustomCalls, checkCustomOps } from './ops';
import { type GradientSet, type Strategy, checkTensor, randomNormal, skipTensor } from './strategies';
import { taylorTest } from './taylor';
import { type CheckOptions, type ModelReport, type TensorCheck, defaultCheckOptions } from './types';

/** Independent random streams, so changing one check's draws leaves the others as they were. */
const STREAM = { projection: 1, directions: 2, taylor: 3 } as const;

/** What checkModel accepts beyond CheckOptions: the pool's way of sharing one model's check. */
export interface ModelCheckOptions extends CheckOptions {
  /**
   * Check only these parameters. The rest of the report (loss, determinism, the hand-written
   * backward's notes, the Taylor slope over ALL parameters, the custom ops) is what a check of the
   * whole model gives, so pool workers' shares concatenate into the single-worker report.
   */
  paramNames?: string[];
  /** Known kinks of parameters checked elsewhere (flat indices by name): the Taylor direction avoids them too. */
  taylorAvoid?: Record<string, number[]>;
}

/** With `paramNames`: also the kinks found in the checked parameters, for the pool to share. */
export interface ModelCheckReport extends ModelReport {
  kinks?: Record<string, number[]>;
}

export function resolveOptions(options: Partial<CheckOptions> = {}): CheckOptions {
  const opts = { ...defaultCheckOptions, ...options };
  const positive = (key: 'eps' | 'paramBudget' | 'samples') => {
    if (!(typeof opts[key] === 'number' && opts[key] > 0 && Number.isFinite(opts[key]))) throw new GradlensError('gradcheck', `option ${key} must be a positive number, got ${opts[key]}`);
  };
  positive('eps');
  positive('samples');
  if (!(opts.paramBudget >= 0)) throw new GradlensError('gradcheck', `option paramBudget must be >= 0, got ${opts.paramBudget}`);
  for (const key of ['atol', 'rtol'] as const) {
    if (!(opts[key] >= 0)) throw new GradlensError('gradcheck', `option ${key} must be >= 0, got ${opts[key]}`);
  }
  if (!['auto', 'full', 'fast', 'sampled'].includes(opts.mode)) throw new GradlensError('gradcheck', `unknown mode '${opts.mode}' (auto, full, fast or sampled)`);
  return opts;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function checkModel(model: Model | ModelSpec, options: Partial<ModelCheckOptions> = {}): ModelCheckReport {
  const { paramNames, taylorAvoid, ...checkOptions } = options;
  const opts = resolveOptions(checkOptions);
  const spec: ModelSpec = 'spec' in model && (model as Model).kind === 'gradlens.model' ? (model as Model).spec : (model as ModelSpec);
  const names = Object.keys(spec.params);
  for (const name of [...(paramNames ?? []), ...Object.keys(taylorAvoid ?? {})]) {
    if (!names.includes(name)) throw new GradlensError('gradcheck', `the model has no parameter '${name}' (it has ${names.join(', ') || 'none'})`);
  }
  const share: Share = { checked: paramNames ? new Set(paramNames) : undefined, avoid: taylorAvoid ?? {} };
  const params = names.map((n) => spec.params[n]);
  const total = params.reduce((s, p) => s + p.size, 0);
  const mode = opts.mode === 'auto' ? (total <= opts.paramBudget ? 'full' : 'fast') : opts.mode;
  const report: ModelCheckReport = { name: spec.name ?? 'model', passed: false, mode, loss: NaN, params: [], ops: [], deterministic: true };
  const notes: string[] = [];
  const flags = params.map((p) => p.requiresGrad);
  params.forEach((p) => (p.requiresGrad = true));
  try {
    run(spec, names, params, opts, share, report, notes);
  } catch (e) {
    report.error = message(e);
    report.passed = false;
  } finally {
    params.forEach((p, i) => (p.requiresGrad = flags[i]));
  }
  if (notes.length) report.notes = notes;
  return report;
}

function forwardOf(spec: ModelSpec): Tensor {
  const y = spec.forward(spec.inputs, spec.params);
  if (!(y instanceof Tensor)) throw new GradlensError('forward', notATensorMessage('forward', y, ''));
  return y;
}

/** Which parameters this call checks (all when undefined), and kinks found by other calls. */
interface Share {
  checked?: ReadonlySet<string>;
  avoid: Record<string, number[]>;
}

function run(spec: ModelSpec, names: string[], params: Tensor[], opts: CheckOptions, share: Share, report: ModelCheckReport, notes: string[]): void {
  const tol = { atol: opts.atol, rtol: opts.rtol };
  const mode = report.mode;

  // One traced forward: the autograd gradient, and every custom op call with its inputs.
  const calls: CapturedCall[] = [];
  const y = withOpObserver(captureCustomCalls(calls), () => forwardOf(spec));
  const outShape = y.shape.slice();
  const projected = y.size !== 1;
  const v = projected ? randomNormal(y.size, new Rng(opts.seed * 7919 + STREAM.projection)) : Float64Array.of(1);
  if (projected) report.projected = true;
  report.loss = project(y, v);
  if (!Number.isFinite(report.loss)) {
    report.error = projected ? `the output holds ${firstBad(y)}, so its projection is ${report.loss}` : `the loss is ${report.loss}`;
    return;
  }
  const seed = new Tensor(v, outShape);
  let analytic: Float64Array[];
  try {
    analytic = grad(y, params, seed).map((g) => g.data);
  } catch (e) {
    // A custom op's backward that throws (or returns a misshapen gradient) stops autograd; its
    // own check at the call site names the op, so the report says which one.
    report.ops = checkCustomOps(calls, opts, mode);
    throw e;
  }

  // Backward twice: a nondeterministic forward or backward makes every comparison meaningless.
  const y2 = forwardOf(spec);
  const again = grad(y2, params, new Tensor(v, y2.shape.slice())).map((g) => g.data);
  const sameLoss = y2.size === y.size && project(y2, v) === report.loss;
  report.deterministic = sameLoss && analytic.every((g, i) => g.every((x, k) => Object.is(x, again[i][k])));
  if (!report.deterministic) {
    notes.push(sameLoss ? 'two backward runs gave different gradients' : 'two forward runs gave different losses (randomness in the forward?)');
    nondeterministic(spec, names, params, outShape, share, report, notes, sameLoss);
    report.ops = checkCustomOps(calls, opts, mode);
    report.passed = false;
    return;
  }

  const objective: Objective = {
    names,
    tensors: params,
    value: () =>
      noGrad(() => {
        const out = forwardOf(spec);
        if (out.size !== v.length) throw new GradlensError('forward', `returned shape ${fmtShape(out.shape)} after returning ${fmtShape(outShape)}`);
        return project(out, v);
      }),
  };
  const diff = new Differences(objective, opts.eps, objective.value());
  const manual = spec.backward ? manualGradients(spec, names, params, outShape, notes) : undefined;

  const strategy: Strategy = { mode, tol, rng: new Rng(opts.seed * 7919 + STREAM.directions), samples: opts.samples, fallbackLimit: opts.paramBudget };
  const manualChecks: TensorCheck[] | undefined = manual ? [] : undefined;
  // Per parameter, the flat indices the Taylor direction must not move.
  const kinks: number[][] = names.map((n) => [...(share.avoid[n] ?? [])]);
  const found: Record<string, number[]> = {};
  params.forEach((p, t) => {
    if (share.checked && !share.checked.has(names[t])) {
      skipTensor(p.size, strategy);
      return;
    }
    const auto = new Tally(names[t], p.shape, tol, mode);
    const sets: GradientSet[] = [{ grad: analytic[t], tally: auto }];
    const m = manual?.[t];
    const manualTally = m instanceof Float64Array ? new Tally(names[t], p.shape, tol, mode) : undefined;
    if (manualTally) sets.push({ grad: m as Float64Array, tally: manualTally });
    checkTensor(diff, t, sets, strategy);
    report.params.push(withFiniteGradient(auto.result(), analytic[t]));
    kinks[t].push(...auto.kinks);
    if (auto.kinks.length) found[names[t]] = auto.kinks.slice();
    if (manualChecks) manualChecks.push(manualTally ? withFiniteGradient(manualTally.result(), m as Float64Array) : failedCheck(names[t], p.shape, m as string, mode));
  });
  if (manualChecks) report.manual = manualChecks;
  // A wrong hand-written gradient: find the line in backward where it first goes wrong.
  if (report.manual?.some((c) => !c.passed)) localizeManualMistakes(spec, report);
  if (share.checked && Object.keys(found).length) report.kinks = found;

  const taylor = taylorTest(objective, diff.f0, analytic, new Rng(opts.seed * 7919 + STREAM.taylor), kinks);
  if (taylor.slope !== undefined) report.taylorSlope = taylor.slope;
  if (taylor.note) notes.push(taylor.note);
  // The hand-written backward gets its own slope, along the same direction (same seed).
  if (manual?.every((m): m is Float64Array => m instanceof Float64Array)) {
    const own = taylorTest(objective, diff.f0, manual, new Rng(opts.seed * 7919 + STREAM.taylor), kinks);
    if (own.slope !== undefined) report.manualTaylorSlope = own.slope;
    if (own.note && own.note !== taylor.note) notes.push(own.note.replace(/^Taylor test/, 'Taylor test of the hand-written backward'));
  }

  report.ops = checkCustomOps(calls, opts, mode);
  report.passed =
    report.deterministic &&
    report.params.every((c) => c.passed) &&
    (report.manual ?? []).every((c) => c.passed) &&
    report.ops.every((c) => c.passed);
}

/**
 * Two runs with the same parameters disagree, so a difference quotient mixes the change of the
 * parameter with the change between runs: no element can be judged pass, fail or kink, and the
 * Taylor remainder means nothing. Every checked row fails with the reason instead.
 */
function nondeterministic(spec: ModelSpec, names: string[], params: Tensor[], outShape: number[], share: Share, report: ModelCheckReport, notes: string[], sameLoss: boolean): void {
  const why = sameLoss
    ? 'the gradient changes between backward runs with the same parameters (nondeterministic), so it cannot be compared'
    : 'the loss changes between runs with the same parameters (nondeterministic), so gradients cannot be compared';
  const checked = names.map((n, t) => ({ n, t })).filter(({ n }) => !share.checked || share.checked.has(n));
  const unjudged = (t: number, error: string): TensorCheck => ({ ...failedCheck(names[t], params[t].shape, error, report.mode), maxAbsError: NaN, maxRelError: NaN });
  report.params = checked.map(({ t }) => unjudged(t, why));
  if (spec.backward) {
    const manual = manualGradients(spec, names, params, outShape, notes);
    // A missing or misshapen entry is wrong whatever the randomness; the rest cannot be judged.
    report.manual = checked.map(({ t }) => unjudged(t, typeof manual[t] === 'string' ? (manual[t] as string) : why));
  }
  notes.push('Taylor test skipped: the model is nondeterministic');
}

/** Sampled and fast modes may not visit a NaN in the gradient: it fails the tensor all the same. */
function withFiniteGradient(check: TensorCheck, g: Float64Array): TensorCheck {
  if (!check.passed || g.every(Number.isFinite)) return check;
  return { ...check, passed: false, error: `the gradient holds ${firstBad({ data: g, shape: check.shape })}` };
}

/** "NaN at [2,3]": the first non-finite value and where it is. */
function firstBad(t: { data: Float64Array; shape: readonly number[] }): string {
  const k = t.data.findIndex((x) => !Number.isFinite(x));
  return k < 0 ? 'no NaN' : `${t.data[k]} at ${fmtShape(unravel(k, t.shape))}`;
}
