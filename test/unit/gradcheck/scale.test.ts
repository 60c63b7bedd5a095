// Verdicts at real model sizes, with the models built in code: a slip in one hidden unit of a
// 203k-parameter MLP's hand-written backward, a 1e-3 slip in one element of a 50k-parameter one,
// the same slip inside a custom op, and a backward off by 3× on a loss of size 1e-12. Each wrong
// model fails in the default mode with the right blame; each right one passes. (Timings are the
// benchmark's business: bench/gradcheck.ts.)
import * as assert from 'node:assert/strict';
import { F, type Tensor, defineModel, defineOp, gradcheck, randint, randn, tensor } from '../../../src/index';

interface Mlp {
  sizes: [number, number, number];
  batch: number;
  /** Scales σ'(z) of one hidden unit in the hand-written backward (1: right). */
  unitSlip?: { unit: number; factor: number };
  /** Scales one element of dW1 in the hand-written backward (1: right). */
  elementSlip?: { index: [number, number]; factor: number };
}

/** X@W1+b1 → sigmoid → @W2+b2 → cross-entropy, with its backward derived by hand. */
function mlp({ sizes: [d, h, k], batch, unitSlip, elementSlip }: Mlp) {
  const X = randn([batch, d], { seed: 1 });
  const y = randint([batch], k, { seed: 2 });
  const onehot = tensor(Array.from({ length: batch }, (_, i) => Array.from({ length: k }, (_, j) => (j === y.data[i] ? 1 : 0))));
  const unitScale = tensor(Array.from({ length: h }, (_, j) => (unitSlip && j === unitSlip.unit ? unitSlip.factor : 1)));
  return defineModel({
    inputs: { X, y },
    params: { W1: randn([d, h], { seed: 3, scale: 0.05 }), b1: randn([h], { seed: 4, scale: 0.1 }), W2: randn([h, k], { seed: 5, scale: 0.1 }), b2: randn([k], { seed: 6, scale: 0.1 }) },
    forward: (i, p) => F.crossEntropy(F.add(F.matmul(F.sigmoid(F.add(F.matmul(i.X, p.W1), p.b1)), p.W2), p.b2), i.y),
    backward: (i, p) => {
      const H = F.sigmoid(F.add(F.matmul(i.X, p.W1), p.b1));
      const dZ2 = F.div(F.sub(F.softmax(F.add(F.matmul(H, p.W2), p.b2)), onehot), batch);
      const dH = F.matmul(dZ2, F.transpose(p.W2));
      const dZ1 = F.mul(dH, F.mul(F.mul(H, F.sub(1, H)), unitScale));
      const dW1 = F.matmul(F.transpose(i.X), dZ1);
      if (elementSlip) {
        const [r, c] = elementSlip.index;
        dW1.data[r * h + c] *= elementSlip.factor;
      }
      return { W1: dW1, b1: F.sum(dZ1, 0), W2: F.matmul(F.transpose(H), dZ2), b2: F.sum(dZ2, 0) };
    },
  });
}

