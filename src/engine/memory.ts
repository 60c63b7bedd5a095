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
  return zeroedValues(n);
}

// Small buffers come out of a shared slab, as Node's Buffer pool does. A typed array of more than
// 64 bytes gets a backing store of its own outside V8's heap, and making one (malloc, the
// ArrayBuffer's bookkeeping, its share of the garbage collector's external-memory work) cost
// ~0.5 µs in Node 20 beyond zeroing it, against ~0.03 µs for a view on a slab: a traced
// forward+backward of a 20→16→5 MLP spent a third of its time there. Measured per buffer, native
// against the slab: 256 values 0.65 µs / 0.13, 1,024 values 1.0 / 0.42, 4,096 values 2.1 / 1.5. A slab is zeroed when made and
// never handed out twice, so every view starts at zero; it is freed once no view of it is left.
// The cost: one small tensor kept alive keeps its whole slab (SLAB_BYTES) alive, and `data.buffer`
// is the slab (the engine never reads `.buffer`; copy with `slice()` to get a buffer of its own).

/** Buffers of at most 64 bytes live in V8's heap already: the slab does not beat that. */
const HEAP_VALUES = 8;
/** Larger buffers get their own store: past this, zeroing and first touch cost more than the store. */
const SLAB_VALUES = 1024;
/** Sixteen of the largest slab buffers: what a slab wastes at its end stays under 1/16. */
const SLAB_BYTES = 128 * 1024;

let slab = new ArrayBuffer(0);
let slabUsed = 0;

/** A zeroed Float64Array of `n` values, from the slab when it is small; no guard (use `allocate` for a buffer that can outgrow its inputs). */
export function zeroedValues(n: number): Float64Array {
  if (n <= HEAP_VALUES || n > SLAB_VALUES) return new Float64Array(n);
  const bytes = n * Float64Array.BYTES_PER_ELEMENT;
  if (slabUsed + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Float64Array(slab, slabUsed, n);
  slabUsed += bytes;
  return out;
}

/** A copy of `src` in a buffer from `zeroedValues`. */
export function copyValues(src: Float64Array): Float64Array {
  const out = zeroedValues(src.length);
  out.set(src);
  return out;
}
