// The runner's allocation guard (engine/memory.ts): the supervisor's rule for the process's
// resident memory (at most the limit × RSS_ALLOWANCE of growth while a request runs), applied
// before a large buffer is made rather than noticed after. The watch stays for everything else:
// small buffers, V8's heap, WebAssembly memory.
import { resourceLimits } from 'node:worker_threads';
import { MemoryLimitError, setAllocationGuard } from '../engine/memory';
import { RSS_ALLOWANCE } from '../workers/supervisor';

const MB = 2 ** 20;
let baseline = 0;

/** Once per worker: the limit is the worker's own heap limit, which the supervisor set from the run's. */
export function installMemoryBudget(): void {
  const limitMb = resourceLimits.maxOldGenerationSizeMb;
  if (!limitMb) return;
  setAllocationGuard((op, bytes) => {
    const used = Math.max(0, process.memoryUsage.rss() - baseline);
    if (used + bytes <= limitMb * RSS_ALLOWANCE * MB) return;
    const size = (n: number): string => `${Math.round(n / MB).toLocaleString('en-US')} MB`;
    const held = used >= MB ? ` on top of the ${size(used)} this run already holds` : '';
    throw new MemoryLimitError(`Stopped before ${op} allocated ${size(bytes)}${held}: more than the memory limit of ${limitMb.toLocaleString('en-US')} MB allows (a tensor too large?).`);
  });
}

/**
 * At the start of each request, from the supervisor's own baseline: measured here instead, it
 * would miss what the worker grew between the two (a fresh worker loads TypeScript first), and
 * the watch would stop a file the guard had just let through.
 */
export function beginMemoryBudget(supervisorBaseline: number): void {
  baseline = supervisorBaseline;
}
