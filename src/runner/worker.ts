// The worker entry (dist/worker.js): takes one request from workerData, runs it, posts one reply.
// It never throws past this point: anything unexpected is reported as an internal error.
import { parentPort, workerData } from 'node:worker_threads';
import { isWorkerRequest, type WorkerReply } from '../shared/workerProtocol';
import { execute } from './execute';

// User stacks can be deep inside the engine; keep enough frames to reach the user's own code.
Error.stackTraceLimit = 64;

function run(): WorkerReply {
  if (!isWorkerRequest(workerData)) {
    return { type: 'failed', error: { kind: 'internal', message: 'The worker received a malformed request.' } };
  }
  try {
    return execute(workerData);
  } catch (err) {
    return { type: 'failed', error: { kind: 'internal', message: `Gradlens failed while running this file: ${(err as Error)?.message ?? String(err)}`, detail: (err as Error)?.stack } };
  }
}

parentPort?.postMessage(run());
