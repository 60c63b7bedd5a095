// A large element-by-element check, planned by the parent in two explicit phases:
// 1. the parameter tensors, split into groups of about equal element counts, each group checked in
//    its own worker at the same time (checkParameters: every draw is keyed by the parameter's name,
//    so a group's rows are exactly what a one-worker check gives for those parameters);
// 2. once, in one more worker, the rest of the report from what phase one found: the Taylor test
//    (avoiding every kink found), the custom ops, the located mistake, the verdict.
// The merged report is exactly the one-worker report.
import type { ParamPhase } from '../gradcheck/model';
import type { CheckOptions } from '../gradcheck/types';
import type { ModelCheckResult, RunError, SplitPlan, WorkerReply, WorkerRequest } from '../shared/workerProtocol';
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

/** Phase one's groups, in the model's order, as one ParamPhase. */
export function mergePhases(parts: readonly ParamPhase[]): ParamPhase {
  const notes: string[] = [];
  for (const n of parts.flatMap((p) => p.notes)) if (!notes.includes(n)) notes.push(n);
  return {
    params: parts.flatMap((p) => p.params),
    ...(parts.some((p) => p.manual) ? { manual: parts.flatMap((p) => p.manual ?? []) } : {}),
    kinks: Object.assign({}, ...parts.map((p) => p.kinks)) as Record<string, number[]>,
    notes,
  };
}

type Base = Omit<WorkerRequest, 'phase' | 'splitAbove' | 'task' | 'model'>;

/** Both phases of `plan` over `workers` workers; a failure of any worker fails the model. */
export async function checkPlanned(base: Base, plan: SplitPlan, workers: number, limits: () => WorkerLimits, options: Partial<CheckOptions>): Promise<ModelCheckResult | RunError> {
  const request = (phase: WorkerRequest['phase']): WorkerRequest => ({ ...base, task: 'check', model: plan.model, options, phase });
  const groups = partitionParams(plan.params, workers);
  // Each worker counts its own share; the caller sees their sum, once every worker has said its
  // total (before, the sum's total grew as workers started: 48,000 of 50,650, then 50,650).
  const shares: ({ done: number; total: number } | undefined)[] = groups.map(() => undefined);
  const shareLimits = (i: number): WorkerLimits => {
    const l = limits();
    const report = l.onProgress;
    if (!report) return l;
    return {
      ...l,
      onProgress: (done, total) => {
        shares[i] = { done, total };
        if (shares.every((p) => p !== undefined)) report(shares.reduce((s, p) => s + p!.done, 0), shares.reduce((s, p) => s + p!.total, 0));
      },
    };
  };
  const replies = await Promise.all(groups.map((paramNames, i) => runInWorker(request({ kind: 'parameters', model: plan.model, paramNames }), shareLimits(i))));
  const found: ParamPhase[] = [];
  for (const reply of replies) {
    const part = phaseOf(reply);
    if ('kind' in part) return part;
    found.push(part);
  }
  const reply = await runInWorker(request({ kind: 'complete', model: plan.model, found: mergePhases(found) }), limits());
  if (reply.type === 'failed') return reply.error;
  const result = reply.type === 'done' ? (reply.models as ModelCheckResult[]).find((m) => m.name === plan.model) : undefined;
  if (!result) return { kind: 'internal', message: `The pool's last worker lost model '${plan.model}'.` };
  return { ...result, slices: groups.length };
}

function phaseOf(reply: WorkerReply): ParamPhase | RunError {
  if (reply.type === 'failed') return reply.error;
  if (reply.type !== 'phase') return { kind: 'internal', message: 'A pool worker answered phase one with something else.' };
  return reply.error ?? reply.phase;
}
