// The WebAssembly SIMD (f64x2) gemm: the same packed panels and 4×4 tiles as the JS kernel, with
// each row of a tile held in two f64x2 accumulators (8 in all).
//
// Bitwise identical to the JS kernel: every output element is summed from +0 in the order
// k = 0, 1, …, K-1 with a separate f64x2.mul and f64x2.add (wasm SIMD has no fused multiply-add),
// and each f64 lane rounds exactly as the scalar operation does.
//
// Memory: one wasm Memory per thread (module state is per isolate, so worker_threads each get
// their own), grown as needed and reused. A call packs A and B into it, computes the zero-padded C
// in it and copies the valid part out, so nothing survives a call but the pages. A wasm Memory
// cannot shrink, so after a call that needed more than RETAIN_BYTES the instance is dropped (the
// garbage collector frees its memory) and the next call instantiates a fresh one, which costs far
// less than such a product.
import { I32, V128, assembleModule, op } from './wasm-asm';
import { type MatOperand, packColumnPanels, packRowPanel } from './pack';

// Parameter and local indices of the kernel function.
const P = { aPtr: 0, bPtr: 1, cPtr: 2, panelsM: 3, panelsN: 4, K: 5, aK: 6, aPanel: 7, bK: 8, bPanel: 9 };
const L = { ip: 10, jp: 11, pa: 12, pb: 13, paEnd: 14, o: 15, stride: 16, aCur: 17, cRow: 18, bCur: 19, aSpan: 20 };
const ACC = 21; // 8 v128 accumulators: row r, lanes (0,1) at ACC + 2r and lanes (2,3) at ACC + 2r + 1
const B01 = 29, B23 = 30, AV = 31;

/**
 * kernel(aPtr, bPtr, cPtr, panelsM, panelsN, K, aK, aPanel, bK, bPanel): byte addresses and steps.
 * Row panel ip of A holds, for each k, its four rows' values side by side at
 * aPtr + ip·aPanel + k·aK (+ 8r for row r); column panel jp of B its four columns' values at
 * bPtr + jp·bPanel + k·bK (+ 8c). Packed panels have aK = 32 and aPanel = 32K; an A stored
 * transposed ([K, M] rows) is read in place with aK = 8M and aPanel = 32, and so is a B stored
 * [K, N] with bK = 8N and bPanel = 32 (lanes past the last row or column read whatever follows and
 * land in C's padding). C is written row-major as (4·panelsM) × (4·panelsN).
 * Requires panelsM, panelsN, K ≥ 1.
 */
