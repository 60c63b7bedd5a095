// Small Float64Arrays carved out of shared slabs. V8 keeps a typed array of at most 64 bytes on
// its heap, but gives a larger one its own buffer outside it: measured (node 22), new
// Float64Array(16) costs about 620 ns against 25 ns for Float64Array(8) and 28 ns for a subarray
// of an existing buffer. A fast check makes a few dozen such arrays (probe directions' factors,
// their dense forms), which cost more than the arithmetic done with them.
//
// Each slab is handed out once, front to back, so every array starts zeroed like a new one; a
// slab is freed by the GC when no array cut from it is left. Only for arrays that stay inside
// the checker: a subarray shares its slab's `.buffer`, so it must not be transferred or viewed
// through its buffer.

/** Doubles per slab (64 KB). */
const SLAB = 8192;
/** Arrays up to this many doubles come from a slab (a larger one would waste a slab's tail). */
const LARGEST = 1024;
/** Up to this many doubles V8 allocates on its heap, as cheaply as a subarray. */
const ON_HEAP = 8;

let slab = new Float64Array(0);
let used = 0;

/** A zeroed Float64Array of n values. */
export function smallFloat64(n: number): Float64Array {
  if (n <= ON_HEAP || n > LARGEST) return new Float64Array(n);
  if (used + n > slab.length) {
    slab = new Float64Array(SLAB);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  used += n;
  return out;
}
