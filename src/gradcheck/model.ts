// checkModel: every check the report promises, for one model, in two phases that the pool can
// also run apart. Phase one (checkParameters) judges parameter tensors: autograd against central
// differences in the mode's way, and a hand-written backward against autograd exactly (or against
// the differences where autograd failed). Any subset of parameters can be checked in any worker,
// with the same rows as in one, because every random draw is keyed by the parameter's name
// (streams.ts). Phase two (completeCheck) runs once with what phase one found: the Taylor test
// (avoiding the kinks found), the custom ops at their call sites, the located mistake of a
// hand-written backward, and the one verdict.
import { grad, noGrad, withOpObserver } from '../engine/autograd';
import { type Model, type ModelSpec, withCustomForwardsTaped } from '../engine/define';
import { notATensorMessage } from '../engine/describeValue';
import { checkOptionNames } from '../engine/options';
import { GradlensError, Tensor, fmtShape, ravel, unravel } from '../engine/tensor';
import { Tally, allowed, failedCheck } from './compare';
import { FullSweepTooSlow, sweepWatch, tooSlowNote } from './autoMode';
import { Differences } from './differences';
import { type Gradient, ProductGradient, deferrableWeights, denseGradient } from './deferred';
import { compareExactly, gradientScale } from './exact';
import { localizeManualMistakes } from './localize';
import { manualGradients } from './manual';
import { type Objective, project, valueMoved, withShiftAll } from './objective';
import { type CapturedCall, autogradOfForward, captureCustomCalls, checkCustomOps } from './ops';
import { type OpRecord, Replay } from './replay';
import { type Direction, sameBits } from './directions';
import { type Strategy, checkTensor, probeTogether, randomNormal } from './strategies';
import { checkSecondOrder } from './secondOrder';
import { streamFor } from './streams';
import { Progress, tellModeChange } from './progress';
import { TAYLOR_FIRST_STEP, TAYLOR_WRONG_BELOW, type TaylorResult, rememberFirstStep, taylorDirections, taylorTest } from './taylor';
import { type CheckOptions, type Decider, type ModelReport, type ParamPhase, type TensorCheck, defaultCheckOptions } from './types';
import { someNames } from '../shared/verdict';

export type { ParamPhase } from './types';

export { TAYLOR_WRONG_BELOW } from './taylor';