function kernelBody(): number[] {
  const b: number[] = [];
  const emit = (...ins: number[][]): void => { for (const i of ins) b.push(...i); };
  const incr = (local: number, by: number[]): void => emit(op.localGet(local), by, op.i32Add(), op.localSet(local));

  emit(op.localGet(P.K), op.localGet(P.aK), op.i32Mul(), op.localSet(L.aSpan)); // A bytes one panel's k loop walks
  emit(op.localGet(P.panelsN), op.i32Const(5), op.i32Shl(), op.localSet(L.stride)); // C row bytes
  emit(op.localGet(P.aPtr), op.localSet(L.aCur));
  emit(op.localGet(P.cPtr), op.localSet(L.cRow));
  emit(op.i32Const(0), op.localSet(L.ip));
  emit(op.loop()); // over row panels of A
  {
    emit(op.i32Const(0), op.localSet(L.jp));
    emit(op.localGet(P.bPtr), op.localSet(L.bCur));
    emit(op.localGet(L.cRow), op.localSet(L.o));
    emit(op.loop()); // over column panels of B
    {
      for (let i = 0; i < 8; i++) emit(op.v128Zero(), op.localSet(ACC + i));
      emit(op.localGet(L.bCur), op.localSet(L.pb));
      emit(op.localGet(L.aCur), op.localTee(L.pa), op.localGet(L.aSpan), op.i32Add(), op.localSet(L.paEnd));
      // One k: four A values splatted, four B values as two pairs, eight multiply-adds.
      const step = (): void => {
        emit(op.localGet(L.pb), op.v128Load(0), op.localSet(B01));
        emit(op.localGet(L.pb), op.v128Load(16), op.localSet(B23));
        for (let r = 0; r < 4; r++) {
          emit(op.localGet(L.pa), op.v128Load64Splat(8 * r), op.localSet(AV));
          for (const [acc, bv] of [[ACC + 2 * r, B01], [ACC + 2 * r + 1, B23]]) {
            emit(op.localGet(acc), op.localGet(AV), op.localGet(bv), op.f64x2Mul(), op.f64x2Add(), op.localSet(acc));
          }
        }
        incr(L.pa, op.localGet(P.aK));
        incr(L.pb, op.localGet(P.bK));
      };
      // The k loop, unrolled by two (fewer loop-control instructions per multiply-add), then the
      // odd last k if any. Unrolling keeps the k order, so it changes no result.
      emit(op.block()); // exits when k is done
      {
        emit(op.block()); // exits when fewer than two k remain
        {
          emit(op.loop());
          emit(op.localGet(L.pa), op.localGet(P.aK), op.i32Add(), op.localGet(L.paEnd), op.i32LtU(), op.i32Eqz(), op.brIf(1));
          step();
          step();
          emit(op.br(0));
          emit(op.end());
        }
        emit(op.end());
        emit(op.localGet(L.pa), op.localGet(L.paEnd), op.i32LtU(), op.i32Eqz(), op.brIf(0));
        step();
      }
      emit(op.end());
      // Store the tile: row r at o + r·stride.
      emit(op.localGet(L.o), op.localSet(L.paEnd)); // reuse paEnd as the row address
      for (let r = 0; r < 4; r++) {
        if (r > 0) incr(L.paEnd, op.localGet(L.stride));
        emit(op.localGet(L.paEnd), op.localGet(ACC + 2 * r), op.v128Store(0));
        emit(op.localGet(L.paEnd), op.localGet(ACC + 2 * r + 1), op.v128Store(16));
      }
      incr(L.o, op.i32Const(32));
      incr(L.bCur, op.localGet(P.bPanel));
      emit(op.localGet(L.jp), op.i32Const(1), op.i32Add(), op.localTee(L.jp));
      emit(op.localGet(P.panelsN), op.i32LtU(), op.brIf(0));
    }
    emit(op.end());
    incr(L.aCur, op.localGet(P.aPanel));
    incr(L.cRow, [...op.localGet(L.stride), ...op.i32Const(2), ...op.i32Shl()]);
    emit(op.localGet(L.ip), op.i32Const(1), op.i32Add(), op.localTee(L.ip));
    emit(op.localGet(P.panelsM), op.i32LtU(), op.brIf(0));
  }
  emit(op.end());
  return b;
}

export function gemmWasmModuleBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule([{
    exportName: 'kernel',
    params: new Array<number>(10).fill(I32),
    locals: [...new Array<number>(11).fill(I32), ...new Array<number>(11).fill(V128)],
    body: kernelBody(),
  }], 1);
}

// The few WebAssembly JS-API members used here, typed locally: the engine type-checks (and its
// declarations ship) against Node's types alone, which do not declare the WebAssembly namespace.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface WasmKernel {
  memory: WasmMemory;
  kernel: (aPtr: number, bPtr: number, cPtr: number, panelsM: number, panelsN: number, K: number, aK: number, aPanel: number, bK: number, bPanel: number) => void;
}

let instance: WasmKernel | null | undefined; // undefined: not (yet, or again) instantiated; null: unavailable
let compiled: object | undefined; // kept, so a fresh instance needs no recompile

/** The instantiated kernel, or null when this runtime has no WebAssembly SIMD. */
export function wasmKernel(): WasmKernel | null {
  if (instance !== undefined) return instance;
  instance = null;
  try {
    if (!compiled) {
      const bytes = gemmWasmModuleBytes();
      if (!wasmApi || !wasmApi.validate(bytes)) return instance;
      // Synchronous compile is fine: the module (under 1 KB) is far below any engine's limit.
      compiled = new wasmApi.Module(bytes);
    }
    const exports = new wasmApi!.Instance(compiled).exports;
    instance = { memory: exports.mem as WasmMemory, kernel: exports.kernel as WasmKernel['kernel'] };
  } catch {
    instance = null;
  }
  return instance;
}

const PAGE = 65536;
/** The most memory kept between calls (a 1000×1000 product needs about 24 MiB). */
export const RETAIN_BYTES = 32 * 2 ** 20;

