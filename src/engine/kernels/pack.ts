// Packing of matmul operands into contiguous k-major panels of 4, shared by the JS and wasm
// kernels. Packing also absorbs the transposes the backward pass needs (dA = dY·Bᵀ, dB = Aᵀ·dY).
//
// Each loop walks k once and writes the panel's four values for that k together, so the writes are
// contiguous and the reads are four runs (or, for a transposed operand, one run of four): reading
// one row or column at a time instead wrote with a stride of 4 and, on a panel of a wide operand,
// re-read every cache line four times. For 784×64 operands packing took as long as the products.

/** Storage of one operand: `trans` means the logical [rows, cols] matrix is stored as [cols, rows]. */
export interface MatOperand {
  data: Float64Array;
  offset: number;
  trans: boolean;
}

/** Ap[at + k·4 + r] = op(A)[i0 + r, k], zero past the last row. */
export function packRowPanel(a: MatOperand, M: number, K: number, i0: number, Ap: Float64Array, at: number): void {
  const rows = Math.min(4, M - i0);
  if (a.trans) {
    // op(A)[i, k] = A[k·M + i]: the panel's four values for one k sit next to each other.
    packRuns(a.data, a.offset + i0, M, rows, K, Ap, at);
  } else {
    // op(A)[i, k] = A[i·K + k]: four rows, each read forwards.
    packStreams(a.data, a.offset + i0 * K, K, rows, K, Ap, at);
  }
}

/** Bp[at + jp·4K + k·4 + c] = op(B)[k, 4jp + c], zero past the last column. */
export function packColumnPanels(b: MatOperand, K: number, N: number, Bp: Float64Array, at: number): void {
  const panels = (N + 3) >> 2;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * 4;
    const cols = Math.min(4, N - j0);
    const base = at + jp * K * 4;
    if (b.trans) {
      // op(B)[k, j] = B[j·K + k]: four rows of the stored matrix, each read forwards.
      packStreams(b.data, b.offset + j0 * K, K, cols, K, Bp, base);
    } else {
      // op(B)[k, j] = B[k·N + j]: the panel's four values for one k sit next to each other.
      packRuns(b.data, b.offset + j0, N, cols, K, Bp, base);
    }
  }
}

/** P[at + 4k + r] = X[src + k·stride + r] for r < lanes, zero for the padding lanes. */
function packRuns(X: Float64Array, src: number, stride: number, lanes: number, K: number, P: Float64Array, at: number): void {
  if (lanes === 4) {
    for (let k = 0, s = src, d = at; k < K; k++, s += stride, d += 4) {
      P[d] = X[s];
      P[d + 1] = X[s + 1];
      P[d + 2] = X[s + 2];
      P[d + 3] = X[s + 3];
    }
    return;
  }
  for (let k = 0, s = src, d = at; k < K; k++, s += stride, d += 4) {
    for (let r = 0; r < 4; r++) P[d + r] = r < lanes ? X[s + r] : 0;
  }
}

/** P[at + 4k + r] = X[src + r·stride + k] for r < lanes, zero for the padding lanes. */
function packStreams(X: Float64Array, src: number, stride: number, lanes: number, K: number, P: Float64Array, at: number): void {
  if (lanes === 4) {
    const s1 = src + stride, s2 = s1 + stride, s3 = s2 + stride;
    for (let k = 0, d = at; k < K; k++, d += 4) {
      P[d] = X[src + k];
      P[d + 1] = X[s1 + k];
      P[d + 2] = X[s2 + k];
      P[d + 3] = X[s3 + k];
    }
    return;
  }
  for (let k = 0, d = at; k < K; k++, d += 4) {
    for (let r = 0; r < 4; r++) P[d + r] = r < lanes ? X[src + r * stride + k] : 0;
  }
}
