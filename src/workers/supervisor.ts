// One supervisor for every worker_threads worker Gradlens starts: the runner's (fresh and warm), the
// parser's and the rule verifier's. It starts a worker with its limits and sends it requests one at
// a time, each with an id (protocol.ts; the worker answers with serveRequests.ts), the first only
// once the worker says it has loaded, so that a request's memory is counted without the start-up.
// Every request is answered with an outcome, never a throw: the result, or a failure as data — the
// time or memory limit, a cancel, the worker exiting, crashing or sending what fails the guards.
// The calling thread only waits on events, so it never blocks, whatever runs in the worker.
//
// A worker serves request after request while it is trusted; one that broke a limit or sent
// garbage is terminated, and the next request starts a new one. A fresh worker is a warm one used
// once: make a supervisor, send one request, dispose of it.
import * as fs from 'node:fs';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { type RequestMessage, isOutputMessage, isPartialMessage, isProgressMessage, isReadyMessage, isReplyMessage } from './protocol';

/** How often the process's resident memory is sampled while a request with a memory limit runs. */
const RSS_POLL_MS = 200;
/** How far the process's RSS may grow past the heap limit during a request: typed arrays live outside the V8 heap. */
export const RSS_ALLOWANCE = 1.25;

export interface RequestOptions {
  /** The worker's script (a bundled .js). A live worker of another script or memory limit is replaced. */
  workerPath: string;
  /** The worker's V8 old-generation limit, in MB; it also bounds the process's RSS growth while the request runs. Absent: Node's defaults, no watch. */
  memoryMb?: number;
  /** Stop the worker when the request has run this long (ms). Absent: no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Receives what the worker prints while it serves this request, as it prints it. */
  onOutput?: (text: string) => void;
  /** Receives how far the request has come, as the worker reports it. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Receives the pieces of the answer the worker sends ahead of it, unchecked (the caller guards
   * them as it guards nothing else from the worker): what they held still counts when the request
   * then fails at a limit.
   */
  onPartial?: (payload: unknown) => void;
}

export type WorkerFailure =
  | { kind: 'cancelled' } // the caller's signal aborted
  | { kind: 'timeout' } // ran past timeoutMs
  | { kind: 'memory' } // hit the heap limit, or the process's RSS grew past it
  | { kind: 'exited'; code: number } // the worker stopped on its own (process.exit)
  | { kind: 'crashed'; error: Error } // the worker died of an uncaught error
  | { kind: 'malformed' } // it sent something that fails the guards
  | { kind: 'threw'; message: string; stack?: string } // the worker's handler threw; the worker is fine
  | { kind: 'missing'; path: string } // no worker script at workerPath
  | { kind: 'unstartable'; error: Error } // the worker could not be started, or the request not posted
  | { kind: 'disposed' }; // the supervisor was shut down

export type Outcome<R> = { ok: true; result: R } | { ok: false; failure: WorkerFailure };

export interface SupervisorOptions<R> {
  /** Guards the results the worker sends: one that fails it is `malformed`, never handed on. */
  isResult: (x: unknown) => x is R;
  /** How long a cancelled request may go on running, so that its worker can serve the next one, before the worker is replaced. Default 0: at once. */
  cancelGraceMs?: number;
  /** A worker idle this long (ms) is stopped; the next request starts a new one. Default: kept. */
  idleShutdownMs?: number;
}

/** A sentence for `failure` of `worker` ("the parser worker"), for callers with no wording of their own. */
export function describeFailure(failure: WorkerFailure, worker: string): string {
  switch (failure.kind) {
    case 'cancelled':
      return `the request to ${worker} was cancelled`;
    case 'disposed':
      return `${worker} was shut down`;
    case 'timeout':
      return `${worker} took too long`;
    case 'memory':
      return `${worker} ran out of memory`;
    case 'exited':
      return `${worker} stopped (exit code ${failure.code})`;
    case 'crashed':
    case 'unstartable':
      return failure.error.message;
    case 'malformed':
      return `${worker} sent a malformed reply`;
    case 'threw':
      return failure.message;
    case 'missing':
      return `${worker} is missing at ${failure.path}; run the build`;
  }
}

/** The one heap formula for every worker with a memory limit: the old generation as asked, a young generation in proportion. */
export function resourceLimitsFor(memoryMb: number): ResourceLimits {
  return { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, memoryMb / 8)) };
}

