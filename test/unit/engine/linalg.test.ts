// Matrix and shape ops beyond the generic registry test: exact error messages, the matmul kernel
// against naive loops on awkward sizes, inverses, hand-computed determinants, round-trips.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { grad } from '../../../src/engine/autograd';
import { tensor } from '../../../src/engine/create';
import { RETAIN_BYTES, gemmWasmModuleBytes, wasmKernel } from '../../../src/engine/kernels/gemm-wasm';
import { type GemmBackend, gemm, gemmBackend, matmulIkj, setGemmBackend } from '../../../src/engine/kernels/matmul';
import { Rng } from '../../../src/engine/random';
import { GradlensError, Tensor } from '../../../src/engine/tensor';

function randomTensor(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.uniform(-2, 2)), shape);
}

function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradlensError, `expected a GradlensError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The textbook triple loop, one dot product per element: the kernel's oracle. */
function naive(A: Float64Array, B: Float64Array, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * K + k] * B[k * N + j];
      C[i * N + j] = s;
    }
  }
  return C;
}

function transposed(X: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(X.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) T[j * rows + i] = X[i * cols + j];
  return T;
}

// Every kernel case runs on both kernels: the wasm SIMD one (the default where available) and the
// JS fallback. Both must match the naive loop bit for bit, hence each other.
for (const kernel of ['wasm', 'js'] as GemmBackend[]) describe(`matmul kernel (${kernel})`, () => {
  before(() => setGemmBackend(kernel));
  after(() => setGemmBackend('wasm'));
  it('is the kernel actually in use', () => assert.equal(gemmBackend(), kernel));

  const sizes = [1, 2, 3, 4, 5, 8, 17, 33];
  it('equals the naive triple loop bit for bit on odd and edge sizes, with and without transposes', () => {
    let cases = 0;
    for (const M of sizes) {
      for (const K of [1, 3, 5, 17, 33]) {
        for (const N of sizes) {
          const A = randomTensor([M, K], M * 1000 + K).data;
          const B = randomTensor([K, N], K * 1000 + N + 7).data;
          const want = naive(A, B, M, K, N);
          for (const ta of [false, true]) {
            for (const tb of [false, true]) {
              // Store the operands the way the flags say, behind a nonzero offset.
              const As = ta ? transposed(A, M, K) : A;
              const Bs = tb ? transposed(B, K, N) : B;
              const Ab = new Float64Array(As.length + 3);
              Ab.set(As, 3);
              const Bb = new Float64Array(Bs.length + 5);
              Bb.set(Bs, 5);
              const C = new Float64Array(M * N + 2).fill(99);
              gemm(M, N, K, { data: Ab, offset: 3, trans: ta }, { data: Bb, offset: 5, trans: tb }, C, 1);
              assert.equal(C[0], 99, 'wrote before its output');
              assert.equal(C[M * N + 1], 99, 'wrote past its output');
              assert.deepEqual(Array.from(C.subarray(1, 1 + M * N)), Array.from(want), `M=${M} K=${K} N=${N} transA=${ta} transB=${tb}`);
              cases++;
            }
          }
        }
      }
    }
    assert.equal(cases, sizes.length * 5 * sizes.length * 4);
  });

  it('gives zeros for an empty inner dimension and the i-k-j baseline agrees with the naive loop', () => {
    const C = new Float64Array(6).fill(5);
    gemm(2, 3, 0, { data: new Float64Array(0), offset: 0, trans: false }, { data: new Float64Array(0), offset: 0, trans: false }, C, 0);
    assert.deepEqual(Array.from(C), [0, 0, 0, 0, 0, 0]);
    const A = randomTensor([7, 9], 1).data;
    const B = randomTensor([9, 5], 2).data;
    assert.deepEqual(Array.from(matmulIkj(A, B, 7, 9, 5)), Array.from(naive(A, B, 7, 9, 5)));
  });

  it('propagates NaN and Infinity like the naive loop', () => {
    const A = randomTensor([5, 6], 3).data;
    const B = randomTensor([6, 7], 4).data;
    A[2 * 6 + 1] = NaN;
    B[3 * 7 + 6] = Infinity;
    const C = new Float64Array(35);
    gemm(5, 7, 6, { data: A, offset: 0, trans: false }, { data: B, offset: 0, trans: false }, C, 0);
    assert.deepEqual(Array.from(C), Array.from(naive(A, B, 5, 6, 7)));
    assert.ok(Number.isNaN(C[2 * 7 + 0]) && C.some((v) => Math.abs(v) === Infinity));
  });
});

describe('matmul kernel, WebAssembly specifics', () => {
  after(() => setGemmBackend('wasm'));

  /** Runs op(A)·op(B) on one kernel; the operands are stored as the flags say. */
  function product(kernel: GemmBackend, A: Float64Array, B: Float64Array, M: number, K: number, N: number, ta: boolean, tb: boolean): Float64Array {
    setGemmBackend(kernel);
    const C = new Float64Array(M * N);
    gemm(M, N, K, { data: ta ? transposed(A, M, K) : A, offset: 0, trans: ta }, { data: tb ? transposed(B, K, N) : B, offset: 0, trans: tb }, C, 0);
    return C;
  }

  it('assembles a module this runtime validates (Node 20 has WebAssembly SIMD)', () => {
    assert.ok(WebAssembly.validate(gemmWasmModuleBytes()));
    assert.ok(wasmKernel() !== null);
  });

  it('equals the JS kernel and the naive loop bit for bit on sizes that grow the memory', () => {
    for (const [M, K, N] of [[67, 130, 45], [130, 257, 3], [5, 300, 129]]) {
      const A = randomTensor([M, K], M + K).data;
      const B = randomTensor([K, N], K + N).data;
      const want = naive(A, B, M, K, N);
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const label = `M=${M} K=${K} N=${N} transA=${ta} transB=${tb}`;
          assert.deepEqual(Array.from(product('wasm', A, B, M, K, N, ta, tb)), Array.from(want), label);
          assert.deepEqual(Array.from(product('js', A, B, M, K, N, ta, tb)), Array.from(want), label);
        }
      }
    }
  });

  it('reuses its memory: repeated and smaller calls do not grow it', () => {
    const A = randomTensor([90, 200], 5).data;
    const B = randomTensor([200, 70], 6).data;
    product('wasm', A, B, 90, 200, 70, false, false);
    const bytes = wasmKernel()!.memory.buffer.byteLength;
    for (let i = 0; i < 3; i++) product('wasm', A, B, 90, 200, 70, i % 2 === 1, false);
    product('wasm', A, B, 9, 20, 7, false, true);
    assert.equal(wasmKernel()!.memory.buffer.byteLength, bytes);
  });

  it('drops a memory grown past RETAIN_BYTES after the call and starts small again', () => {
    // Long inner dimension: ~38 MB of packed panels for few flops.
    const [M, K, N] = [4, 600_000, 4];
    const A = randomTensor([M, K], 10).data;
    const B = randomTensor([K, N], 11).data;
    assert.ok((M + N) * K * 8 > RETAIN_BYTES);
    const before = wasmKernel()!;
    assert.deepEqual(Array.from(product('wasm', A, B, M, K, N, false, false)), Array.from(naive(A, B, M, K, N)));
    const after = wasmKernel()!;
    assert.notEqual(after, before, 'a fresh instance');
    assert.ok(after.memory.buffer.byteLength <= RETAIN_BYTES);
    assert.deepEqual(Array.from(product('wasm', A, B, 3, 5, 2, true, true)), Array.from(product('js', A, B, 3, 5, 2, true, true)));
  });

  it('works inside a worker thread, with the same bits as the main thread', async () => {
    const { Worker } = await import('node:worker_threads');
    const kernelPath = require.resolve('../../../src/engine/kernels/matmul');
    // The worker loads the TypeScript source through tsx, as mocha does here.
    const code = `
      require('tsx/cjs');
      const { parentPort, workerData } = require('node:worker_threads');
      const { gemm, gemmBackend } = require(workerData.kernelPath);
      const { M, K, N, A, B } = workerData;
      const C = new Float64Array(M * N);
      gemm(M, N, K, { data: A, offset: 0, trans: false }, { data: B, offset: 0, trans: false }, C, 0);
      parentPort.postMessage({ backend: gemmBackend(), C });`;
    const [M, K, N] = [33, 70, 21];
    const A = randomTensor([M, K], 8).data;
    const B = randomTensor([K, N], 9).data;
    const worker = new Worker(code, { eval: true, workerData: { kernelPath, M, K, N, A, B } });
    const reply = await new Promise<{ backend: string; C: Float64Array }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.equal(reply.backend, 'wasm');
    assert.deepEqual(Array.from(reply.C), Array.from(naive(A, B, M, K, N)));
  });
});

describe('matmul op', () => {
  it('names both shapes and the mismatch exactly', () => {
    throwsExactly(() => F.matmul(randomTensor([8, 20], 1), randomTensor([16, 20], 2)), 'matmul: shapes [8,20] and [16,20] do not align (20 vs 16)');
    throwsExactly(() => F.matmul(randomTensor([3], 1), randomTensor([4], 2)), 'matmul: shapes [3] and [4] do not align (3 vs 4)');
    throwsExactly(
      () => F.matmul(randomTensor([2, 3, 4], 1), randomTensor([5, 4, 2], 2)),
      'matmul: shapes [2,3,4] and [5,4,2]: batch dimensions do not broadcast (2 vs 5)',
    );
    throwsExactly(() => F.matmul(tensor(3), randomTensor([2], 2)), 'matmul: shapes [] and [2]: operands need at least 1 dimension (use mul for a scalar)');
  });

  it('computes a hand example and NumPy vector shapes', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    assert.deepEqual(F.matmul(a, b).toArray(), [[19, 22], [43, 50]]);
    assert.deepEqual(F.matmul(tensor([1, 2]), b).toArray(), [19, 22]);
    assert.deepEqual(F.matmul(a, tensor([1, 1])).toArray(), [3, 7]);
    assert.equal(F.matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).item(), 32);
    assert.deepEqual([...F.matmul(randomTensor([3], 1), randomTensor([2, 3, 4], 2)).shape], [2, 4]);
  });

  it('sums the gradient of a broadcast weight over the batch (hand-derived: dW = Σ_b X_bᵀ 1)', () => {
    const X = randomTensor([3, 2, 4], 5);
    const W = randomTensor([4, 5], 6).requireGrad();
    const [dW] = grad(F.matmul(X, W), [W], new Tensor(new Float64Array(30).fill(1), [3, 2, 5]));
    const want = new Float64Array(20);
    for (let b = 0; b < 3; b++) for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) for (let j = 0; j < 5; j++) want[k * 5 + j] += X.data[b * 8 + i * 4 + k];
    assertClose(dW.data, want, 1e-12);
  });
});

describe('inv and logdet', () => {
  it('inv(X)·X ≈ I and X·inv(X) ≈ I', () => {
    const X = randomTensor([6, 6], 11);
    const eye = new Float64Array(36);
    for (let i = 0; i < 6; i++) eye[i * 7] = 1;
    assertClose(F.matmul(F.inv(X), X).data, eye, 1e-12);
    assertClose(F.matmul(X, F.inv(X)).data, eye, 1e-12);
  });

  it('inverts a hand example that needs a row swap', () => {
    // [[0,1],[2,3]]⁻¹ = 1/(0·3 − 1·2) · [[3,−1],[−2,0]]
    assertClose(F.inv(tensor([[0, 1], [2, 3]])).data, [-1.5, 0.5, 1, 0], 1e-15);
  });

  it('refuses a singular matrix with a clear error', () => {
    throwsExactly(() => F.inv(tensor([[1, 2], [2, 4]])), 'inv: matrix of shape [2,2] is singular to working precision (pivot 1 vanishes); it has no inverse');
    throwsExactly(() => F.inv(randomTensor([2, 3], 1)), 'inv: expects a square matrix, got shape [2,3]');
  });

  it('logdet matches hand values, including a negative determinant', () => {
    assert.ok(Math.abs(F.logdet(tensor([[2, 1], [1, 3]])).item() - Math.log(5)) < 1e-15);
    assert.ok(Math.abs(F.logdet(tensor([[0, 1], [1, 0]])).item() - 0) < 1e-15); // det = −1
    assert.ok(Math.abs(F.logdet(tensor([[2, 0, 0], [0, 3, 0], [0, 0, 4]])).item() - Math.log(24)) < 1e-15);
  });

  it('logdet gradient is X⁻ᵀ (hand-derived for an upper-triangular X)', () => {
    // X = [[2,1],[0,3]]: X⁻¹ = [[1/2, −1/6],[0, 1/3]], so X⁻ᵀ = [[1/2, 0],[−1/6, 1/3]].
    const X = tensor([[2, 1], [0, 3]]).requireGrad();
    const [g] = grad(F.logdet(X), [X]);
    assertClose(g.data, [0.5, 0, -1 / 6, 1 / 3], 1e-15);
  });

  it('singular logdet: −Infinity as a value, an error for the gradient', () => {
    const X = tensor([[1, 2], [2, 4]]).requireGrad();
    const y = F.logdet(X);
    assert.equal(y.item(), -Infinity);
    throwsExactly(() => grad(y, [X]), 'logdet: matrix of shape [2,2] is singular to working precision (pivot 1 vanishes); it has no inverse');
  });

  it('trace, dot and outer on hand values', () => {
    assert.equal(F.trace(tensor([[1, 2, 3], [4, 5, 6]])).item(), 6);
    assert.equal(F.dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item(), 32);
    assert.deepEqual(F.outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(), [[3, 4, 5], [6, 8, 10]]);
    throwsExactly(() => F.dot(tensor([1, 2]), tensor([1, 2, 3])), 'dot: shapes [2] and [3] do not align (2 vs 3)');
    throwsExactly(() => F.dot(tensor([[1, 2]]), tensor([1, 2])), 'dot: expects two vectors, got shapes [1,2] and [2]; use matmul for matrices');
  });
});

describe('shape ops', () => {
  it('reshape infers one −1 and reports sizes on a mismatch', () => {
    const x = randomTensor([2, 6], 1);
    const y = F.reshape(x, [3, -1]);
    assert.deepEqual([...y.shape], [3, 4]);
    assert.deepEqual(Array.from(y.data), Array.from(x.data));
    throwsExactly(() => F.reshape(x, [5, 2]), 'reshape: cannot reshape [2,6] (12 values) to [5,2] (10 values)');
    throwsExactly(() => F.reshape(x, [5, -1]), 'reshape: cannot reshape [2,6] (12 values) to [5,-1]: 12 is not a multiple of 5');
    throwsExactly(() => F.reshape(x, [-1, -1]), 'reshape: only one dimension may be -1, got [-1,-1]');
  });

  it('split then concat gives back the tensor, by count and by sizes', () => {
    const x = randomTensor([3, 7, 2], 2);
    const parts = F.split(x, [2, -1, 1], 1);
    assert.deepEqual(parts.map((p) => [...p.shape]), [[3, 2, 2], [3, 4, 2], [3, 1, 2]]);
    assert.deepEqual(Array.from(F.concat(parts, 1).data), Array.from(x.data));
    const rows = F.split(x, 3);
    assert.equal(rows.length, 3);
    assert.deepEqual(Array.from(F.concat(rows, 0).data), Array.from(x.data));
    // Row 1 of x is exactly the second part's data.
    assert.deepEqual(Array.from(rows[1].data), Array.from(x.data.subarray(14, 28)));
  });

  it('split and concat report bad arguments', () => {
    const x = randomTensor([3, 5], 3);
    throwsExactly(() => F.split(x, 2, 1), 'split: axis 1 of shape [3,5] has length 5, which cannot be split into 2 equal parts');
    throwsExactly(() => F.split(x, [2, 2], 1), 'split: sizes [2,2] sum to 4, but axis 1 of shape [3,5] has length 5');
    throwsExactly(() => F.concat([x, randomTensor([2, 4], 4)], 0), 'concat: shapes [3,5] and [2,4] (tensor 1) must match on every axis except axis 0');
    throwsExactly(() => F.concat([], 0), 'concat: needs at least one tensor');
  });

  it('slice with an offset: values and the scattered gradient', () => {
    const x = randomTensor([3, 4], 4).requireGrad();
    const y = F.slice(x, [1, 2], [-1, 2]);
    assert.deepEqual([...y.shape], [2, 2]);
    assert.deepEqual(Array.from(y.data), [x.data[6], x.data[7], x.data[10], x.data[11]]);
    const w = tensor([[1, 2], [3, 4]]);
    const [g] = grad(y, [x], w); // seed w: the gradient of Σ y ⊙ w
    assert.deepEqual(Array.from(g.data), [0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4]);
    throwsExactly(() => F.slice(x, [1, 3], [1, 2]), 'slice: size 2 from begin 3 runs past axis 1 of shape [3,4] (length 4)');
    throwsExactly(() => F.slice(x, [4]), 'slice: begin 4 is out of range for axis 0 of shape [3,4]');
  });

  it('concat gradient splits dy between the inputs (ctx.index)', () => {
    const a = randomTensor([2, 1], 5).requireGrad();
    const b = randomTensor([2, 3], 6).requireGrad();
    const w = tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
    const [ga, gb] = grad(F.concat([a, b], 1), [a, b], w);
    assert.deepEqual(Array.from(ga.data), [1, 5]);
    assert.deepEqual(Array.from(gb.data), [2, 3, 4, 6, 7, 8]);
  });

  it('transpose, permute and broadcastTo errors name the shapes', () => {
    throwsExactly(() => F.transpose(tensor([1, 2, 3])), 'transpose: swaps only the last two axes, so it needs at least 2 dimensions, got shape [3]; reshape a vector to [1,n] or [n,1] first, or reorder other axes with permute');
    throwsExactly(() => F.permute(randomTensor([2, 3], 1), [0, 0]), 'permute: axes [0,0] repeat an axis; each of the 2 axes must appear exactly once');
    throwsExactly(() => F.broadcastTo(randomTensor([3, 2], 1), [4, 2]), 'broadcastTo: cannot broadcast shape [3,2] to [4,2] (3 vs 4 at axis 0)');
    assert.deepEqual(F.transpose(tensor([[1, 2, 3], [4, 5, 6]])).toArray(), [[1, 4], [2, 5], [3, 6]]);
  });
});
