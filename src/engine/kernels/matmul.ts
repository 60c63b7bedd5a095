// The matmul kernels: C = op(A) · op(B) on flat row-major Float64Arrays.
//
// `gemm` runs the WebAssembly SIMD kernel (gemm-wasm.ts) when the runtime has WebAssembly SIMD
// (Node 20 and VS Code's extension host do), and otherwise the plain TypeScript kernel below. Both
// give bitwise identical results, so the choice never changes a number; `setGemmBackend` forces
// one of them for the tests (which run every case on both) and the benchmark.
//
// Why the JS kernel is fast without SIMD: the plain i-k-j loop loads and stores C on every
// multiply-add (three memory operations per flop). Here a 4×4 block of C lives in 16 local
// variables for the whole k loop, so each step loads 4 values of A and 4 of B for 16
// multiply-adds. A is packed four rows at a time and B four columns at a time, k-major (pack.ts),
// so both are read contiguously.
//
// Summation order is k = 0, 1, …, K-1 from +0 for every element, exactly as in the naive loops, so
// results are bitwise identical to them (the tests rely on this). Panels are zero-padded to a
// multiple of 4; the padded rows and columns of C are computed but never written.
import { gemmWasm, wasmKernel } from './gemm-wasm';
import { type MatOperand, packColumnPanels, packRowPanel } from './pack';

export type { MatOperand } from './pack';

export type GemmBackend = 'js' | 'wasm';

let backend: GemmBackend = 'wasm';

/**
 * Chooses the kernel (tests and the benchmark only). Asking for 'wasm' where the runtime has no
 * WebAssembly SIMD throws, so a test can never silently compare the JS kernel with itself.
 */
export function setGemmBackend(b: GemmBackend): void {
  if (b === 'wasm' && !wasmKernel()) throw new Error('setGemmBackend: WebAssembly SIMD is not available in this runtime');
  backend = b;
}

export function gemmBackend(): GemmBackend {
  return backend === 'wasm' && wasmKernel() ? 'wasm' : 'js';
}

/**
 * Writes C[cOff .. cOff + M·N) = op(A)[M×K] · op(B)[K×N]. C is overwritten, not accumulated.
 * Stored layouts: A is [M,K] (or [K,M] when trans), B is [K,N] (or [N,K] when trans).
 */
export function gemm(M: number, N: number, K: number, a: MatOperand, b: MatOperand, C: Float64Array, cOff: number): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    C.fill(0, cOff, cOff + M * N);
    return;
  }
  if (backend === 'wasm' && gemmWasm(M, N, K, a, b, C, cOff)) return;
  gemmJs(M, N, K, a, b, C, cOff);
}

// Scratch for packed panels, reused across calls (one kernel call runs at a time per thread).
let packA = new Float64Array(0);
let packB = new Float64Array(0);

function scratch(buf: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, buf.length * 2));
}

/** The plain TypeScript kernel (the fallback); M, N, K ≥ 1. */
function gemmJs(M: number, N: number, K: number, a: MatOperand, b: MatOperand, C: Float64Array, cOff: number): void {
  const panelsN = (N + 3) >> 2;
  const K4 = K * 4;
  packB = scratch(packB, panelsN * K4);
  packA = scratch(packA, K4);
  const Bp = packB;
  const Ap = packA;
  packColumnPanels(b, K, N, Bp, 0);

  for (let i0 = 0; i0 < M; i0 += 4) {
    packRowPanel(a, M, K, i0, Ap, 0);
    const rows = Math.min(4, M - i0);
    for (let jp = 0; jp < panelsN; jp++) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pb = jp * K4;
      // One B value at a time keeps 16 accumulators + 4 A values + 1 B value live (fewest spills).
      for (let pa = 0; pa < K4; pa += 4, pb += 4) {
        const a0 = Ap[pa], a1 = Ap[pa + 1], a2 = Ap[pa + 2], a3 = Ap[pa + 3];
        let v = Bp[pb];
        c00 += a0 * v; c10 += a1 * v; c20 += a2 * v; c30 += a3 * v;
        v = Bp[pb + 1];
        c01 += a0 * v; c11 += a1 * v; c21 += a2 * v; c31 += a3 * v;
        v = Bp[pb + 2];
        c02 += a0 * v; c12 += a1 * v; c22 += a2 * v; c32 += a3 * v;
        v = Bp[pb + 3];
        c03 += a0 * v; c13 += a1 * v; c23 += a2 * v; c33 += a3 * v;
      }
      const j0 = jp * 4;
      const cols = Math.min(4, N - j0);
      let o = cOff + i0 * N + j0;
      if (rows === 4 && cols === 4) {
        C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03; o += N;
        C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13; o += N;
        C[o] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23; o += N;
        C[o] = c30; C[o + 1] = c31; C[o + 2] = c32; C[o + 3] = c33;
      } else {
        storeEdge(C, o, N, rows, cols, [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]);
      }
    }
  }
}

/** Writes the valid rows × cols corner of a 4×4 tile (edge tiles only). */
function storeEdge(C: Float64Array, o: number, N: number, rows: number, cols: number, tile: number[]): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) C[o + r * N + c] = tile[r * 4 + c];
}

/** The plain i-k-j loop: the benchmark's baseline and the kernel's test oracle. */
export function matmulIkj(A: Float64Array, B: Float64Array, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    const ci = i * N;
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      const bk = k * N;
      for (let j = 0; j < N; j++) C[ci + j] += a * B[bk + j];
    }
  }
  return C;
}
