// The runner's API, shared by the CLI and the extension: one file (its text, saved or not) in,
// plain results out. Bundling runs on esbuild's service, the file on a worker: the caller only awaits.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CheckOptions } from '../gradcheck/types';
import type { ModelCheckResult, RunError, RunTask, TaskResults, WorkerRequest } from '../shared/workerProtocol';
import { bundleModelFile } from './bundle';
import { unrunResult } from '../shared/checkResult';
import { CheckLedger } from './partial';
import { checkPlanned } from './pool';
import { memoryLimitWords, runInWorker, timeLimitWords, timeoutError } from './spawn';
import { WarmRunner, sharedWarmRunner } from './warm';

export { WarmRunner, disposeWarmWorkers, sharedWarmRunner } from './warm';
export type { RunError, RunTask, SourceLocation, TracedGraph, ModelCheckResult, ModelGradResult, ModelGraphResult } from '../shared/workerProtocol';

export interface RunFileOptions<T extends RunTask = RunTask> {
  fileName: string;
  /** The editor's text; read from disk when absent. */
  text?: string;
  task: T;
  /** Run only the model with this name. */
  model?: string;
  options?: Partial<CheckOptions>;
  /** Default 30 000 ms. */
  timeoutMs?: number;
  /** Old-generation heap of each worker, MB. Default 1024. */
  memoryMb?: number;
  signal?: AbortSignal;
  /** Pool size for splitting large full checks. Default: one per core. 1 disables splitting. */
  workers?: number;
  /**
   * A full check of more parameter elements than this is split across the pool. Default 20 000:
   * the sweep replays a few microseconds an element, so below that a worker's start and the
   * file's evaluation cost more than a second core saves.
   */
  splitAbove?: number;
  workerPath?: string;
  /**
   * Run in a warm worker that stays loaded between runs (warm.ts): `true` for the process's shared
   * one, or a WarmRunner of the caller's own. Graph and grad runs only: a check always gets a fresh
   * worker, so nothing one file did can touch the verdict on another.
   */
  warm?: boolean | WarmRunner;
  /**
   * Whether the caller's workspace is trusted (VS Code's Workspace Trust). `false`: the runner
   * refuses the file before anything of it is read, bundled or run. The extension checks trust
   * first; this is the second lock. Default true: the CLI runs the files it is given.
   */
  workspaceTrusted?: boolean;
  /**
   * How far a check has come: `done` of `total` elements compared one by one (tensors in fast
   * mode), summed over the pool's workers while a split check runs; a file's models report in turn.
   */
  onProgress?: (done: number, total: number) => void;
}

export type RunResult<T extends RunTask = RunTask> =
  | { ok: true; file: string; task: T; models: TaskResults[T]; output?: string }
  | { ok: false; file: string; task: T; error: RunError; output?: string };

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_MB = 1024;
export const DEFAULT_SPLIT_ABOVE = 20_000;
const MAX_OUTPUT = 64 * 1024;

export async function runFile<T extends RunTask>(opts: RunFileOptions<T>): Promise<RunResult<T>> {
  const file = path.resolve(opts.fileName);
  const task = opts.task;
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let output = '';
  const collect = (s: string): void => {
    if (output.length < MAX_OUTPUT) output += s.slice(0, MAX_OUTPUT - output.length);
  };
  const done = (r: { ok: true; models: TaskResults[T] } | { ok: false; error: RunError }): RunResult<T> =>
    ({ file, task, ...r, ...(output ? { output } : {}) }) as RunResult<T>;

  if (opts.workspaceTrusted === false) return done({ ok: false, error: untrustedError() });
  let text = opts.text;
  if (text === undefined) {
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      return done({ ok: false, error: { kind: 'exception', message: `Cannot read the file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message}.`, file } });
    }
  }
  const cancelled = () => done({ ok: false, error: { kind: 'cancelled', message: 'The run was cancelled.' } });
  if (opts.signal?.aborted) return cancelled();
  const bundled = await bundleModelFile(file, text);
  if (!bundled.ok) return done({ ok: false, error: bundled.error });
  // A cancel that arrived while esbuild was bundling: no worker must start for it.
  if (opts.signal?.aborted) return cancelled();

  const workers = Math.max(1, opts.workers ?? os.availableParallelism());
  // A check's worker tells each model's result as it is in: a limit then stops only the model it
  // was checking, and the others keep theirs (partial.ts). Its progress says whether a stopped
  // model's sweep was comparing elements (slow) or not (stuck in its own code).
  const ledger = task === 'check' ? new CheckLedger() : undefined;
  const onProgress = ledger
    ? (done: number, total: number): void => {
        ledger.progress(done, total);
        opts.onProgress?.(done, total);
      }
    : opts.onProgress;
  const limits = () => ({
    timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)),
    limitMs: timeoutMs,
    memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB,
    signal: opts.signal,
    workerPath: opts.workerPath,
    onOutput: collect,
    onProgress,
  });
  const base = { type: 'run' as const, fileName: file, text, code: bundled.bundle.code, sourceMap: bundled.bundle.sourceMap, options: opts.options };
  const request: WorkerRequest = {
    ...base,
    task,
    ...(opts.model !== undefined ? { model: opts.model } : {}),
    ...(task === 'check' && workers > 1 ? { splitAbove: opts.splitAbove ?? DEFAULT_SPLIT_ABOVE } : {}),
  };
  const warm = task !== 'check' && opts.warm ? (opts.warm === true ? sharedWarmRunner() : opts.warm) : undefined;
  const stopped = (error: RunError): RunResult<T> => {
    const kept = ledger?.stoppedBy(error, error.kind === 'memory' ? memoryLimitWords(opts.memoryMb ?? DEFAULT_MEMORY_MB) : timeLimitWords(timeoutMs));
    return kept ? done({ ok: true, models: kept as TaskResults[T] }) : done({ ok: false, error });
  };
  let reply;
  if (warm) {
    const answer = await warm.run(request, limits());
    if (answer.output) collect(answer.output);
    reply = answer.reply;
  } else {
    reply = await runInWorker(request, { ...limits(), onPartial: ledger?.hear });
  }
  if (reply.type === 'failed') return stopped(reply.error);
  if (reply.type !== 'done' || reply.task !== task) return done({ ok: false, error: { kind: 'internal', message: 'The worker answered a different task.' } });

  let models = reply.models as TaskResults[T];
  if (reply.split?.length) {
    // Models too large for one worker's element-by-element check: the parent plans their two phases.
    const checks = [...(models as ModelCheckResult[])];
    for (const plan of reply.split) {
      ledger?.take({ type: 'checking', index: plan.index, mode: 'full', size: plan.params.reduce((n, p) => n + p.size, 0) });
      if (Date.now() - started >= timeoutMs) return stopped(timeoutError(timeoutMs));
      const result = await checkPlanned(base, plan, workers, limits, opts.options ?? {});
      // A whole-file failure (time, memory, cancel) in a phase stops the run like any other.
      if ('kind' in result) {
        if (['timeout', 'memory', 'cancelled', 'internal'].includes(result.kind)) return stopped(result);
        checks.splice(plan.index, 0, unrunResult(plan.model, result));
      } else checks.splice(plan.index, 0, result);
      ledger?.take({ type: 'checked', index: plan.index, result: checks[plan.index] });
    }
    models = checks as TaskResults[T];
  }
  return done({ ok: true, models });
}

export function untrustedError(): RunError {
  return { kind: 'untrusted', message: 'Gradlens runs no code of an untrusted workspace (Restricted Mode). Trust the workspace to check and trace its models.' };
}