/** Same contract as `gemm` in matmul.ts (M, N, K ≥ 1). Returns false when wasm is unavailable. */
export function gemmWasm(M: number, N: number, K: number, a: MatOperand, b: MatOperand, C: Float64Array, cOff: number): boolean {
  const w = wasmKernel();
  if (!w) return false;
  const panelsM = (M + 3) >> 2;
  const panelsN = (N + 3) >> 2;
  // An A stored transposed and a B stored untransposed already hold each k's four panel values
  // side by side: when small, they are copied in whole and read in place, with 4 values of slack
  // after them for the last panel's lanes past the edge. The others are packed.
  const aDirect = a.trans && readInPlace(M, K);
  const bDirect = !b.trans && readInPlace(N, K);
  // Layout in f64 units: A, then B, then padded C. All offsets are multiples of 4.
  const aOff = 0;
  const bOff = aOff + (aDirect ? roundUp4(M * K + 4) : panelsM * K * 4);
  const cOff2 = bOff + (bDirect ? roundUp4(K * N + 4) : panelsN * K * 4);
  const padN = panelsN * 4;
  const bytes = (cOff2 + panelsM * 4 * padN) * 8;
  if (bytes > 2 ** 31) return false; // beyond i32 addressing: let the JS kernel do it
  let mem = memoryView(w);
  if (bytes > mem.byteLength) {
    try {
      w.memory.grow(Math.ceil((bytes - mem.byteLength) / PAGE));
    } catch {
      return false; // the engine refused the pages: the JS kernel needs less memory
    }
    view = undefined; // the grow detached the old buffer
    mem = memoryView(w);
  }
  if (aDirect) mem.set(a.data.subarray(a.offset, a.offset + M * K), aOff);
  else for (let ip = 0; ip < panelsM; ip++) packRowPanel(a, M, K, ip * 4, mem, aOff + ip * K * 4);
  if (bDirect) mem.set(b.data.subarray(b.offset, b.offset + K * N), bOff);
  else packColumnPanels(b, K, N, mem, bOff);
  w.kernel(aOff * 8, bOff * 8, cOff2 * 8, panelsM, panelsN, K, aDirect ? M * 8 : 32, aDirect ? 32 : K * 32, bDirect ? N * 8 : 32, bDirect ? 32 : K * 32);
  copyOut(mem, cOff2, padN, C, cOff, M, N);
  if (mem.byteLength > RETAIN_BYTES) instance = undefined;
  return true;
}

/**
 * Whether an operand of `K` rows of `width` values is read in place rather than packed. In place
 * the kernel steps a whole row per k and re-reads the operand once per panel of the other one;
 * with long rows that misses the cache (4 KB rows also alias in it): 512×512 took twice as long as
 * packed, 256×256 an eighth longer. Short rows, or an operand that fits the L1 cache, win: the
 * copy is one memcpy, and the 20→16→5 MLP's products took a third less time.
 */
function readInPlace(width: number, K: number): boolean {
  return width <= 128 || width * K <= 8192;
}

function roundUp4(n: number): number {
  return (n + 3) & ~3;
}

let view: Float64Array | undefined;
let viewOf: WasmKernel | undefined;

/**
 * The memory as f64s, made again only for a new instance or after a grow (which detaches the old
 * buffer): reading `memory.buffer` on every call showed in the profile of small products.
 */
function memoryView(w: WasmKernel): Float64Array {
  if (view === undefined || viewOf !== w) {
    view = new Float64Array(w.memory.buffer);
    viewOf = w;
  }
  return view;
}

/**
 * The valid M×N part of the padded C (rows padN apart) into C at cOff. With N a multiple of 4 the
 * rows are already adjacent: one copy. Otherwise row by row with a plain loop: a subarray per row
 * makes a typed-array object each, which cost more than a short row's copy.
 */
function copyOut(mem: Float64Array, src: number, padN: number, C: Float64Array, cOff: number, M: number, N: number): void {
  if (padN === N) {
    C.set(mem.subarray(src, src + M * N), cOff);
    return;
  }
  for (let i = 0, s = src, d = cOff; i < M; i++, s += padN, d += N) {
    for (let j = 0; j < N; j++) C[d + j] = mem[s + j];
  }
}