export function resolveOptions(options: Partial<CheckOptions> = {}): CheckOptions {
  checkOptionNames('gradcheck', options, defaultCheckOptions);
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
  if (opts.order !== 1 && opts.order !== 2) throw new GradlensError('gradcheck', `option order must be 1 or 2, got ${String(opts.order)}`);
  if (!['auto', 'full', 'fast', 'sampled'].includes(opts.mode)) throw new GradlensError('gradcheck', `unknown mode '${opts.mode}' (auto, full, fast or sampled)`);
  return opts;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function specOf(model: Model | ModelSpec): ModelSpec {
  return 'spec' in model && (model as Model).kind === 'gradlens.model' ? (model as Model).spec : (model as ModelSpec);
}

/**
 * The mode a check runs in, as far as the model's size tells: auto picks full while the model is
 * within the parameter budget. The check may still run fast where a full sweep is timed to take
 * too long (autoMode.ts), and its report says which ran.
 */
export function modeFor(spec: ModelSpec, opts: CheckOptions): Exclude<CheckOptions['mode'], 'auto'> {
  const total = Object.values(spec.params).reduce((s, p) => s + p.size, 0);
  return opts.mode === 'auto' ? (total <= opts.paramBudget ? 'full' : 'fast') : opts.mode;
}

/** Both phases in one go: the whole model's report. */
export function checkModel(model: Model | ModelSpec, options: Partial<CheckOptions> = {}): ModelReport {
  if (options.order === 2) return checkSecondOrder(model, resolveOptions(options));
  return withModel(model, options, (prep) => complete(prep, 'error' in prep ? undefined : sweep(prep)));
}

/**
 * The parameters' rows. Auto mode's full sweep is watched (autoMode.ts): one projected to take
 * too long is stopped, and the fast check runs instead, with a note that says why. Nothing of the
 * stopped sweep is kept; it only moved elements one at a time and put each back.
 */
function sweep(prep: Prepared): ParamPhase {
  try {
    return checkTensors(prep);
  } catch (e) {
    if (!(e instanceof FullSweepTooSlow)) throw e;
    prep.mode = prep.report.mode = 'fast';
    prep.notes.push(tooSlowNote(e));
    tellModeChange('fast');
    return checkTensors(prep);
  }
}

/** Phase one for the named parameters (all when omitted). */
export function checkParameters(model: Model | ModelSpec, options: Partial<CheckOptions>, names?: readonly string[]): ParamPhase & { error?: string } {
  return withModel(model, options, (prep) => ('error' in prep ? { params: [], kinks: {}, notes: [], error: prep.error } : checkTensors(prep, names)));
}

/** Phase two, given phase one's rows for every parameter (concatenated in the model's order). */
export function completeCheck(model: Model | ModelSpec, options: Partial<CheckOptions>, phase: ParamPhase): ModelReport {
  return withModel(model, options, (prep) => complete(prep, phase));
}

/** Everything both phases start from: one traced forward, the gradients, the determinism check. */
interface Prepared {
  spec: ModelSpec;
  opts: CheckOptions;
  mode: Exclude<CheckOptions['mode'], 'auto'>;
  names: string[];
  params: Tensor[];
  report: ModelReport;
  notes: string[];
  calls: CapturedCall[];
  /** Autograd's gradient per parameter; in fast mode a single-use weight's stays a product (deferred.ts). */
  analytic: Gradient[];
  manual?: (Float64Array | string)[];
  objective: Objective;
  f0: number;
  /** The loss's own round-off, estimated from the forward's intermediate values (evaluationError). */
  evalError: number;
  replay?: Replay;
  /** With custom ops: autograd through their own forwards instead of their hand-written backwards. */
  reference?: Float64Array[];
}

type Preparation = Prepared | { error: string; report: ModelReport; notes: string[]; calls: CapturedCall[]; opts: CheckOptions; mode: Prepared['mode']; spec: ModelSpec; names: string[]; params: Tensor[] };

function withModel<T>(model: Model | ModelSpec, options: Partial<CheckOptions>, fn: (prep: Preparation) => T): T {
  const opts = resolveOptions(options);
  const spec = specOf(model);
  const names = Object.keys(spec.params);
  const params: Tensor[] = new Array(names.length);
  const flags: boolean[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const p = (params[i] = spec.params[names[i]]);
    flags[i] = p.requiresGrad;
    p.requiresGrad = true;
  }
  try {
    return fn(prepare(spec, opts, names, params));
  } finally {
    for (let i = 0; i < params.length; i++) params[i].requiresGrad = flags[i];
  }
}

function forwardOf(spec: ModelSpec): Tensor {
  const y = spec.forward(spec.inputs, spec.params);
  if (!(y instanceof Tensor)) throw new GradlensError('forward', notATensorMessage('forward', y, ''));
  return y;
}

function prepare(spec: ModelSpec, opts: CheckOptions, names: string[], params: Tensor[]): Preparation {
  const mode = modeFor(spec, opts);
  const report: ModelReport = { name: spec.name ?? 'model', passed: false, mode, loss: NaN, params: [], ops: [], deterministic: true };
  const notes: string[] = [];
  const calls: CapturedCall[] = [];
  const failed = (error: string): Preparation => ({ error, report, notes, calls, opts, mode, spec, names, params });
  try {
    // One traced forward: the autograd gradient, every custom op call with its inputs, and the
    // recording the checks replay (replay.ts).
    const records: OpRecord[] = [];
    const capture = captureCustomCalls(calls);
    const y = withOpObserver((op, inputs, out, attrs) => {
      capture(op, inputs, out, attrs);
      records.push({ op, inputs, out, attrs });
    }, () => forwardOf(spec));
    const outShape = y.shape.slice();
    // An output no op made from the parameters (a tensor built from numbers read with .data) has no
    // path back to them: every autograd gradient is 0 while the numbers are not, and the report must say why.
    if (!y.node && !y.requiresGrad && params.length) notes.push(CUT_OFF_OUTPUT);
    const projected = y.size !== 1;
    const v = projected ? randomNormal(y.size, streamFor(opts.seed, 'projection')) : Float64Array.of(1);
    if (projected) report.projected = true;
    report.loss = project(y, v);
    if (!Number.isFinite(report.loss)) return failed(projected ? `the output holds ${firstBad(y)}, so its projection is ${report.loss}` : `the loss is ${report.loss}`);
    let analytic: Gradient[];
    let sameGradients = true;
    let evalError = 0;
    try {
      const seed = new Tensor(v, outShape);
      // The adjoints of every op's output come with the same sweep: they weigh each rounding the
      // forward makes into the error of the loss (evaluationError).
      const outputs = records.map((r) => r.out);
      // A fast check of a model without custom ops or a hand-written backward, which compare
      // gradients element by element, leaves a single-use weight's gradient as its product.
      const custom = records.some((r) => r.op.family === 'custom');
      const deferred = mode === 'fast' && !custom && !spec.backward ? deferrableWeights(records, params) : new Map<number, never>();
      const eager = params.filter((_, t) => !deferred.has(t));
      let all: Tensor[];
      try {
        for (const t of deferred.keys()) params[t].requiresGrad = false; // the sweep skips their VJPs
        all = grad(y, [...eager, ...outputs], seed);
      } finally {
        for (const t of deferred.keys()) params[t].requiresGrad = true;
      }
      const adjoints = all.slice(eager.length);
      evalError = evaluationError(outputs, adjoints);
      let next = 0;
      analytic = params.map((_, t) => {
        const d = deferred.get(t);
        return d ? new ProductGradient(records[d.record], d.index, adjoints[d.record]) : all[next++].data;
      });
      // Backward twice over the one tape, as torch's reentrancy check does: a backward that gives
      // different numbers on each run makes every comparison meaningless. Only user code can: the
      // engine's own VJPs are float64 functions of what the forward saved, run in one thread, so
      // the rerun is needed, and runs, when a custom op's hand-written backward is on the tape
      // (and then nothing is deferred: every gradient is its values).
      if (custom) sameGradients = grad(y, params, seed).every((g, i) => sameBits(g.data, analytic[i] as Float64Array));
    } catch (e) {
      // A custom op's backward that throws (or returns a misshapen gradient) stops autograd; its
      // own check at the call site names the op, so the report says which one.
      report.ops = checkCustomOps(calls, opts, mode);
      return failed(message(e));
    }
    const manual = spec.backward ? manualGradients(spec, names, params, outShape, notes) : undefined;
    const value = () =>
      noGrad(() => {
        const out = forwardOf(spec);
        if (out.size !== v.length) throw new GradlensError('forward', `returned shape ${fmtShape(out.shape)} after returning ${fmtShape(outShape)}`);
        return project(out, v);
      });
    // The forward again, untraced: where the recording replays it at a moved point, that one run
    // shows both that the forward is a fixed composition of ops and that it is deterministic (every
    // later value comes from the replay); otherwise it runs once more at the same point.
    const f0 = report.loss; // f at the unmoved point is the loss already computed
    const recorded = Replay.of(records, y, params, v);
    const moved = recorded && replayCheck(recorded, params, opts.seed, value, f0);
    const replay = moved?.holds ? recorded : undefined;
    const sameLoss = replay !== undefined || Object.is(value(), f0);
    report.deterministic = sameLoss && sameGradients;
    // A nondeterministic model judges nothing, so nothing is replayed.
    const replayed = report.deterministic ? replay : undefined;
    const objective: Objective = replayed
      ? { names, tensors: params, value, valueAt: (t, k, x) => replayed.valueAt(t, k, x), valueShifted: (dirs, h) => replayed.valueShifted(dirs, h) }
      : { names, tensors: params, value };
    // The check moved to the Taylor test's first point, so the test starts from the value there:
    // the replay's where it holds, else the real forward's, each what the objective would compute.
    if (moved?.d) rememberFirstStep(objective, f0, moved.d, replayed ? moved.replayed : moved.real);
    const prep: Prepared = { spec, opts, mode, names, params, report, notes, calls, analytic, manual, objective, f0, evalError, replay: replayed };
    if (!report.deterministic) {
      notes.push(sameLoss ? 'two backward runs gave different gradients' : 'two forward runs gave different losses (randomness in the forward?)');
      return prep;
    }
    prep.reference = referenceGradient(prep, v);
    return prep;
  } catch (e) {
    return failed(message(e));
  }
}

/**
 * The model's gradient with every custom op differentiated through its own forward: defined only
 * when each custom op's forward tapes and the substituted model computes the same loss.
 */
function referenceGradient(prep: Prepared, v: Float64Array): Float64Array[] | undefined {
  if (!prep.calls.length) return undefined;
  // Every custom op's forward must tape in full (checked at its first call), or there is no reference.
  const seen = new Set<unknown>();
  for (const c of prep.calls) {
    if (seen.has(c.def)) continue;
    seen.add(c.def);
    let size: number;
    try {
      size = c.def.forward(c.inputs, c.attrs, () => {}).size;
    } catch {
      return undefined;
    }
    if (!autogradOfForward(c.def, c.inputs, randomNormal(size, streamFor(prep.opts.seed, 'op', c.def.name)))) return undefined;
  }
  try {
    return withCustomForwardsTaped(() => {
      const y = forwardOf(prep.spec);
      const loss = project(y, v);
      if (!(Math.abs(loss - prep.f0) <= 1e-12 * Math.abs(prep.f0) || Object.is(loss, prep.f0))) return undefined;
      return grad(y, prep.params, new Tensor(v, y.shape.slice())).map((g) => g.data);
    });
  } catch {
    return undefined;
  }
}

/**
 * The recording stands for the forward when replaying it at a moved point gives the real forward's
 * value there, to round-off. A forward that reads `.data`, branches on values or draws random
 * numbers fails here and keeps real forwards. The point is the Taylor test's first (its direction,
 * from its stream, and its first step: per element about 0.1/√n), so that value serves the test too.
 */
function replayCheck(replay: Replay, params: readonly Tensor[], seed: number, value: () => number, f0: number): { holds: boolean; d?: Direction[]; real: number; replayed: number } {
  const d = taylorDirections(params, streamFor(seed, 'taylor'));
  // Nothing to move (every parameter empty): the replay at the unmoved point.
  const at = d ?? params.map((p) => new Float64Array(p.size));
  let h = TAYLOR_FIRST_STEP;
  let real: number;
  try {
    real = withShiftAll(params, at, h, value);
  } catch {
    // A forward that fails that far out (past a domain's edge): the check moves about NEAR_MOVE an
    // element instead, and the Taylor test meets the failure itself, after the rows, and reports it.
    h = Math.min(h, NEAR_MOVE * Math.sqrt(params.reduce((n, p) => n + p.size, 0)));
    real = withShiftAll(params, at, h, value);
  }
  const replayed = replay.valueShifted(at, h);
  const holds = Math.abs(real - replayed) <= 1e-12 * (Math.abs(real) + Math.abs(f0)) || Object.is(real, replayed);
  return { holds, d: h === TAYLOR_FIRST_STEP ? d : undefined, real, replayed };
}

const CUT_OFF_OUTPUT = "the forward's output was not computed by ops from the parameters (it was made from numbers, e.g. tensor(...) of values read with .data), so autograd sees no path to any parameter and every gradient it gives is 0";

/** The replay's check's move, per element, where the forward fails at the Taylor test's first point. */
const NEAR_MOVE = 1e-3;

/**
 * The round-off of the projected loss, estimated from the forward: each op rounds its output z by
 * about ε·|z|, and that reaches the loss times z's adjoint, so the errors add up, as independent
 * roundings do, to ε·√Σ (∂L/∂z · z)². The loss's own magnitude misses this where it is the small
 * difference of large intermediates ((s + 1e4) − 1e4 carries ε·1e4, not ε·|s|): a floor taken from
 * it alone called such a right gradient wrong by the noise in every seed.
 */
function evaluationError(outputs: readonly Tensor[], adjoints: readonly Tensor[]): number {
  let sq = 0;
  for (let i = 0; i < outputs.length; i++) {
    const z = outputs[i].data;
    const g = adjoints[i].data;
    for (let j = 0; j < z.length; j++) {
      const e = g[j] * z[j];
      sq += e * e;
    }
  }
  return Number.EPSILON * Math.sqrt(sq);
}

function allFinite(g: Float64Array): boolean {
  // x·0 is ±0 for every finite x and NaN for ±Inf and NaN, so the sum is 0 only when all are
  // finite. Four sums without a branch: twice as fast as testing each element (25 µs, not 56, for
  // a 784×64 gradient), and a gradient is almost always finite, so an early exit gains nothing.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = g.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += g[i] * 0;
    s1 += g[i + 1] * 0;
    s2 += g[i + 2] * 0;
    s3 += g[i + 3] * 0;
  }
  for (; i < n; i++) s0 += g[i] * 0;
  return s0 + s1 + (s2 + s3) === 0;
}

