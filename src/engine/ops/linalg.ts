// Matrix ops. matmul follows NumPy: a 1-D first operand is a row, a 1-D second operand a column,
// and the added axis is removed from the result; leading (batch) axes broadcast. Its VJP returns
// gradients in the broadcast batch shape and the tape sums them back (broadcast.ts).
// inv and logdet share one LU factorisation with partial pivoting (linalg/lu below).
import { registerBackwardOp } from '../backwardOp';
import { type OpDef, apply, registerOp, TensorLike } from '../registry';
import { GradlensError, Shape, Tensor, fmtShape, sizeOf, stridesOf } from '../tensor';
import { gemm } from '../kernels/matmul';
import { allocate, zeroedValues, copyValues } from '../memory';
import { mul } from './arithmetic';
import { reshape, transpose } from './shape';
import { plainAt, plainSize, Plain } from './reference';

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

// ---------------------------------------------------------------------------------------------
// matmul

/** The operands' shapes promoted to at least 2-D, the broadcast batch shape and the output shape. */
interface MatmulPlan {
  M: number;
  K: number;
  N: number;
  aBatch: number[];
  bBatch: number[];
  batch: number[];
  /** The output shape with the promoted axes removed again (what the user sees). */
  outShape: number[];
}

function planMatmul(aShape: Shape, bShape: Shape): MatmulPlan {
  if (aShape.length === 0 || bShape.length === 0) {
    throw new GradlensError('matmul', `shapes ${fmtShape(aShape)} and ${fmtShape(bShape)}: operands need at least 1 dimension (use mul for a scalar)`);
  }
  if (aShape.length === 2 && bShape.length === 2) return planMatrices(aShape, bShape);
  const a = aShape.length === 1 ? [1, aShape[0]] : aShape.slice();
  const b = bShape.length === 1 ? [bShape[0], 1] : bShape.slice();
  const M = a[a.length - 2];
  const K = a[a.length - 1];
  const Kb = b[b.length - 2];
  const N = b[b.length - 1];
  if (K !== Kb) throw new GradlensError('matmul', `shapes ${fmtShape(aShape)} and ${fmtShape(bShape)} do not align (${K} vs ${Kb})`);
  const aBatch = a.slice(0, -2);
  const bBatch = b.slice(0, -2);
  const nb = Math.max(aBatch.length, bBatch.length);
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) {
    const da = aBatch[aBatch.length - nb + i] ?? 1;
    const db = bBatch[bBatch.length - nb + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new GradlensError('matmul', `shapes ${fmtShape(aShape)} and ${fmtShape(bShape)}: batch dimensions do not broadcast (${da} vs ${db})`);
    }
    batch.push(da === 1 ? db : da);
  }
  const outShape = [...batch];
  if (aShape.length > 1) outShape.push(M);
  if (bShape.length > 1) outShape.push(N);
  return { M, K, N, aBatch, bBatch, batch, outShape };
}

/** The plan of two plain matrices (the common case, without the batch bookkeeping); same checks and messages. */
function planMatrices(aShape: Shape, bShape: Shape): MatmulPlan {
  const [M, K] = aShape;
  const [Kb, N] = bShape;
  if (K !== Kb) throw new GradlensError('matmul', `shapes ${fmtShape(aShape)} and ${fmtShape(bShape)} do not align (${K} vs ${Kb})`);
  return { M, K, N, aBatch: [], bBatch: [], batch: [], outShape: [M, N] };
}

/** For each output batch index, the matching batch index of an operand (broadcast axes read 0). */
function batchIndex(own: readonly number[], batch: readonly number[]): Int32Array {
  const total = sizeOf(batch);
  const map = new Int32Array(total);
  const off = batch.length - own.length;
  const strides = stridesOf(own);
  for (let k = 0; k < total; k++) {
    let rem = k;
    let src = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      const i = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      if (d >= off && own[d - off] !== 1) src += i * strides[d - off];
    }
    map[k] = src;
  }
  return map;
}

/**
 * Batched C = op(A)·op(B) over the broadcast batch. `rows`×`inner` and `inner`×`cols` are the
 * logical per-batch shapes; `aMat`/`bMat` are the stored per-batch sizes.
 */
