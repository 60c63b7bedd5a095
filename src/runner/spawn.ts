// Runs one request in a fresh worker_threads worker and always settles with a reply: a result, or
// an error as data when the worker hits the time or memory limit, is cancelled, or dies. The
// calling thread only waits on events, so it never blocks, whatever the user's code does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type RunError, type WorkerReply, type WorkerRequest, isWorkerReply } from '../shared/workerProtocol';

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
}

const RSS_POLL_MS = 200;
/** Longest wait for a stopped worker's output to drain: a guard, never reached in practice. */
const DRAIN_LIMIT_MS = 1000;

export function defaultWorkerPath(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (fs.existsSync(beside)) return beside;
  // Running from src/runner (tests under tsx): use the built worker.
  return path.resolve(__dirname, '../../dist/worker.js');
}

export function runInWorker(req: WorkerRequest, limits: WorkerLimits): Promise<WorkerReply> {
  return new Promise((resolve) => {
    const fail = (error: RunError): WorkerReply => ({ type: 'failed', error });
    if (limits.signal?.aborted) return resolve(fail(cancelledError()));
    const workerPath = limits.workerPath ?? defaultWorkerPath();
    if (!fs.existsSync(workerPath)) {
      return resolve(fail({ kind: 'internal', message: `The Gradlens worker is missing at ${workerPath}; run the build (node esbuild.mjs).` }));
    }

    let worker: Worker;
    try {
      worker = new Worker(workerPath, {
        workerData: req,
        resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, limits.memoryMb / 8)) },
        // Captured, so user prints never mix into the caller's stdout (the CLI's --json).
        stdout: true,
        stderr: true,
      });
    } catch (err) {
      return resolve(fail({ kind: 'internal', message: `Could not start the Gradlens worker: ${(err as Error).message}`, detail: (err as Error).stack }));
    }

    const outputEnded = Promise.all([worker.stdout, worker.stderr].map((stream) => {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => limits.onOutput?.(chunk));
      return streamEnded(stream);
    }));

    let settled = false;
    const startRss = process.memoryUsage.rss();
    const finish = (reply: WorkerReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(rssTimer);
      limits.signal?.removeEventListener('abort', onAbort);
      // Also ends any timers the user's file left running. What the file printed may still be on
      // its way (stdio travels on its own port, apart from the reply): the streams end once the
      // stopped worker's port is drained, so the reply waits for that.
      void worker.terminate();
      void atMostDrainLimit(outputEnded).then(() => resolve(reply));
    };
    const onAbort = (): void => finish(fail(cancelledError()));
    const timer = setTimeout(() => finish(fail(timeoutError(limits.limitMs ?? limits.timeoutMs))), limits.timeoutMs);
    const rssTimer = setInterval(() => {
      if (process.memoryUsage.rss() - startRss > limits.memoryMb * 1.25 * 2 ** 20) finish(fail(memoryError(limits.memoryMb)));
    }, RSS_POLL_MS);
    limits.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (msg: unknown) => {
      finish(isWorkerReply(msg) ? msg : fail({ kind: 'internal', message: 'The Gradlens worker sent a malformed reply.' }));
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(fail(memoryError(limits.memoryMb)));
      else finish(fail({ kind: 'internal', message: `The Gradlens worker failed: ${err.message}`, detail: err.stack }));
    });
    worker.on('exit', (code) => {
      finish(fail({ kind: 'exception', message: `The model file stopped the worker before it finished (exit code ${code}); does it call process.exit()?` }));
    });
  });
}

/** Resolves when `stream` has delivered its last chunk. */
function streamEnded(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    if ((stream as { readableEnded?: boolean }).readableEnded) return resolve();
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', resolve);
  });
}

/** `done`, or DRAIN_LIMIT_MS from now, whichever comes first. */
function atMostDrainLimit(done: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DRAIN_LIMIT_MS);
    void done.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function cancelledError(): RunError {
  return { kind: 'cancelled', message: 'The run was cancelled.' };
}

export function timeoutError(ms: number): RunError {
  return { kind: 'timeout', message: `Stopped at the time limit of ${formatMs(ms)}: the file was still running (an endless loop, or a model too large to check in time?). If the model needs longer, raise the time limit.` };
}

export function memoryError(mb: number): RunError {
  return { kind: 'memory', message: `Stopped at the memory limit of ${mb} MB: the file allocated more than that (tensors too large, or kept in an ever-growing list?).` };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${ms} ms`;
}
