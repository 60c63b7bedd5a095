// The worker entry (dist/worker.js): it stays loaded — engine and TypeScript parser imported and
// warmed up — and runs the requests its supervisor sends (workers/supervisor.ts), one after
// another. A fresh run is the same worker answering one request and then terminated. What a file
// prints goes back with its own request (serveRequests), and anything unexpected is reported as an
// internal error.
import { withProgressSink } from '../gradcheck/progress';
import { findModels } from '../parser/findModels';
import { type WorkerReply, isWorkerRequest } from '../shared/workerProtocol';
import { serveRequests } from '../workers/serveRequests';
import { unhandledRejectionError } from './errors';
import { execute } from './execute';
import { UserFrames } from './userFrames';
import { clearUserTimers } from './userTimers';
import { beginMemoryBudget, installMemoryBudget } from './memoryBudget';
import { disarmWorkerProcess } from './userProcess';
import { hardenRunnerRealm } from './userRealm';

// User stacks can be deep inside the engine; keep enough frames to reach the user's own code.
Error.stackTraceLimit = 64;

// A promise the user's file left rejected must not take the worker, and the runs after it, down;
// it fails the run it belongs to, at its line (below). One left by an earlier run is dropped.
let rejections: unknown[] = [];
process.on('unhandledRejection', (reason) => rejections.push(reason));

// Warm up the parser once, so the first real run does not pay for TypeScript's lazy set-up.
findModels('/__gradlens__/warmup.ts', "import { defineModel } from 'gradlens';\nexport const m = defineModel({ inputs: {}, params: {}, forward: () => null as never });\n");

// Last, once everything of ours is loaded: model files run in realms of their own (userRealm.ts),
// and what they could still reach of this one is frozen or disarmed.
hardenRunnerRealm();
disarmWorkerProcess();
installMemoryBudget();

serveRequests(async (req, { rssAtStart, progress, partial }): Promise<WorkerReply> => {
  if (!isWorkerRequest(req)) {
    return { type: 'failed', error: { kind: 'internal', message: 'The worker received a malformed request.' } };
  }
  rejections = [];
  beginMemoryBudget(rssAtStart);
  let reply: WorkerReply;
  try {
    // A check's sweep reports how far it has come (gradcheck/progress.ts), for the caller's progress
    // bar, and each model's result goes ahead of the reply, so a time limit loses only the model it stops.
    reply = withProgressSink(progress, () => execute(req, partial));
  } finally {
    // Timers the file scheduled would fire between runs, or inside the next one.
    clearUserTimers();
  }
  // Node reports a promise left rejected once the microtasks have run, after this turn: wait for
  // it. Node itself would stop a program on one, so the run fails, at the line of its reason.
  await new Promise((resolve) => setImmediate(resolve));
  if (rejections.length === 0) return reply;
  return { type: 'failed', error: unhandledRejectionError(rejections[0], new UserFrames(req.sourceMap)) };
});
