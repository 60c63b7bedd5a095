// What the worker does with one request: evaluate the user's bundle against our engine, find its
// models, and run the task (check, grad or graph) on each. Every failure becomes data.
import * as gradlens from '../index';
import { definedModels, definedOps, resetDefinitions } from '../engine/define';
import { resetDefaultRng } from '../engine/random';
import { currentScope } from '../engine/scope';
import { Tensor } from '../engine/tensor';
import { type Blame, type CheckOptions, type ModelReport, type OpCheck, defaultCheckOptions } from '../gradcheck/types';
import type { CheckNote, ModelCheckResult, ModelGradResult, ModelGraphResult, RunError, SourceLocation, SplitPlan, WorkerReply, WorkerRequest } from '../shared/workerProtocol';
import { unrunResult } from '../shared/checkResult';
import { checkModel, checkParameters, completeCheck, modeFor, resolveOptions } from './checker';
import { withModeSink } from '../gradcheck/progress';
import { errorFromThrown, located, sentence } from './errors';
import { type NamedModel, ParsedFiles, nameModels } from './models';
import { findNonFinite, noOutputMessage, preflight } from './preflight';
import { attachNodeValues } from './nodeValues';
import { deepestNesting, isStackOverflow, tooDeepMessage } from '../parser/nesting';
import { findThrowSite } from './throwSite';
import { traceGraph } from './trace';
import { clearUserTimers } from './userTimers';
import { UserFrames } from './userFrames';
import { evaluateInUserRealm } from './userRealm';

/** `note` hears a check's models, each as it starts and as its result is in (workerProtocol.ts CheckNote). */
export function execute(req: WorkerRequest, note: (n: CheckNote) => void = () => {}): WorkerReply {
  // A warm worker runs file after file: nothing of the previous run may leak into this one.
  clearUserTimers();
  resetDefinitions();
  resetDefaultRng();
  const frames = new UserFrames(req.sourceMap);
  const parsed = new ParsedFiles(req.fileName, req.text);
  frames.refineWith(parsed.callStart);
  try {
    evaluate(req.code);
  } catch (err) {
    if (isStackOverflow(err) && !frames.locate((err as Error).stack)) return { type: 'failed', error: tooDeepError(req.code, frames) };
    return { type: 'failed', error: errorFromThrown(err, frames, err instanceof Error ? undefined : throwSiteOf(req.code, frames)) };
  }
  const all = nameModels(definedModels, frames, parsed);
  const selected = req.model === undefined ? all : all.filter((m) => m.name === req.model);
  if (all.length === 0) {
    return { type: 'failed', error: { kind: 'no-model', message: 'This file defines no model: call defineModel({ inputs, params, forward }) to define one.', file: req.fileName, line: 1, column: 1 } };
  }
  if (selected.length === 0) {
    const names = all.map((m) => m.name).join(', ');
    return { type: 'failed', error: { kind: 'no-model', message: `There is no model named '${req.model}' in this file; it defines: ${names}.`, file: req.fileName, line: 1, column: 1 } };
  }
  switch (req.task) {
    case 'grad':
      return { type: 'done', task: 'grad', models: selected.map((m) => gradOf(m, frames)) };
    case 'graph':
      return { type: 'done', task: 'graph', models: selected.map((m) => graphOf(m, frames)) };
    case 'check':
      return runChecks(req, selected, frames, parsed, note);
  }
}

/** Runs the CommonJS bundle in a realm of its own (userRealm.ts), with a `require` that hands it our own engine: one engine, one registry. */
function evaluate(code: string): void {
  evaluateInUserRealm(code, (id: string): unknown => {
    if (id === 'gradlens') return gradlens;
    // bundle.ts rejects other imports, so reaching here means a dynamic require in user code.
    throw new Error(`cannot require '${id}': a model file may use only 'gradlens' and its own relative files`);
  });
}

/** V8 could not compile the bundle: nested too deep for its recursive parser. Where, in the user's file. */
function tooDeepError(code: string, frames: UserFrames): RunError {
  const at = deepestNesting(code);
  return located('syntax', tooDeepMessage(at.depth, 'JavaScript'), frames.mapPosition(at.line + 1, at.character + 1));
}

