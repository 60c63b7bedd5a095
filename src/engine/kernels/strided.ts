// Strided walks: the one odometer that permute, broadcasting and its undoing all share.
import type { Shape } from '../tensor';

/**
 * For each element of `shape` in row-major order, the flat offset into a source whose axis d
 * advances by `strides[d]` (0 on a broadcast axis, a permuted stride for a transpose).
 */
export function stridedOffsets(shape: Shape, strides: readonly number[]): Int32Array {
  const n = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  const map = new Int32Array(total);
  const idx = new Array<number>(n).fill(0);
  let src = 0;
  for (let k = 0; k < total; k++) {
    map[k] = src;
    for (let d = n - 1; d >= 0; d--) {
      idx[d]++;
      src += strides[d];
      if (idx[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return map;
}

/** Fresh data gathered from `data` at `offsets`. */
export function gather(data: Float64Array, offsets: Int32Array): Float64Array {
  const out = new Float64Array(offsets.length);
  for (let k = 0; k < offsets.length; k++) out[k] = data[offsets[k]];
  return out;
}
