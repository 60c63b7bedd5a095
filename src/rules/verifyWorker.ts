// worker_threads entry (bundled as dist/rulesWorker.js): verifies the derivative table off the
// extension host's thread. Each request is a seed (a number; anything else means 0).
import { serveRequests } from '../workers/serveRequests';
import { verifyRules } from './verify';

serveRequests((seed) => verifyRules(typeof seed === 'number' ? seed : 0));