function batchedGemm(
  batch: readonly number[], rows: number, cols: number, inner: number,
  a: { data: Float64Array; batch: readonly number[]; trans: boolean },
  b: { data: Float64Array; batch: readonly number[]; trans: boolean },
): Float64Array {
  const nBatch = sizeOf(batch);
  const out = allocate('matmul', nBatch * rows * cols);
  if (nBatch === 1) {
    // One product: every operand's batch offset is 0, no index maps needed.
    gemm(rows, cols, inner, { data: a.data, offset: 0, trans: a.trans }, { data: b.data, offset: 0, trans: b.trans }, out, 0);
    return out;
  }
  const ia = batchIndex(a.batch, batch);
  const ib = batchIndex(b.batch, batch);
  for (let t = 0; t < nBatch; t++) {
    gemm(rows, cols, inner,
      { data: a.data, offset: ia[t] * rows * inner, trans: a.trans },
      { data: b.data, offset: ib[t] * inner * cols, trans: b.trans },
      out, t * rows * cols);
  }
  return out;
}

interface GradShapeAttrs {
  /** The shape of the operand whose gradient this is. */
  shape: number[];
}

/** The operands promoted to matrices, as registry ops: the composites of matmul's backward ops. */
function promoted(p: MatmulPlan, which: 'a' | 'b' | 'dy', t: Tensor): Tensor {
  if (which === 'a') return reshape(t, [...p.aBatch, p.M, p.K]);
  if (which === 'b') return reshape(t, [...p.bBatch, p.K, p.N]);
  return reshape(t, [...p.batch, p.M, p.N]);
}

/** dA = dY · Bᵀ, in the broadcast batch shape (the tape sums it back); a 1-D a drops its promoted row axis. */
const matmulGradA: OpDef<GradShapeAttrs> = registerBackwardOp<GradShapeAttrs>({
  name: 'matmulGradA',
  backwardOf: 'matmul',
  inputs: ['dy', 'b'],
  differentiable: [true, true],
  summary: "matmul's first-operand gradient dY · Bᵀ, one batched product with B read transposed in place.",
  kernel: ([dy, b], { shape }) => {
    const p = planMatmul(shape, b.shape);
    const data = batchedGemm(p.batch, p.M, p.K, p.N, { data: dy.data, batch: p.batch, trans: false }, { data: b.data, batch: p.bBatch, trans: true });
    return new Tensor(data, shape.length === 1 ? [...p.batch, p.K] : [...p.batch, p.M, p.K]);
  },
  composite: ([dy, b], { shape }) => {
    const p = planMatmul(shape, b.shape);
    const r = matmul(promoted(p, 'dy', dy), transpose(promoted(p, 'b', b)));
    return reshape(r, shape.length === 1 ? [...p.batch, p.K] : [...p.batch, p.M, p.K]);
  },
  latex: { forward: '\\bar{A} = \\bar{Y} B^{\\top}', grads: [] },
  cases: [
    { label: 'matrices', inputs: [{ shape: [3, 5] }, { shape: [4, 5] }], attrs: { shape: [3, 4] } },
    { label: 'vector a', inputs: [{ shape: [3] }, { shape: [4, 3] }], attrs: { shape: [4] } },
    { label: 'vector b', inputs: [{ shape: [3] }, { shape: [4] }], attrs: { shape: [3, 4] } },
    { label: 'batch broadcast', inputs: [{ shape: [2, 3, 5] }, { shape: [4, 5] }], attrs: { shape: [2, 3, 4] } },
  ],
});

