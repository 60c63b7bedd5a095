// A full check of a large model, split by parameters across a small pool of workers (one per
// core) and merged back into one report. Each worker runs the whole file but checks only its
// share of the parameters; the first one also checks the custom ops, so nothing is counted twice.
import type { CheckOptions } from '../gradcheck/types';
import type { ModelCheckResult, RunError, SplitPlan, WorkerRequest } from '../shared/workerProtocol';
import { type WorkerLimits, runInWorker } from './spawn';

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

export async function checkSplit(
  base: Omit<WorkerRequest, 'slice' | 'splitAbove' | 'task'>,
  plan: SplitPlan,
  placeholder: ModelCheckResult,
  workers: number,
  limits: WorkerLimits,
  options: Partial<CheckOptions>,
): Promise<ModelCheckResult> {
  const groups = partitionParams(plan.params, workers);
  const replies = await Promise.all(
    groups.map((paramNames, i) =>
      runInWorker({ ...base, task: 'check', model: plan.model, options, slice: { model: plan.model, paramNames, primary: i === 0 } }, limits),
    ),
  );
  const parts: ModelCheckResult[] = [];
  for (const reply of replies) {
    if (reply.type === 'failed') return withError(placeholder, reply.error);
    const part = (reply.models as ModelCheckResult[]).find((m) => m.name === plan.model);
    if (!part) return withError(placeholder, { kind: 'internal', message: `A pool worker lost model '${plan.model}'.` });
    if (part.error) return withError(placeholder, part.error);
    parts.push(part);
  }
  return mergeReports(placeholder, parts);
}

/** One report from slices checked in order; the first slice carries the ops and the summary figures. */
export function mergeReports(placeholder: ModelCheckResult, parts: readonly ModelCheckResult[]): ModelCheckResult {
  const [first] = parts;
  const manual = parts.flatMap((p) => p.manual ?? []);
  return {
    ...first,
    name: placeholder.name,
    ...(placeholder.loc ? { loc: placeholder.loc } : {}),
    passed: parts.every((p) => p.passed),
    params: parts.flatMap((p) => p.params),
    ...(parts.some((p) => p.manual) ? { manual } : {}),
    ops: first.ops,
    deterministic: parts.every((p) => p.deterministic),
    slices: parts.length,
  };
}

function withError(m: ModelCheckResult, error: RunError): ModelCheckResult {
  return { ...m, passed: false, error };
}