/** The place of a top-level throw of a non-Error, found by evaluating the file again from a clean state. */
function throwSiteOf(code: string, frames: UserFrames): SourceLocation | undefined {
  const again = (): void => {
    clearUserTimers();
    resetDefinitions();
    resetDefaultRng();
    evaluate(code);
  };
  try {
    return findThrowSite(again, frames);
  } finally {
    clearUserTimers();
  }
}

function runChecks(req: WorkerRequest, selected: NamedModel[], frames: UserFrames, parsed: ParsedFiles, note: (n: CheckNote) => void): WorkerReply {
  const options: CheckOptions = { ...defaultCheckOptions, ...(req.options ?? {}) };
  const phase = req.phase;
  if (phase) {
    // One phase of a check the parent split (pool.ts): the model is named by the request.
    const m = selected[0];
    resetDefaultRng();
    const pre = preflight(m, frames);
    if ('kind' in pre) return phase.kind === 'parameters' ? { type: 'phase', error: pre } : { type: 'done', task: 'check', models: [failedCheck(m, pre, options.mode)] };
    try {
      resetDefaultRng();
      if (phase.kind === 'parameters') {
        const { error, ...found } = checkParameters(m.model, options, phase.paramNames);
        return error !== undefined ? { type: 'phase', error: located('exception', sentence(error), m.loc) } : { type: 'phase', phase: found };
      }
      return { type: 'done', task: 'check', models: [checkResult(m, completeCheck(m.model, options, phase.found), frames, parsed)] };
    } catch (err) {
      const error = errorFromThrown(err, frames, m.loc);
      return phase.kind === 'parameters' ? { type: 'phase', error } : { type: 'done', task: 'check', models: [failedCheck(m, error, options.mode)] };
    }
  }
  const models: ModelCheckResult[] = [];
  const split: SplitPlan[] = [];
  note({ type: 'models', models: selected.map((m) => ({ name: m.name, ...(m.loc ? { loc: m.loc } : {}) })) });
  const done = (index: number, result: ModelCheckResult): void => {
    models.push(result);
    note({ type: 'checked', index, result });
  };
  selected.forEach((m, index) => {
    const params = Object.entries(m.model.spec.params).map(([name, t]) => ({ name, size: t.size }));
    const total = params.reduce((s, p) => s + p.size, 0);
    let mode: string = options.mode;
    try {
      mode = modeFor(m.model.spec, resolveOptions(options));
    } catch {
      // Bad options: the check itself reports them.
    }
    note({ type: 'checking', index, mode, size: total });
    resetDefaultRng();
    const pre = preflight(m, frames);
    if ('kind' in pre) return done(index, failedCheck(m, pre, options.mode));
    // A large element-by-element check is left to the pool: the parent plans its two phases.
    // A second-order check is three backward passes per model: never worth splitting. Only a full
    // check asked for: auto's full may turn fast once timed (autoMode.ts), and every phase of one
    // check must run the same mode.
    if (req.splitAbove !== undefined && mode === 'full' && options.mode === 'full' && options.order !== 2 && total > req.splitAbove && params.length > 1) {
      split.push({ model: m.name, index, params });
      return;
    }
    try {
      resetDefaultRng();
      // Auto's full sweep may turn fast (autoMode.ts): the ledger then hears the mode that runs.
      const report = withModeSink((to) => note({ type: 'checking', index, mode: to, size: total }), () => checkModel(m.model, options));
      done(index, checkResult(m, report, frames, parsed));
    } catch (err) {
      done(index, failedCheck(m, errorFromThrown(err, frames, m.loc), options.mode));
    }
  });
  return { type: 'done', task: 'check', models, ...(split.length ? { split } : {}) };
}