/** dB = Aᵀ · dY, in the broadcast batch shape; a 1-D b drops its promoted column axis. */
const matmulGradB: OpDef<GradShapeAttrs> = registerBackwardOp<GradShapeAttrs>({
  name: 'matmulGradB',
  backwardOf: 'matmul',
  inputs: ['a', 'dy'],
  differentiable: [true, true],
  summary: "matmul's second-operand gradient Aᵀ · dY, one batched product with A read transposed in place.",
  kernel: ([a, dy], { shape }) => {
    const p = planMatmul(a.shape, shape);
    const data = batchedGemm(p.batch, p.K, p.N, p.M, { data: a.data, batch: p.aBatch, trans: true }, { data: dy.data, batch: p.batch, trans: false });
    return new Tensor(data, shape.length === 1 ? [...p.batch, p.K] : [...p.batch, p.K, p.N]);
  },
  composite: ([a, dy], { shape }) => {
    const p = planMatmul(a.shape, shape);
    const r = matmul(transpose(promoted(p, 'a', a)), promoted(p, 'dy', dy));
    return reshape(r, shape.length === 1 ? [...p.batch, p.K] : [...p.batch, p.K, p.N]);
  },
  latex: { forward: '\\bar{B} = A^{\\top} \\bar{Y}', grads: [] },
  cases: [
    { label: 'matrices', inputs: [{ shape: [3, 4] }, { shape: [3, 5] }], attrs: { shape: [4, 5] } },
    { label: 'vector b', inputs: [{ shape: [3, 4] }, { shape: [3] }], attrs: { shape: [4] } },
    { label: 'vector a', inputs: [{ shape: [4] }, { shape: [3] }], attrs: { shape: [4, 3] } },
    { label: 'batch broadcast', inputs: [{ shape: [2, 3, 4] }, { shape: [2, 3, 5] }], attrs: { shape: [4, 5] } },
  ],
});

const matmulOp: OpDef<NoAttrs> = registerOp<NoAttrs>({
  name: 'matmul',
  incremental: 'matmul',
  family: 'linalg',
  inputs: ['a', 'b'],
  summary: 'Matrix product with NumPy semantics: vectors are promoted, leading batch axes broadcast.',
  forward: ([a, b]) => {
    const p = planMatmul(a.shape, b.shape);
    const data = batchedGemm(p.batch, p.M, p.N, p.K, { data: a.data, batch: p.aBatch, trans: false }, { data: b.data, batch: p.bBatch, trans: false });
    return new Tensor(data, p.outShape);
  },
  vjp: [
    (dy, { inputs: [a, b] }) => apply(matmulGradA, [dy, b], { shape: a.shape.slice() }),
    (dy, { inputs: [a, b] }) => apply(matmulGradB, [a, dy], { shape: b.shape.slice() }),
  ],
  latex: {
    forward: 'Y = A B',
    grads: ['\\bar{A} = \\bar{Y} B^{\\top}', '\\bar{B} = A^{\\top} \\bar{Y}'],
    shapes: 'A \\in \\mathbb{R}^{m \\times k},\\ B \\in \\mathbb{R}^{k \\times n}',
  },
  test: {
    cases: [
      { label: 'matrix · matrix', inputs: [{ shape: [3, 4] }, { shape: [4, 5] }] },
      { label: 'vector · matrix', inputs: [{ shape: [4] }, { shape: [4, 3] }] },
      { label: 'matrix · vector', inputs: [{ shape: [3, 4] }, { shape: [4] }] },
      { label: 'vector · vector', inputs: [{ shape: [5] }, { shape: [5] }] },
      { label: 'batched', inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }] },
      { label: 'batch broadcast (matrix right)', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }] },
      { label: 'batch broadcast both ways', inputs: [{ shape: [2, 1, 2, 3] }, { shape: [3, 3, 2] }] },
      { label: 'vector · batched', inputs: [{ shape: [3] }, { shape: [2, 3, 4] }] },
      { label: 'batched · vector', inputs: [{ shape: [2, 3, 4] }, { shape: [4] }] },
      { label: 'odd sizes past the 4×4 tile', inputs: [{ shape: [5, 7] }, { shape: [7, 6] }] },
    ],
    reference: ([a, b]) => plainMatmul(a, b),
  },
});