function checkTensors(prep: Prepared, only?: readonly string[]): ParamPhase {
  const { names, params, opts, mode } = prep;
  for (const name of only ?? []) {
    if (!names.includes(name)) throw new GradlensError('gradcheck', `the model has no parameter '${name}' (it has ${names.join(', ') || 'none'})`);
  }
  const selected = names.map((_, t) => t).filter((t) => !only || only.includes(names[t]));
  const phase: ParamPhase = { params: [], kinks: {}, notes: [] };
  if (!prep.report.deterministic) {
    unjudged(prep, selected, phase);
    return phase;
  }
  const tol = { atol: opts.atol, rtol: opts.rtol };
  const diff = new Differences(prep.objective, opts.eps, prep.f0, prep.evalError);
  // Elements compared one by one (tensors in fast mode, whose probes are quick): for a progress bar.
  const units = (t: number): number => (mode === 'full' ? params[t].size : mode === 'sampled' ? Math.min(opts.samples, params[t].size) : 1);
  const progress = new Progress(selected.reduce((s, t) => s + units(t), 0));
  // Auto mode's full sweep gives way to the fast check when its pace projects it too long.
  const watch = opts.mode === 'auto' && mode === 'full' && !only ? sweepWatch(selected.reduce((s, t) => s + params[t].size, 0)) : undefined;
  const directionsOf = (t: number) => streamFor(opts.seed, 'directions', names[t]);
  const strategyFor = (t: number): Strategy => ({ mode, tol, rng: directionsOf(t), samples: opts.samples, fallbackLimit: opts.paramBudget, ...(mode === 'fast' ? {} : { onElement: () => (progress.tick(), watch?.()) }) });
  if (prep.manual) phase.manual = [];
  // The scale and the joint probes are over every parameter, not only the selected ones: a pool
  // worker's rows are the one-worker rows.
  // Made at the first exact comparison: a pass over every gradient element (0.2 ms at 50k
  // parameters) that a model without a hand-written backward or custom ops never needs.
  let scale: number | undefined;
  const scaleOf = (): number => (scale ??= gradientScale(prep.analytic.map(denseGradient)));
  // Fast mode probes every tensor at once first; only a disagreement probes them one by one.
  const members = mode === 'fast' ? names.map((_, t) => t).filter((t) => params[t].size > 0).map((t) => ({ t, grad: prep.analytic[t], rng: directionsOf(t) })) : [];
  const together = members.length > 1 ? probeTogether(diff, members, tol) : undefined;
  const jointNames = members.map((m) => names[m.t]);
  for (const t of selected) {
    if (mode === 'fast') progress.tick();
    const p = params[t];
    const auto = new Tally(names[t], p.shape, tol, mode);
    if (together && p.size > 0) for (const j of together) auto.addDirectional(j.analytic, j.numeric, undefined, j.noise, jointNames);
    else checkTensor(diff, t, [{ grad: denseGradient(prep.analytic[t]), tally: auto }], strategyFor(t));
    // A joint probe's analytic sum is finite only if every element is: each direction entry is
    // nonzero, so a NaN or ±Inf element would carry into it. Only rows without one are scanned.
    let row = together && p.size > 0 ? auto.result() : withFiniteGradient(auto.result(), denseGradient(prep.analytic[t]));
    // The kinks the Taylor tests must steer clear of: the numeric check's, and those where an exact
    // comparison found the two gradients on different sides of one (exact.ts KINK_RECHECKS).
    const avoid = auto.kinks.slice();
    const atKink = (k: number, a: number) => diff.kinkExcuse(t, k, a, tol);
    const ref = prep.reference?.[t];
    if (row.passed && ref) {
      // Autograd through the custom ops' hand-written backwards against autograd through their
      // forwards: a slip too small for the differences to see still shows here.
      const exact = compareExactly(names[t], p.shape, denseGradient(prep.analytic[t]), ref, tol, scaleOf(), atKink);
      avoid.push(...exact.kinks);
      if (!exact.check.passed) {
        row = { ...exact.check, viaCustomOps: true };
      }
    } else if (ref && row.worst) {
      // Failed against the numbers, where autograd through the custom ops' forwards agrees with
      // them: the row is wrong through an op's backward, not on its own account.
      const k = ravel(row.worst.index, p.shape);
      if (Math.abs(ref[k] - row.worst.numeric) <= allowed(row.worst.numeric, tol)) {
        row = { ...row, viaCustomOps: true };
      }
    }
    phase.params.push(row);
    const m = prep.manual?.[t];
    if (typeof m === 'string') {
      phase.manual!.push(failedCheck(names[t], p.shape, m, row.passed ? 'exact' : mode));
    } else if (m && row.passed) {
      const exact = compareExactly(names[t], p.shape, m, denseGradient(prep.analytic[t]), tol, scaleOf(), atKink);
      avoid.push(...exact.kinks);
      // A kink is the function's: the numeric check found it, and it qualifies this row too, unless
      // the comparison found its own (a kink where the two gradients take different sides).
      phase.manual!.push(row.nonDifferentiable && !exact.check.nonDifferentiable ? { ...exact.check, nonDifferentiable: row.nonDifferentiable } : exact.check);
    } else if (m) {
      // Autograd failed its own check here, so it is no reference: the hand-written gradient is
      // compared with the same central differences (the same draws, so the forwards are shared).
      const own = new Tally(names[t], p.shape, tol, mode);
      checkTensor(diff, t, [{ grad: m, tally: own }], strategyFor(t));
      phase.manual!.push(withFiniteGradient(own.result(), m));
      phase.notes.push(`autograd's gradient of '${names[t]}' failed its own check, so the hand-written one was compared with central differences instead of autograd`);
    }
    if (avoid.length) phase.kinks[names[t]] = [...new Set(avoid)];
  }
  progress.finish();
  if (!prep.replay && selected.length) {
    // With a failing autograd row that is the likely cause, and the sentence leads with it.
    const failed = phase.params.some((r) => !r.passed && r.worst) && !prep.notes.includes(CUT_OFF_OUTPUT);
    phase.notes.push(
      failed
        ? "the forward does not replay as a fixed composition of ops, and autograd's gradient disagrees with the numbers: a value read with .data (or item()) and made into a new tensor is a path to the loss that autograd cannot see; every difference ran the whole forward"
        : 'the forward does not replay as a fixed composition of ops (it reads .data or branches on values?), so every difference ran the whole forward',
    );
  }
  return phase;
}