interface Job<R> {
  id: number;
  payload: unknown;
  options: RequestOptions;
  /** Set once the caller has its outcome; the worker may still be running the request (a cancel's grace). */
  answered: boolean;
  answer(outcome: Outcome<R>): void;
}

interface Live {
  worker: Worker;
  path: string;
  memoryMb: number | undefined;
  /** Set once the worker died or was terminated: it takes no more requests. */
  dead: boolean;
  /** Set once the worker said it has loaded (protocol.ts ReadyMessage). */
  ready: boolean;
  /** The request waiting for that, sent when it comes. */
  whenReady?: () => void;
}

export class WorkerSupervisor<Req, R> {
  /** Workers started so far (for tests: a stuck request costs one, a normal one none). */
  started = 0;
  private live: Live | undefined;
  private readonly queue: Job<R>[] = [];
  /** The request the worker is running, until it replies or the worker is stopped (even when its caller was already answered). */
  private running: { job: Job<R>; live: Live; stopWatches(): void } | undefined;
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly opts: SupervisorOptions<R>) {}

  /** Sends `payload` to the worker once the requests before it are answered. Always resolves. */
  request(payload: Req, options: RequestOptions): Promise<Outcome<R>> {
    return new Promise((resolve) => {
      if (this.disposed) return resolve(failed({ kind: 'disposed' }));
      const { signal } = options;
      if (signal?.aborted) return resolve(failed({ kind: 'cancelled' }));
      const onAbort = (): void => this.cancel(job);
      const job: Job<R> = {
        id: this.nextId++,
        payload,
        options,
        answered: false,
        answer: (outcome) => {
          if (job.answered) return;
          job.answered = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Starts a worker ahead of the first request, so even that one finds it loaded. */
  prewarm(workerPath: string, memoryMb?: number): void {
    if (this.disposed || this.running || !fs.existsSync(workerPath)) return;
    try {
      this.workerFor(workerPath, memoryMb);
      this.idle();
    } catch {
      // The first request will say why.
    }
  }

  /** Answers every request `disposed` and stops the worker. Final: later requests are answered `disposed` too. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.answer(failed({ kind: 'disposed' }));
    if (this.running) this.fail(this.running.job, { kind: 'disposed' });
    this.stopWorker();
    clearTimeout(this.idleTimer);
  }

  private cancel(job: Job<R>): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return job.answer(failed({ kind: 'cancelled' }));
    }
    if (this.running?.job !== job) return;
    // Not sent yet (the worker is still loading): nothing of it runs, and the worker serves the next.
    if (this.running.live.whenReady) return this.settle(job, failed({ kind: 'cancelled' }));
    // The caller is answered now; the worker is ours to settle. A request that finishes within the
    // grace leaves its worker for the next one (its reply is taken and dropped); one still running
    // after it is stopped.
    job.answer(failed({ kind: 'cancelled' }));
    const grace = this.opts.cancelGraceMs ?? 0;
    if (grace <= 0) this.fail(job, { kind: 'cancelled' });
    else setTimeout(() => this.fail(job, { kind: 'cancelled' }), grace);
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const job = this.queue.shift();
    if (!job) return this.idle();
    clearTimeout(this.idleTimer);
    const { workerPath, memoryMb } = job.options;
    if (!fs.existsSync(workerPath)) {
      job.answer(failed({ kind: 'missing', path: workerPath }));
      return this.pump();
    }
    let live: Live;
    try {
      live = this.workerFor(workerPath, memoryMb);
    } catch (err) {
      job.answer(failed({ kind: 'unstartable', error: err as Error }));
      return this.pump();
    }
    this.start(job, live);
  }

  /**
   * The job is the worker's from now on (a cancel, the time limit or the worker's death answers
   * it), but it is sent, and its memory counted, only once the worker has loaded: a fresh worker's
   * start-up (for the runner ≈30–50 MB, TypeScript's warm-up) is not the request's. The time limit
   * runs from here, start-up included, so a worker that never loads is still stopped.
   */
  private start(job: Job<R>, live: Live): void {
    const { timeoutMs, memoryMb } = job.options;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.fail(job, { kind: 'timeout' }), timeoutMs);
    let rssWatch: ReturnType<typeof setInterval> | undefined;
    const stopWatches = (): void => {
      live.whenReady = undefined;
      clearTimeout(timer);
      clearInterval(rssWatch);
    };
    this.running = { job, live, stopWatches };
    live.worker.ref();
    const send = (): void => {
      live.whenReady = undefined;
      const startRss = process.memoryUsage.rss();
      if (memoryMb !== undefined) {
        rssWatch = setInterval(() => {
          if (process.memoryUsage.rss() - startRss > memoryMb * RSS_ALLOWANCE * 2 ** 20) this.fail(job, { kind: 'memory' });
        }, RSS_POLL_MS);
      }
      this.post(job, live, startRss);
    };
    if (live.ready) send();
    else live.whenReady = send;
  }

  private post(job: Job<R>, live: Live, startRss: number): void {
    try {
      live.worker.postMessage({ type: 'request', id: job.id, payload: job.payload, rssAtStart: startRss } satisfies RequestMessage);
    } catch (err) {
      // A payload that cannot be cloned: the worker never saw it and stays usable.
      this.settle(job, failed({ kind: 'unstartable', error: err as Error }));
    }
  }

  private onMessage(live: Live, msg: unknown): void {
    if (isReadyMessage(msg) && !live.ready) {
      live.ready = true;
      return live.whenReady?.();
    }
    const running = this.running;
    // An idle worker has no one to answer; a stopped one is no longer heard.
    if (live.dead || running?.live !== live) return;
    const { job } = running;
    if (isOutputMessage(msg)) {
      if (msg.id === job.id && !job.answered) job.options.onOutput?.(msg.text);
      return;
    }
    if (isProgressMessage(msg)) {
      if (msg.id === job.id && !job.answered) job.options.onProgress?.(msg.done, msg.total);
      return;
    }
    if (isPartialMessage(msg)) {
      if (msg.id === job.id && !job.answered) job.options.onPartial?.(msg.payload);
      return;
    }
    if (!isReplyMessage(msg)) return this.fail(job, { kind: 'malformed' });
    // A reply to an earlier request is never taken for this one's.
    if (msg.id !== job.id) return;
    if (!msg.ok) return this.settle(job, failed({ kind: 'threw', message: msg.error, ...(msg.stack ? { stack: msg.stack } : {}) }));
    if (!this.opts.isResult(msg.result)) return this.fail(job, { kind: 'malformed' });
    this.settle(job, { ok: true, result: msg.result });
  }

  /** `job` is over and its worker still trusted: answer, and go on to the next request. */
  private settle(job: Job<R>, outcome: Outcome<R>): void {
    this.running?.stopWatches();
    this.running = undefined;
    job.answer(outcome);
    this.pump();
  }

  /** The worker can no longer be trusted with `job`: stop it, answer, and go on with a new worker. */
  private fail(job: Job<R>, failure: WorkerFailure): void {
    if (this.running?.job !== job) return;
    this.running.stopWatches();
    this.running = undefined;
    this.stopWorker();
    job.answer(failed(failure));
    this.pump();
  }

  private workerFor(workerPath: string, memoryMb: number | undefined): Live {
    const current = this.live;
    if (current && !current.dead && current.path === workerPath && current.memoryMb === memoryMb) return current;
    this.stopWorker();
    const worker = new Worker(workerPath, {
      ...(memoryMb === undefined ? {} : { resourceLimits: resourceLimitsFor(memoryMb) }),
      // Captured, so nothing the worker prints reaches the caller's stdout (the CLI's --json).
      // serveRequests sends what a request prints as output messages, and nothing else is written
      // to these. Left unread, they keep no idle worker's process alive.
      stdout: true,
      stderr: true,
    });
    this.started++;
    const live: Live = { worker, path: workerPath, memoryMb, dead: false, ready: false };
    worker.on('message', (msg: unknown) => this.onMessage(live, msg));
    worker.on('error', (err: Error & { code?: string }) => this.onGone(live, err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'memory' } : { kind: 'crashed', error: err }));
    worker.on('exit', (code: number) => this.onGone(live, { kind: 'exited', code }));
    // Referenced only while it runs a request: a waiting worker must not keep the CLI or a test alive.
    worker.unref();
    this.live = live;
    return live;
  }

  private onGone(live: Live, failure: WorkerFailure): void {
    if (live.dead) return;
    live.dead = true;
    if (this.live === live) this.live = undefined;
    if (this.running?.live === live) this.fail(this.running.job, failure);
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
    clearTimeout(this.idleTimer);
    const after = this.opts.idleShutdownMs;
    if (after === undefined || !this.live) return;
    this.idleTimer = setTimeout(() => {
      if (!this.running && this.queue.length === 0) this.stopWorker();
    }, after);
    this.idleTimer.unref();
  }
}

function failed<R>(failure: WorkerFailure): Outcome<R> {
  return { ok: false, failure };
}
