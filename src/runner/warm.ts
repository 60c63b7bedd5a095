// A warm worker: one long-lived worker_threads worker that keeps the engine and the TypeScript
// parser loaded and runs bundle after bundle, so a live graph costs a run, not a worker start
// (~0.3–0.5 s of loading). It gives the guarantees of a fresh worker (spawn.ts):
// - time limit: a stuck file is terminated at the limit, and the next run gets a new worker;
// - cancellation: a queued run is dropped at once; a running one is given a short grace to finish
//   (a graph run takes tens of ms) and only terminated when it is still running user code after it;
// - memory: the worker's heap limit, and the process's RSS growth during a run;
// - every failure comes back as data. The worker itself resets definitions, the RNG and the user's
//   timers before each file (execute.ts).
// Runs are served one at a time, in order; the idle worker does not keep the process alive.
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type RunError, type WarmRun, type WarmServe, type WorkerReply, type WorkerRequest, isWarmReply } from '../shared/workerProtocol';
import { type WorkerLimits, cancelledError, defaultWorkerPath, memoryError, timeoutError } from './spawn';

/** How long a cancelled run may keep running before its worker is terminated and replaced. */
export const CANCEL_GRACE_MS = 150;
/** An idle warm worker is shut down after this long; the next run starts a new one. */
export const IDLE_SHUTDOWN_MS = 10 * 60_000;
const RSS_POLL_MS = 200;

export interface WarmRunResult {
  reply: WorkerReply;
  output?: string;
}

interface Job {
  request: WorkerRequest;
  limits: WorkerLimits;
  resolve(r: WarmRunResult): void;
  settled: boolean;
}

interface Live {
  worker: Worker;
  path: string;
  memoryMb: number;
  /** Set once the worker died or was terminated: it takes no more runs. */
  dead: boolean;
}

export class WarmRunner {
  private live: Live | undefined;
  private readonly queue: Job[] = [];
  /** The job the worker is running, until it replies or is terminated (even when its caller was already answered). */
  private busy: { job: Job; id: number; onReply(msg: unknown): void; onGone(error: RunError): void } | undefined;
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Workers started so far (for tests: a stuck file costs one, a normal run none). */
  started = 0;

  private readonly idleShutdownMs: number;
  private readonly cancelGraceMs: number;

  constructor(opts: { idleShutdownMs?: number; cancelGraceMs?: number } = {}) {
    this.idleShutdownMs = opts.idleShutdownMs ?? IDLE_SHUTDOWN_MS;
    this.cancelGraceMs = opts.cancelGraceMs ?? CANCEL_GRACE_MS;
  }

  /** Starts the worker ahead of the first run, so even that one is warm. */
  prewarm(memoryMb: number, workerPath?: string): void {
    if (!this.disposed && !this.busy) this.ensureWorker(memoryMb, workerPath ?? defaultWorkerPath());
  }