function complete(prep: Preparation, phase: ParamPhase | undefined): ModelReport {
  const { report, notes } = prep;
  if ('error' in prep) {
    report.error = prep.error;
    if (notes.length) report.notes = notes;
    return report;
  }
  if (!phase) throw new Error('phase one missing');
  report.params = phase.params;
  if (phase.manual) report.manual = phase.manual;
  // The rows wrong only through a custom op's backward, in one note for all, from every row
  // (a pool's phases each hold some of them).
  const viaWrongOps = phase.params.filter((r) => r.viaCustomOps).map((r) => r.name);
  if (viaWrongOps.length) {
    const one = viaWrongOps.length === 1;
    const which = one ? `the gradient of '${viaWrongOps[0]}'` : `the gradients of ${someNames(viaWrongOps.map((n) => `'${n}'`))}`;
    notes.push(`${which} through the custom ops' hand-written backward ${one ? 'is' : 'are'} wrong: autograd through their forward agrees with the reference where ${one ? 'it does' : 'they do'} not`);
  }
  for (const n of phase.notes) if (!notes.includes(n)) notes.push(n);
  const { opts, mode, names } = prep;
  if (!report.deterministic) {
    notes.push('Taylor test skipped: the model is nondeterministic');
    report.ops = checkCustomOps(prep.calls, opts, mode);
    report.passed = false;
    report.decidedBy = 'error';
    report.notes = notes;
    return report;
  }
  try {
    // A wrong hand-written gradient: find the line in backward where it first goes wrong.
    if (report.manual?.some((c) => !c.passed)) localizeManualMistakes(prep.spec, report);
    const avoid = names.map((n) => phase.kinks[n] ?? []);
    const taylor = taylorVerdict(prep, prep.analytic, avoid);
    if (taylor.slope !== undefined) report.taylorSlope = taylor.slope;
    if (taylor.note) notes.push(taylor.note);
    // The hand-written backward gets its own slope, along the same directions (same streams).
    if (prep.manual?.every((m): m is Float64Array => m instanceof Float64Array)) {
      const own = taylorVerdict(prep, prep.manual, avoid);
      if (own.slope !== undefined) report.manualTaylorSlope = own.slope;
      if (own.note && own.note !== taylor.note) notes.push(own.note.replace(/^Taylor test/, 'Taylor test of the hand-written backward'));
    }
    report.ops = checkCustomOps(prep.calls, opts, mode);
  } catch (e) {
    report.error = message(e);
  }
  const decided = verdict(report);
  report.passed = decided === undefined && report.error === undefined;
  if (!report.passed) report.decidedBy = decided ?? 'error';
  if (notes.length) report.notes = notes;
  return report;
}

