// Packing of matmul operands into contiguous k-major panels of 4, shared by the JS and wasm
// kernels. Packing also absorbs the transposes the backward pass needs (dA = dY·Bᵀ, dB = Aᵀ·dY).

/** Storage of one operand: `trans` means the logical [rows, cols] matrix is stored as [cols, rows]. */
export interface MatOperand {
  data: Float64Array;
  offset: number;
  trans: boolean;
}

/** Ap[at + k·4 + r] = op(A)[i0 + r, k], zero past the last row. */
export function packRowPanel(a: MatOperand, M: number, K: number, i0: number, Ap: Float64Array, at: number): void {
  const A = a.data;
  for (let r = 0; r < 4; r++) {
    const i = i0 + r;
    const dst = at + r;
    if (i >= M) {
      for (let k = 0; k < K; k++) Ap[dst + k * 4] = 0;
    } else if (a.trans) {
      for (let k = 0, src = a.offset + i; k < K; k++, src += M) Ap[dst + k * 4] = A[src];
    } else {
      for (let k = 0, src = a.offset + i * K; k < K; k++, src++) Ap[dst + k * 4] = A[src];
    }
  }
}

/** Bp[at + jp·4K + k·4 + c] = op(B)[k, 4jp + c], zero past the last column. */
export function packColumnPanels(b: MatOperand, K: number, N: number, Bp: Float64Array, at: number): void {
  const B = b.data;
  const panels = (N + 3) >> 2;
  for (let jp = 0; jp < panels; jp++) {
    const base = at + jp * K * 4;
    for (let c = 0; c < 4; c++) {
      const j = jp * 4 + c;
      if (j >= N) {
        for (let k = 0; k < K; k++) Bp[base + k * 4 + c] = 0;
      } else if (b.trans) {
        for (let k = 0, src = b.offset + j * K; k < K; k++, src++) Bp[base + k * 4 + c] = B[src];
      } else {
        for (let k = 0, src = b.offset + j; k < K; k++, src += N) Bp[base + k * 4 + c] = B[src];
      }
    }
  }
}
