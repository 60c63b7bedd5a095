// The runner's side of the worker supervisor (workers/supervisor.ts): its limits become a
// request's, and every failure becomes a RunError worded for the user. A fresh worker is a warm
// one used once, so runInWorker is a supervisor that serves one request and is disposed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunError, type WorkerReply, type WorkerRequest, isWorkerReply } from '../shared/workerProtocol';
import { type Outcome, type RequestOptions, type SupervisorOptions, type WorkerFailure, WorkerSupervisor } from '../workers/supervisor';

export interface WorkerLimits {
  /** Stop the worker after this long (ms). */
  timeoutMs: number;
  /** The limit as the user set it, for the message (timeoutMs may be what is left of it). */
  limitMs?: number;
  /** V8 old-generation limit of the worker, in MB; also bounds the process's growth (typed arrays live outside the V8 heap). */
  memoryMb: number;
  signal?: AbortSignal;
  /** dist/worker.js; found next to this bundle or under dist/ when run from sources. */
  workerPath?: string;
  /** Receives what user code prints (console.log in a model file). */
  onOutput?: (text: string) => void;
  /** Receives how far a check has come: elements compared of those it will compare. */
  onProgress?: (done: number, total: number) => void;
  /** Receives what the worker sends ahead of its reply, unchecked (supervisor.ts onPartial). */
  onPartial?: (payload: unknown) => void;
}

export type RunSupervisor = WorkerSupervisor<WorkerRequest, WorkerReply>;

export function defaultWorkerPath(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (fs.existsSync(beside)) return beside;
  // Running from src/runner (tests under tsx): use the built worker.
  return path.resolve(__dirname, '../../dist/worker.js');
}

/** A supervisor of runner workers (dist/worker.js), whose replies are checked as WorkerReply. */
export function runSupervisor(opts: Omit<SupervisorOptions<WorkerReply>, 'isResult'> = {}): RunSupervisor {
  return new WorkerSupervisor({ ...opts, isResult: isWorkerReply });
}

/** Runs `req` on `supervisor`'s worker and answers with a reply, a failure included. */
export async function runOn(supervisor: RunSupervisor, req: WorkerRequest, limits: WorkerLimits, onOutput = limits.onOutput): Promise<WorkerReply> {
  const options: RequestOptions = {
    workerPath: limits.workerPath ?? defaultWorkerPath(),
    memoryMb: limits.memoryMb,
    timeoutMs: limits.timeoutMs,
    signal: limits.signal,
    onOutput,
    onProgress: limits.onProgress,
    onPartial: limits.onPartial,
  };
  return replyOf(await supervisor.request(req, options), limits);
}

export async function runInWorker(req: WorkerRequest, limits: WorkerLimits): Promise<WorkerReply> {
  const once = runSupervisor();
  try {
    return await runOn(once, req, limits);
  } finally {
    once.dispose();
  }
}

function replyOf(outcome: Outcome<WorkerReply>, limits: WorkerLimits): WorkerReply {
  return outcome.ok ? outcome.result : { type: 'failed', error: runErrorOf(outcome.failure, limits) };
}

function runErrorOf(failure: WorkerFailure, limits: WorkerLimits): RunError {
  switch (failure.kind) {
    case 'cancelled':
    case 'disposed':
      return cancelledError();
    case 'timeout':
      return timeoutError(limits.limitMs ?? limits.timeoutMs);
    case 'memory':
      return memoryError(limits.memoryMb);
    case 'exited':
      return { kind: 'exception', message: `The model file stopped the worker before it finished (exit code ${failure.code}); does it call process.exit()?` };
    case 'crashed':
      return { kind: 'internal', message: `The Gradlens worker failed: ${failure.error.message}`, detail: failure.error.stack };
    case 'malformed':
      return { kind: 'internal', message: 'The Gradlens worker sent a malformed reply.' };
    case 'threw':
      return { kind: 'internal', message: `Gradlens failed while running this file: ${failure.message}`, detail: failure.stack };
    case 'missing':
      return { kind: 'internal', message: `The Gradlens worker is missing at ${failure.path}; run the build (node esbuild.mjs).` };
    case 'unstartable':
      return { kind: 'internal', message: `Could not start the Gradlens worker: ${failure.error.message}`, detail: failure.error.stack };
  }
}

export function cancelledError(): RunError {
  return { kind: 'cancelled', message: 'The run was cancelled.' };
}

export function timeoutError(ms: number): RunError {
  return {
    kind: 'timeout',
    message: `Stopped at ${timeLimitWords(ms)}: the file or its check was still running (an endless loop, or a model too large to check in time in this mode?). If it needs longer, raise the limit (the gradlens.timeout setting, or --timeout on the command line), or check in fast mode.`,
  };
}

export function memoryError(mb: number): RunError {
  return { kind: 'memory', message: `Stopped at ${memoryLimitWords(mb)}: the file allocated more than that (tensors too large, or kept in an ever-growing list?).` };
}

/** "the time limit of 30 s", as every message about a stop names it. */
export function timeLimitWords(ms: number): string {
  return `the time limit of ${formatMs(ms)}`;
}

/** "the memory limit of 1024 MB", as every message about a stop names it. */
export function memoryLimitWords(mb: number): string {
  return `the memory limit of ${mb} MB`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${ms} ms`;
}