/**
 * The Taylor test along the check's direction, and where that says wrong, along a second one. A
 * max or relu that switches between the steps along the first direction (a max-pool's argmax
 * where two inputs nearly tie) makes a right gradient's remainder O(h) there and seldom along
 * another, while a wrong gradient's O(h) term shows along any: wrong only when both say so (2 of
 * 60 seeds of a max-pool CNN were called wrong along one direction).
 */
function taylorVerdict(prep: Prepared, grads: readonly Gradient[], avoid: number[][]): TaylorResult {
  const first = taylorTest(prep.objective, prep.f0, grads, streamFor(prep.opts.seed, 'taylor'), avoid, prep.evalError);
  if (first.slope === undefined || first.slope >= TAYLOR_WRONG_BELOW) return first;
  const second = taylorTest(prep.objective, prep.f0, grads, streamFor(prep.opts.seed, 'taylor', '\u0000second'), avoid, prep.evalError);
  const slope = (x: number) => Number(x.toPrecision(3));
  if (second.slope !== undefined && second.slope < TAYLOR_WRONG_BELOW) {
    // Wrong along both: a wrong gradient's O(h) term, or a kink at this very point that every
    // direction crosses (an L1 penalty on a bias still at 0, which a fast check's probes never
    // find). The kink's term is even in h, |h|·c, the wrong gradient's odd, h·δ: the test of the
    // odd part alone, (f(x + hd) − f(x − hd))/2 − h·gᵀd, tells them apart along the same direction.
    const odd = taylorTest(oddPart(prep.objective, prep.f0), prep.f0, grads, streamFor(prep.opts.seed, 'taylor'), avoid);
    if (odd.slope === undefined ? odd.note?.startsWith('Taylor test inconclusive') : odd.slope >= TAYLOR_WRONG_BELOW) {
      const oddText = odd.slope === undefined ? 'is at round-off for every step' : `falls like h² or faster (slope ${slope(odd.slope)})`;
      return {
        ...(odd.slope !== undefined ? { slope: odd.slope } : {}),
        note: `Taylor test: the remainder fell like h along two directions (slopes ${slope(first.slope)}, ${slope(second.slope)}), the same on both sides of the point, as at a kink right here (abs or relu of a parameter at 0); its odd part, which a wrong gradient would carry, ${oddText}`,
      };
    }
    return first;
  }
  if (second.slope === undefined) return first;
  return {
    slope: second.slope,
    note: `Taylor test: along its first direction the remainder fell like h (slope ${slope(first.slope)}), as where a max or relu switches between the steps; along a second direction it fell like h² (slope ${slope(second.slope)})`,
  };
}

