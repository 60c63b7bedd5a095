// Every buffer the engine makes that can outgrow its inputs (a new tensor, a broadcast, a matrix
// product, a concatenation, an embedding lookup, a convolution) is asked for here, so the runner
// can refuse one that would break the memory limit before it exists. Typed arrays live outside
// V8's heap, where the heap limit does not reach, and the watch on the process's memory
// (workers/supervisor.ts) cannot stop a native fill of gigabytes half-way. Measured with the CLI's
// peak resident memory: `zeros([5e8])` under the default 1,024 MB limit took the process to 4.0 GB
// before the worker was stopped; refused here, at the file's line, the process peaks at 110 MB.
// (Polling the watch every 50 ms instead of 200 ms changed nothing measurable: a fill outruns it.)
// Pure: the runner installs the guard (runner/memoryBudget.ts); without one, nothing is checked.

/** What a guard throws: the runner reports it as the run's memory error, at the user's line. */
export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError';
}

/** Throws (a MemoryLimitError) when `bytes` more would break the limit; `op` names what asked, for the message. */
export type AllocationGuard = (op: string, bytes: number) => void;

/** Smaller buffers are left to the watch: a guard may cost a system call. */
export const GUARDED_BYTES = 8 * 2 ** 20;

let guard: AllocationGuard | undefined;

export function setAllocationGuard(g: AllocationGuard | undefined): void {
  guard = g;
}

/** Asks the guard about `bytes` (a model file's own typed arrays come here too, runner/userRealm.ts). */
export function checkAllocation(op: string, bytes: number): void {
  if (guard !== undefined && bytes >= GUARDED_BYTES) guard(op, bytes);
}

/** A zeroed Float64Array of `n` values for `op`, once the guard allows it. */
export function allocate(op: string, n: number): Float64Array {
  checkAllocation(op, n * Float64Array.BYTES_PER_ELEMENT);
  return new Float64Array(n);
}
