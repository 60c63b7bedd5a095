// A full check of a large model, split by parameters across a small pool of workers (one per
// core) and merged back into one report. Each worker runs the whole file and checks its share of
// the parameters (checkModel's `paramNames`); the rest of each share's report — loss, determinism,
// notes, the Taylor slope over all parameters, the custom ops — is the whole model's, so the
// shares concatenate into exactly the report one worker would give.
import type { ModelCheckOptions, ModelCheckReport } from '../gradcheck/model';
import type { CheckOptions } from '../gradcheck/types';
import type { ModelCheckResult, RunError, SplitPlan, WorkerRequest } from '../shared/workerProtocol';
import { type WorkerLimits, runInWorker } from './spawn';

/** What a share brings back: the worker passes the checker's `kinks` through. */
type ShareResult = ModelCheckResult & Pick<ModelCheckReport, 'kinks'>;

/** Contiguous groups of parameter names with roughly equal element counts, at most `parts` of them. */
export function partitionParams(params: SplitPlan['params'], parts: number): string[][] {
  const total = params.reduce((s, p) => s + p.size, 0);
  const groups: string[][] = [];
  let current: string[] = [];
  let filled = 0;
  params.forEach((p, i) => {
    current.push(p.name);
    filled += p.size;
    const remainingParams = params.length - i - 1;
    const target = (total * (groups.length + 1)) / parts;
    if (groups.length < parts - 1 && filled >= target && remainingParams > 0) {
      groups.push(current);
      current = [];
    }
  });
  if (current.length) groups.push(current);
  return groups;
}

type Base = Omit<WorkerRequest, 'slice' | 'splitAbove' | 'task'>;

export async function checkSplit(
  base: Base,
  plan: SplitPlan,
  placeholder: ModelCheckResult,
  workers: number,
  limits: WorkerLimits,
  options: Partial<CheckOptions>,
): Promise<ModelCheckResult> {
  const groups = partitionParams(plan.params, workers);
  const shares = await Promise.all(groups.map((paramNames, i) => checkShare(base, plan.model, paramNames, i === 0, limits, options)));
  const parts: ShareResult[] = [];
  for (const share of shares) {
    if ('kind' in share) return withError(placeholder, share);
    parts.push(share);
  }
  // The Taylor direction avoids every kink the check found. Each share avoided its own; when
  // kinks turned up in more than one share, none of them saw them all, so one more worker runs
  // the Taylor test (checking no parameter) with all of them.
  const withKinks = parts.filter((p) => p.kinks);
  let taylorFrom: ModelCheckResult = withKinks.length === 1 ? withKinks[0] : parts[0];
  if (withKinks.length > 1) {
    const taylorAvoid = Object.assign({}, ...withKinks.map((p) => p.kinks)) as Record<string, number[]>;
    const rerun = await checkShare(base, plan.model, [], false, limits, { ...options, taylorAvoid });
    if ('kind' in rerun) return withError(placeholder, rerun);
    taylorFrom = rerun;
  }
  return mergeReports(placeholder, parts, taylorFrom);
}

async function checkShare(
  base: Base,
  model: string,
  paramNames: string[],
  primary: boolean,
  limits: WorkerLimits,
  options: Partial<ModelCheckOptions>,
): Promise<ShareResult | RunError> {
  const reply = await runInWorker({ ...base, task: 'check', model, options, slice: { model, paramNames, primary } }, limits);
  if (reply.type === 'failed') return reply.error;
  const part = (reply.models as ShareResult[]).find((m) => m.name === model);
  if (!part) return { kind: 'internal', message: `A pool worker lost model '${model}'.` };
  return part.error ?? part;
}

/**
 * One report from shares checked in order: their parameter rows concatenated, everything else
 * from the first share, except the Taylor slopes (autograd's and the hand-written backward's) and
 * the notes, which come from the run that
 * avoided every kink (`taylorFrom`).
 */
export function mergeReports(placeholder: ModelCheckResult, parts: readonly ShareResult[], taylorFrom: ModelCheckResult = parts[0]): ModelCheckResult {
  const { kinks: _kinks, taylorSlope: _slope, manualTaylorSlope: _manualSlope, notes: _notes, ...first } = parts[0];
  const manual = parts.flatMap((p) => p.manual ?? []);
  return {
    ...first,
    name: placeholder.name,
    ...(placeholder.loc ? { loc: placeholder.loc } : {}),
    passed: parts.every((p) => p.passed),
    params: parts.flatMap((p) => p.params),
    ...(parts.some((p) => p.manual) ? { manual } : {}),
    ...(taylorFrom.taylorSlope !== undefined ? { taylorSlope: taylorFrom.taylorSlope } : {}),
    ...(taylorFrom.manualTaylorSlope !== undefined ? { manualTaylorSlope: taylorFrom.manualTaylorSlope } : {}),
    ...(taylorFrom.notes ? { notes: taylorFrom.notes } : {}),
    slices: parts.length,
  };
}

function withError(m: ModelCheckResult, error: RunError): ModelCheckResult {
  return { ...m, passed: false, error };
}
