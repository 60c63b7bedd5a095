// Layer ops and `nn` layers beyond the generic registry test: hand-derived values, parameter
// sharing, parameter names and counts, every layer's full gradient against central differences,
// the module scope, and the error messages a user meets.
import { strict as assert } from 'node:assert';
import { grad, noGrad, withOpObserver } from '../../../src/engine/autograd';
import { ones, randint, randn, tensor, zeros } from '../../../src/engine/create';
import * as F from '../../../src/engine/F';
import * as nn from '../../../src/engine/nn';
import { Rng } from '../../../src/engine/random';
import { currentScope, withScope } from '../../../src/engine/scope';
import { Tensor } from '../../../src/engine/tensor';

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs expected ${e}`);
  }
}

/**
 * Checks the gradient of vᵀ·run() with respect to each tensor in `wrt` against central differences.
 * The projection and the differences are computed here, in plain loops, independently of the tape.
 */
function checkGradients(run: () => Tensor, wrt: Record<string, Tensor>, seed = 7): void {
  const y = run();
  const rng = new Rng(seed);
  const v = Float64Array.from({ length: y.size }, () => rng.uniform(-1, 1));
  const names = Object.keys(wrt);
  const analytic = grad(y, names.map((n) => wrt[n]), new Tensor(v, y.shape.slice()));
  const project = (): number => {
    const out = noGrad(run);
    let s = 0;
    for (let i = 0; i < out.size; i++) s += out.data[i] * v[i];
    return s;
  };
  const h = 1e-6;
  names.forEach((name, p) => {
    const t = wrt[name];
    assert.ok(t.size > 0, `${name} is empty`);
    for (let k = 0; k < t.size; k++) {
      const orig = t.data[k];
      t.data[k] = orig + h;
      const fp = project();
      t.data[k] = orig - h;
      const fm = project();
      t.data[k] = orig;
      const numeric = (fp - fm) / (2 * h);
      const a = analytic[p].data[k];
      assert.ok(Math.abs(a - numeric) <= 1e-6 + 1e-5 * Math.abs(numeric), `d/d${name}[${k}]: analytic ${a} vs numeric ${numeric}`);
    }
  });
}

function shapes(m: nn.Module<any, any>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.parameters()).map(([k, t]) => [k, [...t.shape]]));
}

function throwsMessage(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: Error) => {
    assert.equal(e.name, 'GradlensError');
    assert.equal(e.message, message);
    return true;
  });
}

describe('layer ops: hand-derived values', () => {
  const x9 = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);

  it('conv2d with a 2x2 kernel of ones sums each window; stride 2 and padding 1 read zeros outside', () => {
    const w = ones([1, 1, 2, 2]);
    assert.deepEqual(F.conv2d(x9, w).toArray(), [[[[12, 16], [24, 28]]]]);
    // windows (rows, cols): (-1..0, -1..0) = 1; (-1..0, 1..2) = 2+3; (1..2, -1..0) = 4+7; (1..2, 1..2) = 5+6+8+9
    assert.deepEqual(F.conv2d(x9, w, { stride: 2, padding: 1 }).toArray(), [[[[1, 5], [11, 28]]]]);
  });

  it('conv2d adds the bias per output channel and gives the bias the sum of its upstream gradient', () => {
    const w = tensor([1, 0, 0, 0, 0, 0, 0, 1], [2, 1, 2, 2]); // channel 0 picks the top-left, channel 1 the bottom-right
    const b = tensor([10, 100]).requireGrad();
    const y = F.conv2d(x9, w, { bias: b });
    assert.deepEqual(y.toArray(), [[[[11, 12], [14, 15]], [[105, 106], [108, 109]]]]);
    const dy = tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const [db] = grad(y, [b], dy);
    assert.deepEqual([...db.data], [1 + 2 + 3 + 4, 5 + 6 + 7 + 8]);
  });

  it('maxPool2d with overlapping windows (k 2, stride 1) routes each gradient to its window maximum', () => {
    const x = x9.clone().requireGrad();
    const y = F.maxPool2d(x, 2, 1);
    assert.deepEqual(y.toArray(), [[[[5, 6], [8, 9]]]]);
    const [dx] = grad(y, [x], ones([1, 1, 2, 2]));
    assert.deepEqual([...dx.data], [0, 0, 0, 0, 1, 1, 0, 1, 1]);
    // The maximum 9 in the centre of a 3x3 input is the max of all four windows: its gradient adds up.
    const centre = tensor([1, 2, 3, 4, 9, 6, 7, 8, 5], [1, 1, 3, 3]).requireGrad();
    const [dc] = grad(F.maxPool2d(centre, 2, 1), [centre], tensor([1, 2, 3, 4], [1, 1, 2, 2]));
    assert.deepEqual([...dc.data], [0, 0, 0, 0, 10, 0, 0, 0, 0]);
  });

  it('avgPool2d with overlapping windows shares each gradient by 1/k² among the window', () => {
    const x = x9.clone().requireGrad();
    const y = F.avgPool2d(x, 2, 1);
    assert.deepEqual(y.toArray(), [[[[3, 4], [6, 7]]]]);
    const [dx] = grad(y, [x], ones([1, 1, 2, 2]));
    assertClose(dx.data, [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25], 1e-15, 'dx');
  });

  it('pools with stride > k skip the gaps; their gradient there is zero', () => {
    const x = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5]).requireGrad();
    const y = F.maxPool2d(x, 2, 3); // windows at rows/cols {0,1} and {3,4}
    assert.deepEqual(y.toArray(), [[[[6, 9], [21, 24]]]]);
    const [dx] = grad(y, [x], ones([1, 1, 2, 2]));
    const hit = [...dx.data].flatMap((g, i) => (g ? [i] : []));
    assert.deepEqual(hit, [6, 9, 21, 24]);
  });

  it('embedding gathers rows for indices of any shape', () => {
    const W = tensor([[0, 1], [10, 11], [20, 21]]);
    const y = F.embedding(W, tensor([[2, 0], [1, 2]]));
    assert.deepEqual([...y.shape], [2, 2, 2]);
    assert.deepEqual(y.toArray(), [[[20, 21], [0, 1]], [[10, 11], [20, 21]]]);
    assert.deepEqual(F.embedding(W, [1]).toArray(), [[10, 11]]);
  });

  it("embedding's VJP scatter-adds: a row looked up several times gets the sum of its gradients", () => {
    const W = randn([4, 3], { seed: 11 }).requireGrad();
    const idx = [1, 3, 1, 1, 0];
    const y = F.embedding(W, tensor(idx));
    const dy = randn([5, 3], { seed: 12 });
    const [dW] = grad(y, [W], dy);
    const expected = new Float64Array(12);
    idx.forEach((row, k) => {
      for (let j = 0; j < 3; j++) expected[row * 3 + j] += dy.data[k * 3 + j];
    });
    assertClose(dW.data, expected, 1e-15, 'dW');
    assert.deepEqual([...dW.data.slice(6, 9)], [0, 0, 0], 'row 2 is never looked up');
  });

  it('fused layerNorm matches its composite version, forward and all three gradients', () => {
    const x = randn([3, 6], { seed: 21 }).requireGrad();
    const gamma = randn([6], { seed: 22 }).requireGrad();
    const beta = randn([6], { seed: 23 }).requireGrad();
    const eps = 1e-3;
    const composite = () => {
      const centred = F.sub(x, F.mean(x, -1, true));
      const variance = F.mean(F.mul(centred, centred), -1, true);
      return F.add(F.mul(F.div(centred, F.sqrt(F.add(variance, eps))), gamma), beta);
    };
    const fused = F.layerNorm(x, gamma, beta, eps);
    const ref = composite();
    assertClose(fused.data, ref.data, 1e-12, 'forward');
    const dy = randn([3, 6], { seed: 24 });
    const gf = grad(fused, [x, gamma, beta], dy);
    const gc = grad(ref, [x, gamma, beta], dy);
    ['x', 'gamma', 'beta'].forEach((n, i) => assertClose(gf[i].data, gc[i].data, 1e-10, `d${n}`));
  });

  it('layerNorm is stable for rows with a large common offset (two-pass variance)', () => {
    const small = randn([2, 5], { seed: 31 });
    const shifted = F.add(small, 1e8);
    // Normalisation removes the offset: a one-pass E[x²]−E[x]² would lose every digit here.
    assertClose(F.layerNorm(shifted).data, F.layerNorm(small).data, 1e-6, 'shifted rows');
    const rows = F.layerNorm(small, undefined, undefined, 0);
    for (let r = 0; r < 2; r++) {
      const row = [...rows.data.slice(r * 5, r * 5 + 5)];
      assert.ok(Math.abs(row.reduce((a, b) => a + b) / 5) < 1e-12, 'mean 0');
      assert.ok(Math.abs(row.reduce((a, b) => a + b * b, 0) / 5 - 1) < 1e-12, 'variance 1');
    }
  });
});

describe('parameter sharing accumulates gradients', () => {
  it('the same Linear applied twice: weight and bias gradients match central differences', () => {
    const layer = new nn.Linear(3, 3, { seed: 1 });
    const x = randn([2, 3], { seed: 2 });
    checkGradients(() => layer.forward(F.tanh(layer.forward(x))), layer.parameters());
  });

  it('the shared Linear gradient is the sum of its two uses', () => {
    const layer = new nn.Linear(3, 3, { seed: 1 });
    const x = randn([2, 3], { seed: 2 });
    const h = F.tanh(layer.forward(x));
    const y = layer.forward(h);
    const dy = randn([2, 3], { seed: 3 });
    const [dW] = grad(y, [layer.weight], dy);
    // Outer use alone (h held fixed): dyᵀ h. Inner use alone: (dy W ⊙ (1 − h²))ᵀ x.
    const W = layer.weight.data;
    const expected = new Float64Array(9);
    for (let n = 0; n < 2; n++) {
      for (let o = 0; o < 3; o++) {
        let dh = 0;
        for (let j = 0; j < 3; j++) dh += dy.data[n * 3 + j] * W[j * 3 + o];
        const dz = dh * (1 - h.data[n * 3 + o] ** 2);
        for (let i = 0; i < 3; i++) expected[o * 3 + i] += dy.data[n * 3 + o] * h.data[n * 3 + i] + dz * x.data[n * 3 + i];
      }
    }
    assertClose(dW.data, expected, 1e-12, 'dW');
  });

  it('a conv kernel shared by every position (and by two conv calls) matches central differences', () => {
    const conv = new nn.Conv2d(2, 2, 3, { padding: 1, seed: 3 });
    const x = randn([1, 2, 4, 4], { seed: 4 });
    checkGradients(() => conv.forward(F.tanh(conv.forward(x))), conv.parameters());
  });

  it('a 1x1 single-channel conv weight gets the sum over positions of dy·x', () => {
    const w = tensor([0.5], [1, 1, 1, 1]).requireGrad();
    const x = randn([2, 1, 3, 3], { seed: 5 });
    const dy = randn([2, 1, 3, 3], { seed: 6 });
    const [dw] = grad(F.conv2d(x, w), [w], dy);
    const expected = [...x.data].reduce((s, xi, i) => s + xi * dy.data[i], 0);
    assertClose(dw.data, [expected], 1e-13, 'dw');
  });
});

describe('nn: parameter names and counts', () => {
  it('Linear(784, 256): weight [256,784] (y = x Wᵀ + b) and bias [256], 200,960 parameters', () => {
    const l = new nn.Linear(784, 256, { seed: 0 });
    assert.deepEqual(shapes(l), { weight: [256, 784], bias: [256] });
    assert.equal(l.numParameters(), 784 * 256 + 256);
    assert.equal(l.numParameters(), 200960);
    assert.equal(new nn.Linear(3, 2, { bias: false }).numParameters(), 6);
    assert.ok(l.weight.requiresGrad && l.bias?.requiresGrad);
  });

  it('MLP([784, 256, 10]) names fc1.weight … fc2.bias and has 203,530 parameters', () => {
    const m = new nn.MLP([784, 256, 10], 'sigmoid', { seed: 0 });
    assert.deepEqual(shapes(m), { 'fc1.weight': [256, 784], 'fc1.bias': [256], 'fc2.weight': [10, 256], 'fc2.bias': [10] });
    assert.equal(m.numParameters(), 200960 + 2570);
    assert.equal(m.layers[1].weight.name, 'fc2.weight', 'the tensor carries its path for reports');
  });

  it('a Conv2d needs far fewer parameters than an MLP layer making the same hidden values', () => {
    // On 1x8x8 images producing 4x8x8 = 256 hidden values:
    const conv = new nn.Conv2d(1, 4, 3, { padding: 1, seed: 0 });
    const dense = new nn.Linear(64, 256, { seed: 0 });
    assert.deepEqual(shapes(conv), { weight: [4, 1, 3, 3], bias: [4] });
    assert.equal(conv.numParameters(), 4 * 9 + 4); // 40
    assert.equal(dense.numParameters(), 64 * 256 + 256); // 16,640
    assert.deepEqual([...conv.forward(randn([1, 1, 8, 8], { seed: 1 })).shape], [1, 4, 8, 8]);
    assert.equal(new nn.Conv2d(3, 64, 3).numParameters(), 1792);
  });

  it('Embedding, LayerNorm', () => {
    assert.deepEqual(shapes(new nn.Embedding(1000, 16)), { weight: [1000, 16] });
    assert.equal(new nn.Embedding(1000, 16).numParameters(), 16000);
    const ln = new nn.LayerNorm(8);
    assert.deepEqual(shapes(ln), { gamma: [8], beta: [8] });
    assert.deepEqual([...ln.gamma.data], new Array(8).fill(1));
    assert.deepEqual([...ln.beta.data], new Array(8).fill(0));
  });

  it('MixerBlock({ tokens 4, channels 6, tokenHidden 5, channelHidden 7 }): 170 parameters', () => {
    const b = new nn.MixerBlock({ tokens: 4, channels: 6, tokenHidden: 5, channelHidden: 7, seed: 0 });
    assert.deepEqual(shapes(b), {
      'norm1.gamma': [6], 'norm1.beta': [6],
      'tokenMixing.fc1.weight': [5, 4], 'tokenMixing.fc1.bias': [5], 'tokenMixing.fc2.weight': [4, 5], 'tokenMixing.fc2.bias': [4],
      'norm2.gamma': [6], 'norm2.beta': [6],
      'channelMixing.fc1.weight': [7, 6], 'channelMixing.fc1.bias': [7], 'channelMixing.fc2.weight': [6, 7], 'channelMixing.fc2.bias': [6],
    });
    assert.equal(b.numParameters(), 12 + (20 + 5 + 20 + 4) + 12 + (42 + 7 + 42 + 6));
  });

  it('GatedMLPBlock({ seqLen 4, dim 6, hidden 8 }): 126 parameters, spatial weights near 0 and bias 1', () => {
    const b = new nn.GatedMLPBlock({ seqLen: 4, dim: 6, hidden: 8, seed: 0 });
    assert.deepEqual(shapes(b), {
      'norm.gamma': [6], 'norm.beta': [6],
      'projIn.weight': [8, 6], 'projIn.bias': [8],
      'sgu.weight': [4, 4], 'sgu.bias': [4], 'sgu.norm.gamma': [4], 'sgu.norm.beta': [4],
      'projOut.weight': [6, 4], 'projOut.bias': [6],
    });
    assert.equal(b.numParameters(), 12 + 56 + 20 + 8 + 30);
    assert.ok([...b.sgu.weight.data].every((w) => Math.abs(w) < 0.1));
    assert.deepEqual([...b.sgu.bias.data], [1, 1, 1, 1]);
  });

  it('seeded initialisation is reproducible and scaled by 1/sqrt(fan_in)', () => {
    const a = new nn.Linear(400, 50, { seed: 9 });
    const b = new nn.Linear(400, 50, { seed: 9 });
    assert.deepEqual([...a.weight.data], [...b.weight.data]);
    assert.notDeepEqual([...a.weight.data], [...new nn.Linear(400, 50, { seed: 10 }).weight.data]);
    assert.notDeepEqual([...a.weight.data.slice(0, 50)], [...a.bias!.data], 'weight and bias draw different streams');
    const sd = Math.sqrt([...a.weight.data].reduce((s, w) => s + w * w, 0) / a.weight.size);
    assert.ok(Math.abs(sd - 1 / 20) < 0.005, `standard deviation ${sd} vs 1/sqrt(400)`);
    const m = new nn.MLP([3, 3, 3], 'tanh', { seed: 1 });
    assert.notDeepEqual([...m.layers[0].weight.data], [...m.layers[1].weight.data], 'layers get distinct seeds');
  });

  it('a tensor shared under two names (tied weights) is listed and counted once', () => {
    class Tied extends nn.Module {
      readonly enc = this.child('enc', new nn.Linear(3, 3, { seed: 1 }));
      readonly w = this.param('tied', this.enc.weight);
      constructor() {
        super('Tied');
      }
      protected compute(x: Tensor): Tensor {
        return this.enc.forward(F.matmul(x, this.w));
      }
    }
    const t = new Tied();
    assert.deepEqual(Object.keys(t.parameters()), ['tied', 'enc.bias']);
    assert.equal(t.numParameters(), 12);
  });
});

describe('nn: every layer against central differences', () => {
  it('Linear on a batch and on a single vector (parameters and input)', () => {
    const l = new nn.Linear(4, 3, { seed: 1 });
    const x = randn([2, 4], { seed: 2 }).requireGrad();
    checkGradients(() => l.forward(x), { ...l.parameters(), x });
    const v = randn([4], { seed: 3 }).requireGrad();
    assert.deepEqual([...l.forward(v).shape], [3]);
    checkGradients(() => l.forward(v), { ...l.parameters(), v });
  });

  for (const act of ['sigmoid', 'tanh', 'gelu'] as const) {
    it(`MLP([4, 5, 3], '${act}')`, () => {
      const m = new nn.MLP([4, 5, 3], act, { seed: 4 });
      const x = randn([3, 4], { seed: 5 }).requireGrad();
      checkGradients(() => m.forward(x), { ...m.parameters(), x });
    });
  }

  it("MLP with 'relu' (inputs kept off the kink) and with a function activation", () => {
    const m = new nn.MLP([3, 4, 2], 'relu', { seed: 6 });
    const x = randn([2, 3], { seed: 7 });
    // Make sure no pre-activation sits within the difference step of 0.
    const pre = m.layers[0].forward(x);
    assert.ok([...pre.data].every((z) => Math.abs(z) > 1e-3));
    checkGradients(() => m.forward(x), m.parameters());
    const soft = new nn.MLP([3, 4, 2], (z) => F.mul(z, F.sigmoid(z)), { seed: 6 });
    checkGradients(() => soft.forward(x), soft.parameters());
  });

  it('Conv2d with stride 2 and padding 1; a rectangular Conv2d feeding overlapping pools', () => {
    const c = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1, seed: 8 });
    const x = randn([2, 2, 5, 5], { seed: 9 }).requireGrad();
    assert.deepEqual([...c.forward(x).shape], [2, 3, 3, 3]);
    checkGradients(() => c.forward(x), { ...c.parameters(), x });
    const d = new nn.Conv2d(1, 2, [2, 3], { bias: false, seed: 10 });
    const img = randn([1, 1, 6, 6], { seed: 11 });
    checkGradients(() => F.avgPool2d(F.maxPool2d(F.tanh(d.forward(img)), 2, 1), 2), d.parameters());
  });

  it('Embedding with repeated and multi-dimensional indices', () => {
    const e = new nn.Embedding(5, 3, { seed: 12 });
    const idx = tensor([[0, 4, 0], [2, 0, 4]]);
    assert.deepEqual([...e.forward(idx).shape], [2, 3, 3]);
    checkGradients(() => F.tanh(e.forward(idx)), e.parameters());
  });

  it('LayerNorm with non-trivial gamma and beta, and its input', () => {
    const ln = new nn.LayerNorm(5);
    ln.gamma.data.set([0.5, -1, 2, 1.5, 0.3]);
    ln.beta.data.set([0.1, 0.2, -0.3, 0, 1]);
    const x = randn([2, 3, 5], { seed: 13 }).requireGrad();
    checkGradients(() => ln.forward(x), { ...ln.parameters(), x });
  });

  it('MixerBlock on [tokens, channels] and on a batch', () => {
    const b = new nn.MixerBlock({ tokens: 3, channels: 4, tokenHidden: 5, channelHidden: 6, seed: 14 });
    const x = randn([3, 4], { seed: 15 }).requireGrad();
    checkGradients(() => b.forward(x), { ...b.parameters(), x });
    const xb = randn([2, 3, 4], { seed: 16 });
    assert.deepEqual([...b.forward(xb).shape], [2, 3, 4]);
    checkGradients(() => b.forward(xb), b.parameters());
  });

  it('GatedMLPBlock on [seqLen, dim] and on a batch', () => {
    const b = new nn.GatedMLPBlock({ seqLen: 3, dim: 4, hidden: 6, seed: 17 });
    const x = randn([3, 4], { seed: 18 }).requireGrad();
    checkGradients(() => b.forward(x), { ...b.parameters(), x });
    const xb = randn([2, 3, 4], { seed: 19 });
    assert.deepEqual([...b.forward(xb).shape], [2, 3, 4]);
    checkGradients(() => b.forward(xb), b.parameters());
  });

  it('MixerBlock forward matches the block written out with F ops', () => {
    const b = new nn.MixerBlock({ tokens: 3, channels: 4, tokenHidden: 2, channelHidden: 5, seed: 20 });
    const x = randn([3, 4], { seed: 21 });
    const lin = (l: nn.Linear, h: Tensor) => F.add(F.matmul(h, F.transpose(l.weight)), l.bias!);
    const mlp = (m: nn.MLP, h: Tensor) => lin(m.layers[1], F.gelu(lin(m.layers[0], h)));
    const t = F.add(x, F.transpose(mlp(b.tokenMixing, F.transpose(F.layerNorm(x)))));
    const expected = F.add(t, mlp(b.channelMixing, F.layerNorm(t)));
    assertClose(b.forward(x).data, expected.data, 1e-12, 'mixer');
  });
});

describe('module scope', () => {
  it('withScope nests, and restores the path even when fn throws', () => {
    assert.deepEqual(currentScope(), []);
    withScope('encoder', () => {
      withScope('fc1', () => assert.deepEqual(currentScope(), ['encoder', 'fc1']));
      assert.throws(() => withScope('fc2', () => {
        throw new Error('boom');
      }));
      assert.deepEqual(currentScope(), ['encoder']);
    });
    assert.deepEqual(currentScope(), []);
  });

  it("a module's forward runs its ops under its path, so a tracer can group by layer", () => {
    const m = new nn.MLP([2, 3, 1], 'tanh', { name: 'net', seed: 1 });
    const seen: string[] = [];
    withOpObserver((op) => seen.push(`${currentScope().join('/')}:${op.name}`), () => m.forward(randn([4, 2], { seed: 2 }).requireGrad()));
    assert.deepEqual(seen, ['net/fc1:transpose', 'net/fc1:matmul', 'net/fc1:add', 'net:tanh', 'net/fc2:transpose', 'net/fc2:matmul', 'net/fc2:add']);
    assert.deepEqual(currentScope(), []);
  });
});

describe('layer errors name the op and the shapes', () => {
  it('conv2d', () => {
    const x = zeros([2, 3, 8, 8]);
    throwsMessage(() => F.conv2d(x, zeros([4, 2, 3, 3])), 'conv2d: input [2,3,8,8] has 3 channels but weight [4,2,3,3] expects 2');
    throwsMessage(() => F.conv2d(zeros([3, 8, 8]), zeros([4, 3, 3, 3])), 'conv2d: input must be 4-D [N,C,H,W], got shape [3,8,8]');
    throwsMessage(() => F.conv2d(x, zeros([4, 3, 3])), 'conv2d: weight must be 4-D [O,C,kh,kw], got shape [4,3,3]');
    throwsMessage(() => F.conv2d(zeros([1, 3, 2, 2]), zeros([4, 3, 3, 3])), 'conv2d: kernel 3x3 of weight [4,3,3,3] does not fit input [1,3,2,2] with padding 0x0');
    throwsMessage(() => F.conv2d(x, zeros([4, 3, 3, 3]), { bias: zeros([3]) }), 'conv2d: bias must have shape [4] (one per output channel of weight [4,3,3,3]), got [3]');
    throwsMessage(() => F.conv2d(x, zeros([4, 3, 3, 3]), { stride: 0 }), 'conv2d: stride must be a whole number >= 1 or a pair of them, got 0');
    throwsMessage(() => new nn.Conv2d(2, 4, 3).forward(x), 'conv2d: input [2,3,8,8] has 3 channels but weight [4,2,3,3] expects 2');
  });

  it('pools', () => {
    throwsMessage(() => F.maxPool2d(zeros([1, 1, 2, 5]), 3), 'maxPool2d: window 3x3 does not fit input [1,1,2,5]');
    throwsMessage(() => F.avgPool2d(zeros([4, 4]), 2), 'avgPool2d: input must be 4-D [N,C,H,W], got shape [4,4]');
    throwsMessage(() => F.avgPool2d(zeros([1, 1, 4, 4]), 2, 1.5), 'avgPool2d: stride must be a whole number >= 1 or a pair of them, got 1.5');
  });

  it('embedding', () => {
    const W = zeros([5, 3]);
    throwsMessage(() => F.embedding(W, tensor([1, 5])), 'embedding: index 5 at position 1 of indices [2] is out of range for weight [5,3] (5 rows)');
    throwsMessage(() => F.embedding(W, tensor([-1])), 'embedding: index -1 at position 0 of indices [1] is out of range for weight [5,3] (5 rows)');
    throwsMessage(() => F.embedding(W, tensor([[0, 1.5]])), 'embedding: index 1.5 at position 1 of indices [1,2] is not a whole number');
    throwsMessage(() => F.embedding(W, tensor([NaN])), 'embedding: index NaN at position 0 of indices [1] is not a whole number');
    throwsMessage(() => F.embedding(zeros([5]), tensor([0])), 'embedding: weight must be 2-D [V,D], got shape [5]');
    // randint draws valid indices: no error, and the output shape follows them.
    assert.deepEqual([...F.embedding(W, randint([2, 7], 5, { seed: 1 })).shape], [2, 7, 3]);
  });

  it('layerNorm', () => {
    throwsMessage(() => F.layerNorm(zeros([2, 4]), ones([3])), 'layerNorm: gamma must have shape [4] to match the last axis of input [2,4], got [3]');
    throwsMessage(() => F.layerNorm(zeros([2, 4]), ones([4]), zeros([2, 4])), 'layerNorm: beta must have shape [4] to match the last axis of input [2,4], got [2,4]');
    throwsMessage(() => F.layerNorm(zeros([2, 4]), undefined, undefined, -1), 'layerNorm: eps must be a number >= 0, got -1');
  });

  it('nn layers', () => {
    throwsMessage(() => new nn.Linear(4, 3).forward(zeros([2, 5])), 'Linear: input [2,5] must end in 4 features to match weight [3,4]');
    throwsMessage(() => new nn.Linear(0, 3), 'Linear: inFeatures must be a whole number >= 1, got 0');
    throwsMessage(() => new nn.MLP([4, 3], 'swish' as never), "MLP: unknown activation 'swish': use 'sigmoid', 'tanh', 'relu', 'gelu' or a function");
    throwsMessage(() => new nn.MLP([4]), 'MLP: sizes must list at least an input and an output size, got [4]');
    throwsMessage(
      () => new nn.MixerBlock({ tokens: 3, channels: 4, tokenHidden: 2, channelHidden: 2 }).forward(zeros([4, 3])),
      'MixerBlock: input [4,3] must end in [3,4] (tokens, channels)',
    );
    throwsMessage(() => new nn.GatedMLPBlock({ seqLen: 3, dim: 4, hidden: 5 }), 'GatedMLPBlock: hidden must be even (the gating unit splits it in two halves), got 5');
    throwsMessage(
      () => new nn.GatedMLPBlock({ seqLen: 3, dim: 4, hidden: 6 }).forward(zeros([2, 4])),
      'GatedMLPBlock: input [2,4] must end in [3,4] (seqLen, dim)',
    );
  });
});