/** Independent reference: promote, enumerate every output multi-index, sum over k. */
function plainMatmul(a: Plain, b: Plain): Plain {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape.slice();
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape.slice();
  const A: Plain = { data: a.data, shape: as };
  const B: Plain = { data: b.data, shape: bs };
  const nb = Math.max(as.length, bs.length) - 2;
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) batch.push(Math.max(as[as.length - 2 - nb + i] ?? 1, bs[bs.length - 2 - nb + i] ?? 1));
  const M = as[as.length - 2];
  const K = as[as.length - 1];
  const N = bs[bs.length - 1];
  const full = [...batch, M, N];
  const data: number[] = [];
  for (let f = 0; f < plainSize(full); f++) {
    const idx: number[] = [];
    let rem = f;
    for (let i = full.length - 1; i >= 0; i--) {
      idx.unshift(rem % full[i]);
      rem = Math.floor(rem / full[i]);
    }
    const bi = idx.slice(0, nb);
    let s = 0;
    for (let k = 0; k < K; k++) s += plainAt(A, [...bi, idx[nb], k]) * plainAt(B, [...bi, k, idx[nb + 1]]);
    data.push(s);
  }
  const shape = [...batch];
  if (a.shape.length > 1) shape.push(M);
  if (b.shape.length > 1) shape.push(N);
  return { data, shape };
}

// ---------------------------------------------------------------------------------------------
// outer, dot, trace

function requireVector(op: string, a: Tensor, b: Tensor): void {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new GradlensError(op, `expects two vectors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}${op === 'dot' ? '; use matmul for matrices' : ''}`);
  }
}