  run(request: WorkerRequest, limits: WorkerLimits): Promise<WarmRunResult> {
    return new Promise((resolve) => {
      if (this.disposed) return resolve({ reply: failed({ kind: 'internal', message: 'The Gradlens warm worker was shut down.' }) });
      if (limits.signal?.aborted) return resolve({ reply: failed(cancelledError()) });
      const job: Job = { request, limits, settled: false, resolve: (r) => {
        if (job.settled) return;
        job.settled = true;
        limits.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      } };
      const onAbort = (): void => this.cancel(job);
      limits.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.resolve({ reply: failed(cancelledError()) });
    this.busy?.onGone(cancelledError());
    this.stopWorker();
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.resolve({ reply: failed(cancelledError()) });
      return;
    }
    if (this.busy?.job !== job) return;
    // Answer the caller now; the worker is ours to settle. A run that finishes within the grace
    // leaves the worker warm for the next one; one still running is stopped.
    job.resolve({ reply: failed(cancelledError()) });
    const busy = this.busy;
    setTimeout(() => {
      if (this.busy === busy) busy.onGone(cancelledError());
    }, this.cancelGraceMs);
  }

  private pump(): void {
    if (this.busy || this.disposed) return;
    const job = this.queue.shift();
    if (!job) {
      this.idle();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const workerPath = job.limits.workerPath ?? defaultWorkerPath();
    if (!fs.existsSync(workerPath)) {
      job.resolve({ reply: failed({ kind: 'internal', message: `The Gradlens worker is missing at ${workerPath}; run the build (node esbuild.mjs).` }) });
      return this.pump();
    }
    let live: Live;
    try {
      live = this.ensureWorker(job.limits.memoryMb, workerPath);
    } catch (err) {
      job.resolve({ reply: failed({ kind: 'internal', message: `Could not start the Gradlens worker: ${(err as Error).message}`, detail: (err as Error).stack }) });
      return this.pump();
    }
    this.start(job, live);
  }

  private start(job: Job, live: Live): void {
    const id = this.nextId++;
    const startRss = process.memoryUsage.rss();
    const { limits } = job;
    const end = (): void => {
      clearTimeout(timer);
      clearInterval(rssTimer);
      this.busy = undefined;
    };
    // The worker can no longer be trusted with a run: stop it, answer, and move on to a new one.
    const onGone = (error: RunError): void => {
      if (this.busy?.id !== id) return;
      end();
      this.stopWorker();
      job.resolve({ reply: failed(error) });
      this.pump();
    };
    const onReply = (msg: unknown): void => {
      if (this.busy?.id !== id) return;
      if (!isWarmReply(msg) || msg.id !== id) return onGone({ kind: 'internal', message: 'The Gradlens worker sent a malformed reply.' });
      end();
      job.resolve({ reply: msg.reply, ...(msg.output ? { output: msg.output } : {}) });
      this.pump();
    };
    const timer = setTimeout(() => onGone(timeoutError(limits.limitMs ?? limits.timeoutMs)), limits.timeoutMs);
    const rssTimer = setInterval(() => {
      if (process.memoryUsage.rss() - startRss > limits.memoryMb * 1.25 * 2 ** 20) onGone(memoryError(limits.memoryMb));
    }, RSS_POLL_MS);
    this.busy = { job, id, onReply, onGone };
    live.worker.ref();
    const message: WarmRun = { type: 'warm/run', id, request: job.request };
    live.worker.postMessage(message);
  }

  private ensureWorker(memoryMb: number, workerPath: string): Live {
    const current = this.live;
    if (current && !current.dead && current.memoryMb === memoryMb && current.path === workerPath) return current;
    this.stopWorker();
    const serve: WarmServe = { type: 'serve' };
    const worker = new Worker(workerPath, {
      workerData: serve,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, memoryMb / 8)) },
      // Nothing is ever written to these: the worker captures each run's output and returns it with
      // the reply, and drops what is printed between runs (worker.ts). Not reading them keeps the
      // idle worker from holding the process open.
      stdout: true,
      stderr: true,
    });
    this.started++;
    const live: Live = { worker, path: workerPath, memoryMb, dead: false };
    worker.on('message', (msg: unknown) => {
      if (!live.dead) this.busy?.onReply(msg);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (live.dead) return;
      live.dead = true;
      const error: RunError =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? memoryError(memoryMb)
          : { kind: 'internal', message: `The Gradlens worker failed: ${err.message}`, detail: err.stack };
      this.busy?.onGone(error);
    });
    worker.on('exit', (code) => {
      if (live.dead) return;
      live.dead = true;
      this.busy?.onGone({ kind: 'exception', message: `The model file stopped the worker before it finished (exit code ${code}); does it call process.exit()?` });
    });
    // Idle until a run is posted: a waiting warm worker must not keep the CLI or a test alive.
    worker.unref();
    this.live = live;
    return live;
  }

  private stopWorker(): void {
    const live = this.live;
    this.live = undefined;
    if (!live) return;
    live.dead = true;
    void live.worker.terminate();
  }

  private idle(): void {
    this.live?.worker.unref();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (!this.busy && this.queue.length === 0) this.stopWorker();
    }, this.idleShutdownMs);
    this.idleTimer.unref();
  }
}

function failed(error: RunError): WorkerReply {
  return { type: 'failed', error };
}

let shared: WarmRunner | undefined;

/** The process's warm runner, used by `runFile({ warm: true })`. */
export function sharedWarmRunner(): WarmRunner {
  shared ??= new WarmRunner();
  return shared;
}

/** Stops the shared warm worker (the extension's deactivate, a CLI at exit). A later warm run starts a new one. */
export function disposeWarmWorkers(): void {
  shared?.dispose();
  shared = undefined;
}
