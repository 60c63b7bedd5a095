// The workloads, each as a list of contenders timed together in one run.
import { grad } from '../src/engine/autograd';
import * as F from '../src/engine/F';
import { matmulIkj, setGemmBackend } from '../src/engine/kernels/matmul';
import { Rng } from '../src/engine/random';
import { Tensor } from '../src/engine/tensor';
import { checkModel } from '../src/gradcheck';
import type { ModelSpec } from '../src/engine/define';
import type { Contender } from './harness';
import { tf, type TfBackend, useBackend } from './tfjs';

function randomData(n: number, seed: number, scale = 1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}

function labels(n: number, classes: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.int(classes));
}

/**
 * The same contender with the plain TypeScript matmul kernel forced instead of the default
 * (WebAssembly SIMD where available), so both kernels are timed in the same run.
 */
function jsKernel(c: Contender): Contender {
  return {
    name: c.name,
    setup() {
      setGemmBackend('js');
      return c.setup();
    },
    async teardown() {
      setGemmBackend('wasm');
      await c.teardown?.();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// matmul n×n · n×n

export function matmulContenders(n: number): Contender[] {
  const A = randomData(n * n, 1);
  const B = randomData(n * n, 2);
  const tfjsMatmul = (backend: TfBackend): Contender => {
    let a: tf.Tensor2D, b: tf.Tensor2D;
    return {
      name: `tfjs-${backend} (f32)`,
      async setup() {
        await useBackend(backend);
        a = tf.tensor2d(Float32Array.from(A), [n, n]);
        b = tf.tensor2d(Float32Array.from(B), [n, n]);
        return () => {
          const c = tf.matMul(a, b);
          c.dataSync();
          c.dispose();
        };
      },
      teardown() {
        a.dispose();
        b.dispose();
      },
    };
  };
  const ta = new Tensor(A, [n, n]);
  const tb = new Tensor(B, [n, n]);
  return [
    { name: 'plain i-k-j (f64)', setup: () => () => void matmulIkj(A, B, n, n, n) },
    { name: 'gradlens F.matmul (f64)', setup: () => () => void F.matmul(ta, tb) },
    jsKernel({ name: 'gradlens F.matmul, JS kernel (f64)', setup: () => () => void F.matmul(ta, tb) }),
    tfjsMatmul('cpu'),
    tfjsMatmul('wasm'),
  ];
}

// ---------------------------------------------------------------------------------------------
// MLP 784→256→10, sigmoid, softmax cross-entropy, batch 64: one forward + backward

/** An MLP's sizes: batch × inp features → hidden → out classes. */
export interface MlpDims {
  batch: number;
  inp: number;
  hidden: number;
  out: number;
}

const MLP: MlpDims = { batch: 64, inp: 784, hidden: 256, out: 10 };

/** An MLP of bench/gradcheck.ts, with the first of the six seeds its arrays are drawn from (mlpData). */
export interface GradcheckSize extends MlpDims {
  seed: number;
}

/** The gradient-checking benches' three MLPs: 421, 4,810 and 50,890 parameters. */
export const GRADCHECK_SIZES: readonly GradcheckSize[] = [
  { batch: 8, inp: 20, hidden: 16, out: 5, seed: 21 },
  { batch: 16, inp: 64, hidden: 64, out: 10, seed: 31 },
  { batch: 32, inp: 784, hidden: 64, out: 10, seed: 41 },
];

export interface MlpData {
  x: Float64Array;
  y: Float64Array;
  W1: Float64Array;
  b1: Float64Array;
  W2: Float64Array;
  b2: Float64Array;
}

/**
 * The data and weights of an MLP, each array from its own seed (`seed`, `seed + 1` … `seed + 5`):
 * a model file gets the very same numbers from `randn(shape, { seed, scale })` and `randint`.
 */
export function mlpData({ batch, inp, hidden, out }: MlpDims, seed: number): MlpData {
  return {
    x: randomData(batch * inp, seed),
    y: labels(batch, out, seed + 1),
    W1: randomData(inp * hidden, seed + 2, 1 / Math.sqrt(inp)),
    b1: randomData(hidden, seed + 3, 0.1),
    W2: randomData(hidden * out, seed + 4, 1 / Math.sqrt(hidden)),
    b2: randomData(out, seed + 5, 0.1),
  };
}

/** Our step; returns the loss so the run can compare it with tfjs's. */
function gradlensMlp(d: MlpData): () => number {
  const { batch, inp, hidden, out } = MLP;
  const x = new Tensor(d.x, [batch, inp]);
  const y = new Tensor(d.y, [batch]);
  const params = [
    new Tensor(d.W1, [inp, hidden], true),
    new Tensor(d.b1, [hidden], true),
    new Tensor(d.W2, [hidden, out], true),
    new Tensor(d.b2, [out], true),
  ];
  return () => {
    const [W1, b1, W2, b2] = params;
    const h = F.sigmoid(F.add(F.matmul(x, W1), b1));
    const loss = F.crossEntropy(F.add(F.matmul(h, W2), b2), y);
    grad(loss, params);
    return loss.item();
  };
}

function tfjsMlp(d: MlpData): { step: () => number; dispose: () => void } {
  const { batch, inp, hidden, out } = MLP;
  const x = tf.tensor2d(Float32Array.from(d.x), [batch, inp]);
  const onehot = tf.oneHot(tf.tensor1d(Int32Array.from(d.y), 'int32'), out);
  const params = [
    tf.tensor2d(Float32Array.from(d.W1), [inp, hidden]),
    tf.tensor1d(Float32Array.from(d.b1)),
    tf.tensor2d(Float32Array.from(d.W2), [hidden, out]),
    tf.tensor1d(Float32Array.from(d.b2)),
  ];
  const lossOf = (W1: tf.Tensor, b1: tf.Tensor, W2: tf.Tensor, b2: tf.Tensor): tf.Scalar => {
    const h = tf.sigmoid(tf.add(tf.matMul(x as tf.Tensor2D, W1 as tf.Tensor2D), b1));
    const logits = tf.add(tf.matMul(h as tf.Tensor2D, W2 as tf.Tensor2D), b2);
    return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
  };
  const valueAndGrads = tf.valueAndGrads((...ps: tf.Tensor[]) => lossOf(ps[0], ps[1], ps[2], ps[3]));
  return {
    step: () =>
      tf.tidy(() => {
        const { value, grads } = valueAndGrads(params);
        for (const g of grads) g.dataSync(); // wait for every gradient, as our step does
        return value.dataSync()[0];
      }),
    dispose: () => [x, onehot, ...params].forEach((t) => t.dispose()),
  };
}

export function mlpContenders(losses: Record<string, number>): Contender[] {
  const d = mlpData(MLP, 11);
  const tfjs = (backend: TfBackend): Contender => {
    let m: ReturnType<typeof tfjsMlp>;
    return {
      name: `tfjs-${backend} (f32)`,
      async setup() {
        await useBackend(backend);
        m = tfjsMlp(d);
        losses[backend] = m.step();
        return () => void m.step();
      },
      teardown: () => m.dispose(),
    };
  };
  return [
    {
      name: 'gradlens (f64)',
      setup() {
        const step = gradlensMlp(d);
        losses.gradlens = step();
        return () => void step();
      },
    },
    jsKernel({ name: 'gradlens, JS kernel (f64)', setup: () => gradlensMlp(d) }),
    tfjs('cpu'),
    tfjs('wasm'),
  ];
}

// ---------------------------------------------------------------------------------------------
// Gradient checks of an MLP 20→16→5, tanh, batch 8 (cross-entropy loss)

/** X@W1+b1 → tanh → @W2+b2 → cross-entropy, as a model spec on the given numbers. */
export function tanhMlpSpec(name: string, { batch, inp, hidden, out }: MlpDims, d: MlpData): ModelSpec {
  return {
    name,
    inputs: { x: new Tensor(d.x, [batch, inp]), y: new Tensor(d.y, [batch]) },
    params: {
      W1: new Tensor(d.W1, [inp, hidden]),
      b1: new Tensor(d.b1, [hidden]),
      W2: new Tensor(d.W2, [hidden, out]),
      b2: new Tensor(d.b2, [out]),
    },
    forward: ({ x, y }, { W1, b1, W2, b2 }) => F.crossEntropy(F.add(F.matmul(F.tanh(F.add(F.matmul(x, W1), b1)), W2), b2), y),
  };
}

function smallMlp(): ModelSpec {
  const dims = { batch: 8, inp: 20, hidden: 16, out: 5 };
  return tanhMlpSpec('mlp-20-16-5', dims, mlpData(dims, 21));
}

export function gradcheckContenders(verdicts: Record<string, boolean>): Contender[] {
  const model = smallMlp();
  const params = Object.values(model.params);
  const check = (mode: 'full' | 'fast'): Contender => ({
    name: `checkModel ${mode}`,
    setup() {
      verdicts[mode] = checkModel(model, { mode }).passed;
      return () => void checkModel(model, { mode });
    },
  });
  return [
    {
      // The unit of cost: one forward + backward of the same model.
      name: 'one forward+backward',
      setup() {
        params.forEach((p) => p.requireGrad());
        return () => void grad(model.forward(model.inputs, model.params), params);
      },
      teardown: () => params.forEach((p) => p.requireGrad(false)),
    },
    check('full'),
    check('fast'),
  ];
}