const outerOp = registerOp<NoAttrs>({
  name: 'outer',
  family: 'linalg',
  inputs: ['a', 'b'],
  summary: 'Outer product of two vectors: Y = a bᵀ.',
  forward: ([a, b]) => {
    requireVector('outer', a, b);
    const m = a.size;
    const n = b.size;
    const out = allocate('outer', m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = a.data[i] * b.data[j];
    return new Tensor(out, [m, n]);
  },
  vjp: [(dy, { inputs: [, b] }) => matmul(dy, b), (dy, { inputs: [a] }) => matmul(a, dy)],
  latex: { forward: 'Y = a b^{\\top}', grads: ['\\bar{a} = \\bar{Y} b', '\\bar{b} = \\bar{Y}^{\\top} a'], shapes: 'a \\in \\mathbb{R}^{m},\\ b \\in \\mathbb{R}^{n}' },
  test: {
    cases: [{ inputs: [{ shape: [3] }, { shape: [4] }] }],
    reference: ([a, b]) => plainGatherMatrix(a.data.length, b.data.length, (i, j) => a.data[i] * b.data[j]),
  },
});

const dotOp = registerOp<NoAttrs>({
  name: 'dot',
  family: 'linalg',
  inputs: ['a', 'b'],
  summary: 'Inner product of two vectors of equal length: a scalar.',
  forward: ([a, b]) => {
    requireVector('dot', a, b);
    if (a.size !== b.size) throw new GradlensError('dot', `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not align (${a.size} vs ${b.size})`);
    let s = 0;
    for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
    return new Tensor(Float64Array.of(s), []);
  },
  vjp: [(dy, { inputs: [, b] }) => mul(dy, b), (dy, { inputs: [a] }) => mul(dy, a)],
  latex: { forward: 'y = a^{\\top} b', grads: ['\\bar{a} = \\bar{y}\\, b', '\\bar{b} = \\bar{y}\\, a'], shapes: 'a, b \\in \\mathbb{R}^{n}' },
  test: {
    cases: [{ inputs: [{ shape: [5] }, { shape: [5] }] }],
    reference: ([a, b]) => ({ data: [Array.from(a.data).reduce((s, v, i) => s + v * b.data[i], 0)], shape: [] }),
  },
});

function plainGatherMatrix(m: number, n: number, f: (i: number, j: number) => number): Plain {
  const data: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data.push(f(i, j));
  return { data, shape: [m, n] };
}

function requireMatrix(op: string, x: Tensor, square: boolean): number {
  if (x.ndim !== 2 || (square && x.shape[0] !== x.shape[1])) {
    throw new GradlensError(op, `expects a ${square ? 'square ' : ''}matrix, got shape ${fmtShape(x.shape)}`);
  }
  return x.shape[0];
}

const traceOp = registerOp<NoAttrs>({
  name: 'trace',
  family: 'linalg',
  inputs: ['X'],
  summary: 'Sum of the main diagonal (any 2-D matrix, as in NumPy).',
  forward: ([x]) => {
    requireMatrix('trace', x, false);
    const [m, n] = x.shape;
    let s = 0;
    for (let i = 0; i < Math.min(m, n); i++) s += x.data[i * n + i];
    return new Tensor(Float64Array.of(s), []);
  },
  vjp: [
    (dy, { inputs: [x] }) => {
      const [m, n] = x.shape;
      const eye = zeroedValues(m * n);
      for (let i = 0; i < Math.min(m, n); i++) eye[i * n + i] = 1;
      return mul(dy, new Tensor(eye, [m, n]));
    },
  ],
  latex: { forward: 'y = \\operatorname{tr} X', grads: ['\\bar{X} = \\bar{y}\\, I'] },
  test: {
    cases: [
      { label: 'square', inputs: [{ shape: [3, 3] }] },
      { label: 'wide', inputs: [{ shape: [2, 4] }] },
    ],
    reference: ([x]) => {
      let s = 0;
      for (let i = 0; i < Math.min(x.shape[0], x.shape[1]); i++) s += plainAt(x, [i, i]);
      return { data: [s], shape: [] };
    },
  },
});

// ---------------------------------------------------------------------------------------------
// LU with partial pivoting, inv, logdet

interface Lu {
  /** L (unit lower, below the diagonal) and U (on and above it), row-major n×n. */
  lu: Float64Array;
  perm: Int32Array;
  /** +1 or -1: the sign of the row permutation. */
  sign: number;
  /** The first column whose pivot was exactly zero, or -1. */
  zeroPivot: number;
  /** max |X_ij|, for the relative singularity test. */
  scale: number;
}

function luFactor(x: Tensor): Lu {
  const n = x.shape[0];
  const lu = copyValues(x.data);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let zeroPivot = -1;
  let scale = 0;
  for (let i = 0; i < lu.length; i++) scale = Math.max(scale, Math.abs(lu[i]));
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const pivot = lu[k * n + k];
    // `=== 0` and not `<= tol`: a NaN pivot must flow on as NaN, not pass as "singular".
    if (pivot === 0) {
      if (zeroPivot < 0) zeroPivot = k;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= pivot);
      if (f !== 0) for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  return { lu, perm, sign, zeroPivot, scale };
}

/**
 * Singular to working precision: an exactly zero pivot, or one below n·ε·max|X| (the inverse
 * would then be noise, and we never return a wrong number silently).
 */
function singularPivot(f: Lu, n: number): number {
  if (f.zeroPivot >= 0) return f.zeroPivot;
  const tol = n * Number.EPSILON * f.scale;
  for (let k = 0; k < n; k++) if (Math.abs(f.lu[k * n + k]) <= tol) return k;
  return -1;
}

function invData(op: string, x: Tensor): Float64Array {
  const n = requireMatrix(op, x, true);
  const f = luFactor(x);
  const k = singularPivot(f, n);
  if (k >= 0) throw new GradlensError(op, `matrix of shape ${fmtShape(x.shape)} is singular to working precision (pivot ${k} vanishes); it has no inverse`);
  const out = zeroedValues(n * n);
  const col = zeroedValues(n);
  for (let c = 0; c < n; c++) {
    // Solve L U x = P e_c by forward then back substitution.
    for (let i = 0; i < n; i++) {
      let s = f.perm[i] === c ? 1 : 0;
      for (let j = 0; j < i; j++) s -= f.lu[i * n + j] * col[j];
      col[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let j = i + 1; j < n; j++) s -= f.lu[i * n + j] * col[j];
      col[i] = s / f.lu[i * n + i];
    }
    for (let i = 0; i < n; i++) out[i * n + c] = col[i];
  }
  return out;
}

interface InvAttrs {
  /** The op whose error a singular matrix reports (logdet's gradient is an inverse too). */
  caller?: string;
}

const invOp: OpDef<InvAttrs> = registerOp<InvAttrs>({
  name: 'inv',
  family: 'linalg',
  inputs: ['X'],
  summary: 'Matrix inverse by LU with partial pivoting; a singular matrix is an error.',
  forward: ([x], { caller }) => new Tensor(invData(caller ?? 'inv', x), x.shape.slice()),
  // d(X⁻¹) = −X⁻¹ dX X⁻¹, so X̄ = −X⁻ᵀ Ȳ X⁻ᵀ.
  vjp: [
    (dy, { out }) => {
      const yt = transpose(out);
      return mul(matmul(matmul(yt, dy), yt), -1);
    },
  ],
  latex: { forward: 'Y = X^{-1}', grads: ['\\bar{X} = -X^{-\\top} \\bar{Y} X^{-\\top}'], shapes: 'X \\in \\mathbb{R}^{n \\times n}' },
  test: {
    cases: [
      { label: '3×3', inputs: [{ shape: [3, 3] }] },
      { label: '1×1', inputs: [{ shape: [1, 1], awayFromZero: 0.5 }] },
      { label: '5×5', inputs: [{ shape: [5, 5] }] },
    ],
    tol: 1e-9,
    reference: ([x]) => plainGaussJordanInverse(x),
  },
});

/** Independent reference: Gauss–Jordan on [X | I] with partial pivoting. */
function plainGaussJordanInverse(x: Plain): Plain {
  const n = x.shape[0];
  const m: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) row.push(x.data[i * n + j]);
    for (let j = 0; j < n; j++) row.push(i === j ? 1 : 0);
    m.push(row);
  }
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const piv = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  const data: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data.push(m[i][n + j]);
  return { data, shape: [n, n] };
}