/** The checker's report, named and placed in the user's file. */
function checkResult(m: NamedModel, report: ModelReport, frames: UserFrames, parsed: ParsedFiles): ModelCheckResult {
  const { name: _name, error: checkerError, ...rest } = report;
  return {
    ...rest,
    name: m.name,
    ...(m.loc ? { loc: m.loc } : {}),
    ...(checkerError ? { error: located('exception', sentence(checkerError), m.loc) } : {}),
    ...(m.backwardLoc ? { backwardLoc: m.backwardLoc } : {}),
    ...(m.paramLocs ? { paramLocs: m.paramLocs } : {}),
    ...(report.manual
      ? {
          manual: report.manual.map((c) => {
            const blameLoc = c.blame ? frames.locate(c.blame.site) : undefined;
            return blameLoc ? { ...c, blame: withRelated(c.blame!, frames), blameLoc } : c;
          }),
        }
      : {}),
    ops: report.ops.map((op: OpCheck) => {
      const loc = frames.locate(op.site);
      const def = definedOps.find((d) => d.name === op.name);
      const definedAt = def ? frames.locate(def.site) : undefined;
      const backwardAt = definedAt && parsed.opBackwardAt(definedAt);
      const blameLoc = op.blame ? frames.locate(op.blame.site) : undefined;
      const blame = op.blame && blameLoc ? { blame: withRelated(op.blame, frames), blameLoc } : {};
      return { ...op, ...(loc ? { loc } : {}), ...(definedAt ? { definedAt } : {}), ...(backwardAt ? { backwardAt } : {}), ...blame };
    }),
  };
}

/**
 * A blame's related places folded into its message, each with the line the runner maps it to
 * ("… starting at the sqrt call on line 17."); the ones it cannot place are left out.
 */
function withRelated(blame: Blame, frames: UserFrames): Blame {
  const { related, ...rest } = blame;
  const places = (related ?? []).flatMap((r) => {
    const loc = frames.locate(r.site);
    return loc ? [`${r.what} on line ${loc.line}.`] : [];
  });
  return places.length ? { ...rest, message: `${rest.message} ${places.join(' ')}` } : rest;
}

function failedCheck(m: NamedModel, error: RunError, mode: string): ModelCheckResult {
  return { ...unrunResult(m.name, error, m.loc), mode: mode === 'auto' ? 'full' : (mode as ModelCheckResult['mode']) };
}

function gradOf(m: NamedModel, frames: UserFrames): ModelGradResult {
  resetDefaultRng();
  const pre = preflight(m, frames);
  const base = { name: m.name, ...(m.loc ? { loc: m.loc } : {}) };
  if ('kind' in pre) return { ...base, error: pre, loss: NaN, lossShape: [], params: [] };
  const names = Object.keys(m.model.spec.params);
  return {
    ...base,
    loss: pre.loss.data.reduce((s, v) => s + v, 0),
    lossShape: [...pre.loss.shape],
    params: pre.grads.map((g, i) => ({ name: names[i], shape: [...g.shape], data: Array.from(g.data) })),
  };
}

function graphOf(m: NamedModel, frames: UserFrames): ModelGraphResult {
  resetDefaultRng();
  const { inputs, params } = m.model.spec;
  // Inputs too, so one backward gives ‖∂L/∂node‖ for the data nodes and all that hangs off them.
  for (const t of [...Object.values(inputs), ...Object.values(params)]) t.requireGrad();
  const traced = traceGraph({ inputs, params, frames, scope: currentScope }, () => m.model.spec.forward(inputs, params));
  attachNodeValues(traced.graph, traced.tensors, traced.value instanceof Tensor ? traced.value : undefined);
  const base = { name: m.name, ...(m.loc ? { loc: m.loc } : {}), graph: traced.graph };
  if (traced.error !== undefined) return { ...base, error: errorFromThrown(traced.error, frames, m.loc) };
  if (!(traced.value instanceof Tensor)) return { ...base, error: located('no-output', noOutputMessage(m, traced.value), m.forwardLoc ?? m.loc) };
  const bad = findNonFinite(traced.value);
  // A graph with NaN is still worth drawing; the error says where the numbers went wrong.
  if (bad !== undefined) return { ...base, error: located('nan', `The output of model '${m.name}' contains ${bad}.`, m.loc) };
  return base;
}