describe('the checker at real model sizes', function () {
  this.timeout(120_000);

  it('a 203k-parameter MLP whose backward slips σ\' of hidden unit 137 by 1.01 fails, blamed on W1 (backward) in column 137', () => {
    const r = gradcheck(mlp({ sizes: [784, 256, 10], batch: 64, unitSlip: { unit: 137, factor: 1.01 } }));
    assert.equal(r.mode, 'fast', 'the default (auto) mode is fast above the parameter budget');
    assert.equal(r.passed, false);
    assert.ok(r.params.every((c) => c.passed), 'autograd is right');
    const w1 = r.manual!.find((c) => c.name === 'W1')!;
    assert.equal(w1.passed, false);
    assert.equal(w1.method, 'exact');
    assert.equal(w1.worst!.index[1], 137, `worst element ${w1.worst!.index}`);
    // Every element of column 137 is wrong, and nothing else is.
    assert.equal(w1.wrong, 784);
    const b1 = r.manual!.find((c) => c.name === 'b1')!;
    assert.equal(b1.passed, false);
    assert.deepEqual(b1.worst!.index, [137]);
    assert.ok(r.manual!.filter((c) => c.name.startsWith('W2') || c.name === 'b2').every((c) => c.passed));
  });

  it('the same 203k-parameter MLP without the slip passes', () => {
    const r = gradcheck(mlp({ sizes: [784, 256, 10], batch: 64 }));
    assert.equal(r.passed, true, JSON.stringify(r.manual?.filter((c) => !c.passed)));
    assert.ok(r.manual!.every((c) => c.method === 'exact' && c.wrong === undefined));
    assert.ok(Math.abs(r.taylorSlope! - 2) < 0.2 && Math.abs(r.manualTaylorSlope! - 2) < 0.2);
  });

  it('a 1e-3 relative slip in one element of a 50k-parameter model\'s backward fails in the default mode', () => {
    const spec = { sizes: [784, 64, 10] as [number, number, number], batch: 32 };
    const r = gradcheck(mlp({ ...spec, elementSlip: { index: [300, 17], factor: 1 + 1e-3 } }));
    assert.equal(r.passed, false);
    const w1 = r.manual!.find((c) => c.name === 'W1')!;
    assert.deepEqual([w1.passed, w1.wrong, w1.worst!.index], [false, 1, [300, 17]]);
    // 1e-3 relative is inside rtol 1e-3 (plus atol): the noise floor decides.
    assert.equal(w1.decidedBy, 'noise');
    assert.equal(r.decidedBy, 'noise');
    // Round-off, and the 1e-6 share that other algebra may differ by over 100 (exact.ts): far below the slip.
    assert.ok(w1.noiseFloor! > 0 && w1.noiseFloor! < 1e-7 * Math.abs(w1.worst!.numeric) + 1e-12, `${w1.noiseFloor} for ${w1.worst!.numeric}`);
    assert.equal(gradcheck(mlp(spec)).passed, true);
  });

  it('the same slip inside a custom op fails at its call site and in the parameters upstream of it', () => {
    const batch = 32;
    const h = 64;
    // sigmoid as a custom op whose backward is off by 1e-3 in one element of its input gradient.
    const slippySigmoid = defineOp({
      name: 'slippySigmoid',
      forward: (z) => F.sigmoid(z),
      backward: (dy, [z]) => {
        const s = F.sigmoid(z);
        const g = F.mul(dy, F.mul(s, F.sub(1, s)));
        g.data[5 * h + 17] *= 1 + 1e-3;
        return [g];
      },
    });
    const X = randn([batch, 784], { seed: 1 });
    const y = randint([batch], 10, { seed: 2 });
    const model = defineModel({
      inputs: { X, y },
      params: { W1: randn([784, h], { seed: 3, scale: 0.05 }), b1: randn([h], { seed: 4, scale: 0.1 }), W2: randn([h, 10], { seed: 5, scale: 0.1 }), b2: randn([10], { seed: 6, scale: 0.1 }) },
      forward: (i, p) => F.crossEntropy(F.add(F.matmul(slippySigmoid(F.add(F.matmul(i.X, p.W1), p.b1)), p.W2), p.b2), i.y),
    });
    const r = gradcheck(model);
    assert.equal(r.passed, false);
    const op = r.ops.find((o) => o.name === 'slippySigmoid')!;
    assert.equal(op.passed, false);
    assert.deepEqual(op.worst!.index, [5, 17]);
    const failing = r.params.filter((c) => !c.passed).map((c) => c.name);
    assert.deepEqual(failing, ['W1', 'b1'], `failing: ${failing}`);
    assert.equal(r.params.find((c) => c.name === 'W1')!.worst!.index[1], 17);
  });

  it('no false alarm when a custom op computes part of its forward on .data: its right backward is checked numerically', () => {
    // y = x + sin(x), the sin part behind the tape's back: autograd of the forward would miss it.
    const addSin = defineOp({
      name: 'addSin',
      forward: (x) => F.add(x, F.reshape(tensor(Array.from(x.data, Math.sin)), [...x.shape])),
      backward: (dy, [x]) => [F.mul(dy, F.reshape(tensor(Array.from(x.data, (v) => 1 + Math.cos(v))), [...x.shape]))],
    });
    const w = randn([4, 3], { seed: 11 });
    const model = defineModel({ inputs: { x: randn([5, 4], { seed: 12 }) }, params: { w }, forward: (i, p) => F.sum(F.tanh(addSin(F.matmul(i.x, p.w)))) });
    const r = gradcheck(model);
    assert.equal(r.passed, true, JSON.stringify({ params: r.params, ops: r.ops }));
    assert.notEqual(r.ops[0].method, 'exact');
  });

  for (const mode of ['full', 'fast', 'sampled'] as const) {
    it(`no false alarm in ${mode} mode on large magnitudes, a tiny loss, max ties and relu at 0`, () => {
      const big = randn([6], { seed: 21, scale: 0.1 });
      const exp20 = defineModel({ inputs: {}, params: { w: big }, forward: (_i, p) => F.sum(F.exp(F.add(p.w, 20))) });
      const tiny = defineModel({ inputs: { x: randn([6], { seed: 22 }) }, params: { w: randn([6], { seed: 23 }) }, forward: (i, p) => F.mul(1e-12, F.sum(F.pow(F.mul(p.w, i.x), 2))) });
      const ties = defineModel({ inputs: {}, params: { w: tensor([1, 3, 3, -2]) }, forward: (_i, p) => F.add(F.max(p.w), F.mul(0.1, F.sum(F.mul(p.w, p.w)))) });
      const relu0 = defineModel({ inputs: {}, params: { w: tensor([0, 1.5, -0.7, 0.3]) }, forward: (_i, p) => F.sum(F.mul(F.relu(p.w), 2)) });
      for (const [name, model] of Object.entries({ exp20, tiny, ties, relu0 })) {
        const r = gradcheck(model, { mode });
        assert.equal(r.passed, true, `${name}: ${JSON.stringify({ params: r.params, notes: r.notes, taylor: r.taylorSlope })}`);
      }
    });

    it(`judges a small element beside large ones in one loss in ${mode} mode (e^-3 beside e^20): a right gradient passes${mode === 'fast' ? '' : ', a 10 % slip there fails'}`, () => {
      // Moving w[2] by eps changes the loss (≈ 7.8e8) by 1e-7, under one ulp: the central difference
      // at eps is round-off (±0.4), and judged by the tolerance it failed the right gradient 0.0498.
      const w = () => tensor([20, 19.5, -3, 0.2, 16]);
      const mixed = defineModel({ name: 'mixed', inputs: {}, params: { w: w() }, forward: (_i, p) => F.sum(F.exp(p.w)) });
      const right = gradcheck(mixed, { mode });
      assert.equal(right.passed, true, JSON.stringify(right.params));
      // A random direction moves the large elements too, whose round-off (about 0.1 per unit step
      // at eps) buries this element's 0.005: only a check element by element can see the slip.
      if (mode === 'fast') return;
      // The same sum through an op whose forward reads .data (so only the differences can judge it)
      // and whose backward is 10 % too large at w[2] alone.
      const slippyExp = defineOp({
        name: 'slippyExp',
        forward: (x) => F.reshape(tensor(Array.from(x.data, Math.exp)), [...x.shape]),
        backward: (dy, [x]) => [F.mul(dy, F.reshape(tensor(Array.from(x.data, (v, i) => Math.exp(v) * (i === 2 ? 1.1 : 1))), [...x.shape]))],
      });
      const slipped = defineModel({ name: 'slipped', inputs: {}, params: { w: w() }, forward: (_i, p) => F.sum(slippyExp(p.w)) });
      const wrong = gradcheck(slipped, { mode, samples: 5 });
      assert.equal(wrong.passed, false);
      const row = wrong.params[0];
      assert.equal(row.passed, false, JSON.stringify(row));
      assert.deepEqual(row.worst?.index, [2]);
      assert.ok(Math.abs(row.worst!.numeric - Math.exp(-3)) < 1e-4 && Math.abs(row.worst!.analytic - 1.1 * Math.exp(-3)) < 1e-12, JSON.stringify(row.worst));
    });

    it(`no false alarm in ${mode} mode on a loss that is the small difference of large intermediates`, () => {
      // (s + 1e4) − 1e4 rounds to ulps of 1e4, a thousand times those of s: a noise floor taken from
      // the loss alone failed this right gradient 'by the noise' in 40 % of seeds (fast), in all (full).
      const cancelling = defineModel({
        inputs: { x: randn([16, 30], { seed: 1 }) },
        params: { W: randn([30, 8], { seed: 7 }) },
        forward: (i, p) => F.sub(F.add(F.sum(F.tanh(F.matmul(i.x, p.W))), 1e4), 1e4),
      });
      for (let seed = 1; seed <= (mode === 'full' ? 3 : 20); seed++) {
        const r = gradcheck(cancelling, { mode, seed });
        assert.equal(r.passed, true, `seed ${seed}: ${JSON.stringify({ params: r.params, notes: r.notes })}`);
      }
    });
  }

  it('no false alarm in a full check where inputs of size 1e3 put a relu\'s kink within eps of a weight\'s stencil', () => {
    // eps on W1 moves a pre-activation by |X|·eps ≈ 2e-3, and one sits at −1.8e-3: the stencil
    // crosses the kink, and the one-sided slopes carry h·f'' ≈ 4e-3 from the curvature |X|² brings.
    const model = defineModel({
      inputs: { X: randn([16, 64], { seed: 1, scale: 1e3 }), y: randint([16], 10, { seed: 2 }) },
      params: { W1: randn([64, 72], { seed: 3, scale: 1 / 8 / 1e3 }), b1: randn([72], { seed: 4, scale: 0.1 }), W2: randn([72, 10], { seed: 5, scale: 1 / Math.sqrt(72) }), b2: randn([10], { seed: 6, scale: 0.1 }) },
      forward: (i, p) => F.crossEntropy(F.add(F.matmul(F.relu(F.add(F.matmul(i.X, p.W1), p.b1)), p.W2), p.b2), i.y),
    });
    const r = gradcheck(model, { mode: 'full' });
    assert.equal(r.passed, true, JSON.stringify(r.params.filter((c) => !c.passed)));
    const kinked = r.params.find((c) => c.name === 'W1')!.nonDifferentiable;
    assert.ok(kinked && /straddles a kink/.test(kinked.note), JSON.stringify(kinked));
  });

  it('no false alarm from the Taylor test where a max-pool\'s argmax switches between its steps', () => {
    // A max-pool CNN (9,930 parameters): along the Taylor direction of seeds 18 and 26 two pooled
    // inputs swap at small steps, so the remainder falls like h for a right gradient (slopes 1.44
    // and 1.20); a second direction decides, and the note says so.
    const C = 16;
    const flat = 2 * C * 4 * 4;
    const model = defineModel({
      inputs: { x: randn([8, 1, 16, 16], { seed: 1 }), y: randint([8], 10, { seed: 2 }) },
      params: {
        w1: randn([C, 1, 3, 3], { seed: 3, scale: 0.3 }), b1: randn([C], { seed: 4, scale: 0.1 }),
        w2: randn([2 * C, C, 3, 3], { seed: 5, scale: 1 / Math.sqrt(9 * C) }), b2: randn([2 * C], { seed: 6, scale: 0.1 }),
        W: randn([flat, 10], { seed: 7, scale: 1 / Math.sqrt(flat) }), b: randn([10], { seed: 8, scale: 0.1 }),
      },
      forward: (i, p) => {
        let h = F.add(F.tanh(F.conv2d(i.x, p.w1, { padding: 1 })), F.reshape(p.b1, [1, C, 1, 1]));
        h = F.maxPool2d(h, 2);
        h = F.maxPool2d(F.tanh(F.add(F.conv2d(h, p.w2, { padding: 1 }), F.reshape(p.b2, [1, 2 * C, 1, 1]))), 2);
        return F.crossEntropy(F.add(F.matmul(F.reshape(h, [8, flat]), p.W), p.b), i.y);
      },
    });
    for (const seed of [18, 26]) {
      const r = gradcheck(model, { mode: 'fast', seed });
      assert.equal(r.passed, true, `seed ${seed}: slope ${r.taylorSlope}, ${r.decidedBy}`);
      assert.ok(r.notes?.some((n) => /along a second direction it fell like h²/.test(n)), JSON.stringify(r.notes));
    }
  });

  it('a custom op failing by the noise floor, within the tolerance, says so for the model too', () => {
    const square = defineOp({ name: 'square', forward: (x: Tensor) => F.mul(x, x), backward: (dy: Tensor, [x]: Tensor[]) => [F.mul(dy, F.mul(x, 2 * (1 + 1e-5)))] });
    const model = defineModel({ inputs: {}, params: { w: randn([20], { seed: 3 }) }, forward: (_i, p) => F.sum(square(p.w)) });
    const r = gradcheck(model);
    assert.equal(r.passed, false);
    assert.equal(r.ops[0].passed, false);
    assert.deepEqual([r.ops[0].decidedBy, r.decidedBy], ['noise', 'noise']);
  });

  it('a hand-written gradient that is exactly 0 in theory passes as round-off of the other gradients, and one that is not 0 fails', () => {
    // crossEntropy does not change when every logit moves by c: dL/dc = 0, summed from terms the
    // size of W2's gradient. A scale from c's own gradient (round-off itself) failed it in every seed.
    const B = 32;
    const x = randn([B, 64], { seed: 1 });
    const y = randint([B], 10, { seed: 2 });
    const onehot = tensor(Array.from({ length: B }, (_, i) => Array.from({ length: 10 }, (_, j) => (j === y.data[i] ? 1 : 0))));
    const make = (slip: number) =>
      defineModel({
        inputs: { x, y },
        params: { W1: randn([64, 32], { seed: 3, scale: 0.1 }), W2: randn([32, 10], { seed: 5, scale: 0.1 }), c: randn([1], { seed: 6 }) },
        forward: (i, p) => F.crossEntropy(F.add(F.matmul(F.tanh(F.matmul(i.x, p.W1)), p.W2), p.c), i.y),
        backward: (i, p) => {
          const h = F.tanh(F.matmul(i.x, p.W1));
          const dZ2 = F.div(F.sub(F.softmax(F.add(F.matmul(h, p.W2), p.c)), onehot), B);
          const dZ1 = F.mul(F.matmul(dZ2, F.transpose(p.W2)), F.sub(1, F.mul(h, h)));
          // Summed in another order than autograd's, plus `slip`.
          return { W1: F.matmul(F.transpose(i.x), dZ1), W2: F.matmul(F.transpose(h), dZ2), c: F.add(F.reshape(F.sum(F.sum(dZ2, 1)), [1]), slip) };
        },
      });
    for (const seed of [0, 1, 2, 3]) {
      const r = gradcheck(make(0), { seed });
      assert.equal(r.passed, true, `seed ${seed}: ${JSON.stringify(r.manual?.find((c) => !c.passed))}`);
    }
    // 1e-9 where the gradient is 0: a real mistake, a million times the round-off of its terms.
    const off = gradcheck(make(1e-9));
    assert.equal(off.passed, false);
    assert.equal(off.manual!.find((c) => c.name === 'c')!.passed, false);
  });

  it('a right backward scaled by 3 on a loss of size 1e-12 fails; the right one passes', () => {
    const x = randn([6], { seed: 7 });
    const make = (factor: number) =>
      defineModel({
        inputs: { x },
        params: { w: randn([6], { seed: 8 }) },
        // L = 1e-12 · Σ (w ⊙ x)², dL/dw = 2e-12 · w ⊙ x².
        forward: (i, p) => F.mul(1e-12, F.sum(F.pow(F.mul(p.w, i.x), 2))),
        backward: (i, p) => ({ w: F.mul(factor * 2e-12, F.mul(p.w, F.mul(i.x, i.x))) }) as Record<string, Tensor>,
      });
    const wrong = gradcheck(make(3));
    assert.ok(Math.abs(wrong.loss) < 1e-10);
    assert.equal(wrong.passed, false);
    assert.equal(wrong.manual![0].passed, false);
    assert.equal(wrong.manual![0].decidedBy, 'noise');
    assert.ok(Math.abs(wrong.manualTaylorSlope! - 1) < 0.1, `slope ${wrong.manualTaylorSlope}`);
    const right = gradcheck(make(1));
    assert.equal(right.passed, true, JSON.stringify(right));
  });
});