const logdetOp = registerOp<NoAttrs>({
  name: 'logdet',
  family: 'linalg',
  inputs: ['X'],
  summary: 'log|det X| from the LU diagonal. Singular X: the value is -Infinity and the gradient an error.',
  forward: ([x]) => {
    const n = requireMatrix('logdet', x, true);
    const f = luFactor(x);
    // An exactly singular X has det 0: log|det| = -Infinity is the true value (NumPy's slogdet agrees).
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.log(Math.abs(f.lu[k * n + k]));
    return new Tensor(Float64Array.of(f.zeroPivot >= 0 && !Number.isNaN(s) ? -Infinity : s), []);
  },
  // ∂ log|det X| / ∂X = X⁻ᵀ; it does not exist for a singular X, and invData says so.
  vjp: [(dy, { inputs: [x] }) => mul(dy, transpose(apply(invOp, [x], { caller: 'logdet' })))],
  latex: { forward: 'y = \\log\\lvert\\det X\\rvert', grads: ['\\bar{X} = \\bar{y}\\, X^{-\\top}'], shapes: 'X \\in \\mathbb{R}^{n \\times n}' },
  test: {
    cases: [
      { label: '3×3', inputs: [{ shape: [3, 3] }] },
      { label: '4×4', inputs: [{ shape: [4, 4] }] },
    ],
    tol: 1e-10,
    reference: ([x]) => ({ data: [Math.log(Math.abs(plainDeterminant(x)))], shape: [] }),
  },
});

/** Independent reference: the Laplace (cofactor) expansion along the first row. */
function plainDeterminant(x: Plain): number {
  const n = x.shape[0];
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => x.data[i * n + j]));
  const det = (m: number[][]): number => {
    if (m.length === 0) return 1;
    let s = 0;
    for (let j = 0; j < m.length; j++) {
      const minor = m.slice(1).map((r) => r.filter((_, c) => c !== j));
      s += (j % 2 === 0 ? 1 : -1) * m[0][j] * det(minor);
    }
    return s;
  };
  return det(rows);
}

// ---------------------------------------------------------------------------------------------
// The public functions

/** NumPy's matmul: `a[..., m, k] · b[..., k, n]`; 1-D operands are promoted and squeezed back. */
export const matmul = (a: TensorLike, b: TensorLike): Tensor => apply(matmulOp, [a, b], none);
export const outer = (a: TensorLike, b: TensorLike): Tensor => apply(outerOp, [a, b], none);
export const dot = (a: TensorLike, b: TensorLike): Tensor => apply(dotOp, [a, b], none);
export const trace = (X: TensorLike): Tensor => apply(traceOp, [X], none);
/** X⁻¹; throws a GradlensError when X is singular to working precision. */
export const inv = (X: TensorLike): Tensor => apply(invOp, [X], none);
/**
 * log|det X|. For an exactly singular X the value is -Infinity (the true limit) and asking for
 * its gradient throws, since X⁻ᵀ does not exist. NaN in X gives NaN.
 */
export const logdet = (X: TensorLike): Tensor => apply(logdetOp, [X], none);