/**
 * The objective seen by the Taylor test of the odd part: at a step h, f0 plus the odd part of f
 * along the direction, (f(x + hd) − f(x − hd))/2, so the test's remainder is the odd remainder.
 */
function oddPart(obj: Objective, f0: number): Objective {
  // taylorTest moves every tensor (taylorDirections), so the directions here are all defined.
  const at = (dirs: readonly (Direction | undefined)[], h: number): number => valueMoved(obj, dirs as Direction[], h);
  return { names: obj.names, tensors: obj.tensors, value: () => obj.value(), valueShifted: (dirs, h) => f0 + (at(dirs, h) - at(dirs, -h)) / 2 };
}

/** The one verdict: the first failing entry's signal, or the Taylor slope when only it says wrong. */
function verdict(report: ModelReport): Decider | undefined {
  for (const c of [...report.params, ...(report.manual ?? [])]) if (!c.passed) return c.decidedBy ?? 'tolerance';
  for (const op of report.ops) if (!op.passed) return op.error !== undefined ? 'error' : (op.decidedBy ?? 'tolerance');
  const wrong = (slope: number | undefined) => slope !== undefined && slope < TAYLOR_WRONG_BELOW;
  if (wrong(report.taylorSlope) || wrong(report.manualTaylorSlope)) return 'taylor';
  return undefined;
}

