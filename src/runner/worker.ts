// The worker entry (dist/worker.js). Two ways to run:
// - fresh (workerData is a request): run it, let what it printed reach the parent, post one reply;
//   the caller then terminates the worker;
// - warm (workerData is `{ type: 'serve' }`, runner/warm.ts): stay loaded — engine and TypeScript
//   parser already imported and warmed up — and answer `warm/run` messages one after another.
// It never throws past this point: anything unexpected is reported as an internal error.
import { parentPort, workerData } from 'node:worker_threads';
import { findModels } from '../parser/findModels';
import { type WarmReply, type WorkerReply, isWarmRun, isWarmServe, isWorkerRequest } from '../shared/workerProtocol';
import { execute } from './execute';
import { clearUserTimers } from './userTimers';

// User stacks can be deep inside the engine; keep enough frames to reach the user's own code.
Error.stackTraceLimit = 64;

/** Captured output of one warm run is capped like the runner's (index.ts MAX_OUTPUT). */
const MAX_OUTPUT = 64 * 1024;
/** Longest wait for a fresh run's output to reach the parent before the reply goes anyway. */
const FLUSH_LIMIT_MS = 1000;

function run(req: unknown): WorkerReply {
  if (!isWorkerRequest(req)) {
    return { type: 'failed', error: { kind: 'internal', message: 'The worker received a malformed request.' } };
  }
  try {
    return execute(req);
  } catch (err) {
    return { type: 'failed', error: { kind: 'internal', message: `Gradlens failed while running this file: ${(err as Error)?.message ?? String(err)}`, detail: (err as Error)?.stack } };
  }
}

/**
 * A warm worker's stdout and stderr outlive each run, so they are replaced for good: what a run
 * prints (console.log included) is kept for its reply, what is printed between runs (a late promise
 * callback) is dropped, and nothing ever reaches the real streams.
 */
function captureOutput(): <T>(fn: () => T) => { value: T; output: string } {
  let sink: { text: string } | undefined;
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (sink && sink.text.length < MAX_OUTPUT) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      sink.text += text.slice(0, MAX_OUTPUT - sink.text.length);
    }
    (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  };
  for (const s of [process.stdout, process.stderr]) s.write = write as typeof s.write;
  return (fn) => {
    const mine = { text: '' };
    sink = mine;
    try {
      return { value: fn(), output: mine.text };
    } finally {
      sink = undefined;
    }
  };
}

function serve(): void {
  // A promise the user's file left rejected must not take the warm worker down with it.
  process.on('unhandledRejection', () => undefined);
  const capturingOutput = captureOutput();
  // Warm up the parser once, so the first real run does not pay for TypeScript's lazy set-up.
  findModels('/__gradlens__/warmup.ts', "import { defineModel } from 'gradlens';\nexport const m = defineModel({ inputs: {}, params: {}, forward: () => null as never });\n");
  parentPort?.on('message', (msg: unknown) => {
    if (!isWarmRun(msg)) return;
    const { value: reply, output } = capturingOutput(() => run(msg.request));
    // Timers the file scheduled would fire between runs, or inside the next one.
    clearUserTimers();
    const answer: WarmReply = { type: 'warm/reply', id: msg.id, reply, ...(output ? { output } : {}) };
    parentPort?.postMessage(answer);
  });
}

/**
 * Resolves once everything written to `stream` has been handed to the parent (a write's callback
 * fires when the parent has taken the chunk), so the reply never overtakes what the file printed.
 * Bounded: a file that replaced or ended its stdout may never call back.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_LIMIT_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    try {
      stream.write('', done);
    } catch {
      done();
    }
  });
}

async function runFresh(req: unknown): Promise<void> {
  const reply = run(req);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  parentPort?.postMessage(reply);
}

if (isWarmServe(workerData)) serve();
else void runFresh(workerData);
