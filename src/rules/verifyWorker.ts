// worker_threads entry (bundled as dist/rulesWorker.js): verifies the derivative table off the
// extension host's thread and posts the results once. workerData: { seed?: number }.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyRules } from './verify';

const seed = typeof workerData?.seed === 'number' ? workerData.seed : 0;
try {
  parentPort?.postMessage({ type: 'done', results: verifyRules(seed) });
} catch (err) {
  parentPort?.postMessage({ type: 'failed', error: (err as Error).message });
}
