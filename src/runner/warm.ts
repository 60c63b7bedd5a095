// A warm worker: one long-lived worker_threads worker that keeps the engine and the TypeScript
// parser loaded and runs bundle after bundle, so a live graph costs a run, not a worker start
// (~0.3–0.5 s of loading). It is the fresh worker's supervisor (spawn.ts) kept between runs, so it
// gives the same guarantees: the time and memory limits (a worker that broke one is replaced for
// the next run), and every failure as data. Two things are its own:
// - cancellation: a queued run is dropped at once; a running one is given a short grace to finish
//   (a graph run takes tens of ms) and its worker only replaced when it is still running user code;
// - an idle worker is shut down after a while. The worker itself resets definitions, the RNG and
//   the user's timers before each file (execute.ts).
// Runs are served one at a time, in order; the idle worker does not keep the process alive.
import type { WorkerReply, WorkerRequest } from '../shared/workerProtocol';
import { type RunSupervisor, type WorkerLimits, defaultWorkerPath, runOn, runSupervisor } from './spawn';

/** How long a cancelled run may keep running before its worker is terminated and replaced. */
export const CANCEL_GRACE_MS = 150;
/** An idle warm worker is shut down after this long; the next run starts a new one. */
export const IDLE_SHUTDOWN_MS = 10 * 60_000;

export interface WarmRunResult {
  reply: WorkerReply;
  output?: string;
}

export class WarmRunner {
  private readonly supervisor: RunSupervisor;
  private disposed = false;

  constructor(opts: { idleShutdownMs?: number; cancelGraceMs?: number } = {}) {
    this.supervisor = runSupervisor({ idleShutdownMs: opts.idleShutdownMs ?? IDLE_SHUTDOWN_MS, cancelGraceMs: opts.cancelGraceMs ?? CANCEL_GRACE_MS });
  }

  /** Workers started so far (for tests: a stuck file costs one, a normal run none). */
  get started(): number {
    return this.supervisor.started;
  }

  /** Starts the worker ahead of the first run, so even that one is warm. */
  prewarm(memoryMb: number, workerPath?: string): void {
    this.supervisor.prewarm(workerPath ?? defaultWorkerPath(), memoryMb);
  }

  /** Runs `request`; what the file printed comes back with the reply (`limits.onOutput` is not called). */
  async run(request: WorkerRequest, limits: WorkerLimits): Promise<WarmRunResult> {
    if (this.disposed) return { reply: { type: 'failed', error: { kind: 'internal', message: 'The Gradlens warm worker was shut down.' } } };
    let output = '';
    const reply = await runOn(this.supervisor, request, limits, (text) => (output += text));
    return { reply, ...(output ? { output } : {}) };
  }

  dispose(): void {
    this.disposed = true;
    this.supervisor.dispose();
  }
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