/**
 * Two runs with the same parameters disagree, so a difference quotient mixes the change of the
 * parameter with the change between runs: no element can be judged pass, fail or kink, and the
 * Taylor remainder means nothing. Every checked row fails with the reason instead.
 */
function unjudged(prep: Prepared, selected: number[], phase: ParamPhase): void {
  const { names, params, mode } = prep;
  const sameLoss = !prep.notes.some((n) => n.startsWith('two forward runs'));
  const why = sameLoss
    ? 'the gradient changes between backward runs with the same parameters (nondeterministic), so it cannot be compared'
    : 'the loss changes between runs with the same parameters (nondeterministic), so gradients cannot be compared';
  const row = (t: number, error: string): TensorCheck => ({ ...failedCheck(names[t], params[t].shape, error, mode), maxAbsError: NaN, maxRelError: NaN });
  phase.params = selected.map((t) => row(t, why));
  // A missing or misshapen entry is wrong whatever the randomness; the rest cannot be judged.
  if (prep.manual) phase.manual = selected.map((t) => row(t, typeof prep.manual![t] === 'string' ? (prep.manual![t] as string) : why));
}

/** Sampled and fast modes may not visit a NaN in the gradient: it fails the tensor all the same. */
function withFiniteGradient(check: TensorCheck, g: Float64Array): TensorCheck {
  if (!check.passed || allFinite(g)) return check;
  return { ...check, passed: false, error: `the gradient holds ${firstBad({ data: g, shape: check.shape })}` };
}

/** "NaN at [2,3]": the first non-finite value and where it is. */
function firstBad(t: { data: Float64Array; shape: readonly number[] }): string {
  const k = t.data.findIndex((x) => !Number.isFinite(x));
  return k < 0 ? 'no NaN' : `${t.data[k]} at ${fmtShape(unravel(k, t.shape))}`;
}
