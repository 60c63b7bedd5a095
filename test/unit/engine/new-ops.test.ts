// The ops added for issue 13 beyond the generic registry tests: ties, bounds, zero variance,
// stability, index errors, the exact GELU from erf, and a second-order check of every new op's
// VJP (each is built from registry ops, so differentiating it by the tape must match central
// differences of the VJP itself).
import { strict as assert } from 'node:assert';
import '../../../src/engine/F';
import { grad } from '../../../src/engine/autograd';
import { randn, tensor } from '../../../src/engine/create';
import * as F from '../../../src/engine/F';
import { Rng } from '../../../src/engine/random';
import { type OpDef, apply, registry, vjpFor } from '../../../src/engine/registry';
import { GradlensError, Tensor } from '../../../src/engine/tensor';
import { drawInput, isDifferentiable } from '../../helpers/opInputs';

const NEW_OPS = ['erf', 'maximum', 'minimum', 'where', 'clamp', 'flip', 'gather', 'scatterAdd', 'var', 'std', 'logsumexp', 'batchNorm', 'batchNormEval'];

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof GradlensError && e.message === message ? true : assert.fail(`got: ${(e as Error).message}`));
}

/** Gradient of a scalar function of one leaf. */
function gradOf(f: (x: Tensor) => Tensor, x: Tensor): number[] {
  const leaf = x.detach().requireGrad();
  return values(grad(f(leaf), [leaf])[0]);
}

describe('new ops: registered, each with a second-order-ready VJP', () => {
  it('every new op is in the registry with a rule and test cases', () => {
    for (const name of NEW_OPS) {
      const def = registry.get(name);
      assert.ok(def, `missing op ${name}`);
      assert.ok(def.test.cases.length >= 2, `${name}: test cases`);
      assert.ok(def.latex.grads.length >= 1, `${name}: derivative rule`);
    }
  });

  // S(xs, dy) = Σ w ⊙ vjpᵢ(dy, xs): its tape gradient (through the VJP's own registry ops) against
  // central differences of S, for every differentiable input and for dy.
  for (const name of NEW_OPS) {
    const def = registry.get(name) as OpDef<any>;
    def.test.cases.forEach((c, ci) => {
      it(`${name} (${c.label ?? `case ${ci + 1}`}): the VJP is differentiable and its gradient matches central differences`, () => {
        const rng = new Rng(300 + ci);
        const xs = c.inputs.map((s) => drawInput(s, rng));
        const attrs = c.attrs ?? {};
        const diff = xs.map((_, i) => isDifferentiable(c.inputs[i]) && vjpFor(def, i) !== null);
        const y0 = apply(def, xs, attrs);
        const dy = new Tensor(Float64Array.from(y0.data, () => rng.uniform(-1, 1)), y0.shape.slice());
        diff.forEach((d, i) => {
          if (!d) return;
          const vjp = vjpFor(def, i)!;
          const leaves = () => xs.map((x, j) => (diff[j] ? x.detach().requireGrad() : x));
          const probe = vjp(dy, { inputs: xs, out: y0, saved: {}, attrs, index: i });
          const w = new Tensor(Float64Array.from(probe.data, () => rng.uniform(-1, 1)), probe.shape.slice());
          const S = (ins: Tensor[], d: Tensor): Tensor => F.sum(F.mul(vjp(d, { inputs: ins, out: apply(def, ins, attrs), saved: {}, attrs, index: i }), w));
          const ins = leaves();
          const dyLeaf = dy.detach().requireGrad();
          const s = S(ins, dyLeaf);
          assert.ok(s.node, `${name}: the VJP for input ${i} was recorded on the tape`);
          const wrt = [...ins.filter((_, j) => diff[j]), dyLeaf];
          const analytic = grad(s, wrt);
          const h = 1e-5;
          wrt.forEach((t, k) => {
            for (let e = 0; e < t.size; e++) {
              const orig = t.data[e];
              t.data[e] = orig + h;
              const up = S(ins.map((x) => x.detach()), dyLeaf.detach()).item();
              t.data[e] = orig - h;
              const down = S(ins.map((x) => x.detach()), dyLeaf.detach()).item();
              t.data[e] = orig;
              const numeric = (up - down) / (2 * h);
              assert.ok(Math.abs(analytic[k].data[e] - numeric) <= 1e-5 + 1e-4 * Math.abs(numeric), `${name}, vjp ${i}, wrt ${k === wrt.length - 1 ? 'dy' : `input ${k}`}[${e}]: ${analytic[k].data[e]} vs numeric ${numeric}`);
            }
          });
        });
      });
    });
  }
});

describe('erf', () => {
  it('matches known values, is odd, and saturates', () => {
    // erf(0.5), erf(1), erf(2) to 16 digits (Abramowitz & Stegun, table 7.1, and mpmath).
    assertClose(values(F.erf(tensor([0.5, 1, 2, -0.5, 0, 6]))), [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.5204998778130465, 0, 1], 1e-15, 'erf');
  });

  it('writes the exact GELU: x·½(1 + erf(x/√2)) equals F.gelu, and so do their gradients', () => {
    const x = randn([9], { seed: 4, scale: 2 });
    const gelu = (t: Tensor) => F.mul(t, F.mul(F.add(F.erf(F.div(t, Math.SQRT2)), 1), 0.5));
    assertClose(values(gelu(x)), values(F.gelu(x)), 1e-14, 'forward');
    assertClose(gradOf((t) => F.sum(gelu(t)), x), gradOf((t) => F.sum(F.gelu(t)), x), 1e-13, 'gradient');
  });
});

describe('maximum and minimum', () => {
  it('split the gradient half and half on a tie, as PyTorch does', () => {
    const a = tensor([1, 2, 3]).requireGrad();
    const b = tensor([1, 5, 0]).requireGrad();
    for (const op of [F.maximum, F.minimum]) {
      const [ga, gb] = grad(F.sum(op(a, b)), [a, b]);
      assert.deepEqual(values(ga)[0], 0.5);
      assert.deepEqual(values(gb)[0], 0.5);
    }
    assert.deepEqual(values(grad(F.sum(F.maximum(a, b)), [a])[0]), [0.5, 0, 1]);
    assert.deepEqual(values(grad(F.sum(F.minimum(a, b)), [a])[0]), [0.5, 1, 0]);
  });

  it('broadcast, sum the gradient back to the broadcast input, and propagate NaN', () => {
    const x = tensor([[-1, 2], [3, -4]]).requireGrad();
    const zero = tensor([0]).requireGrad();
    const y = F.maximum(x, zero); // a ReLU
    assert.deepEqual(values(y), [0, 2, 3, 0]);
    const [gx, g0] = grad(F.sum(y), [x, zero]);
    assert.deepEqual(values(gx), [0, 1, 1, 0]);
    assert.deepEqual(values(g0), [2]);
    assert.ok(Number.isNaN(F.maximum(tensor([NaN]), 1).item()));
    assert.ok(Number.isNaN(F.minimum(1, tensor([NaN])).item()));
  });
});

describe('where', () => {
  it('routes the gradient to the side chosen, broadcasts, and does not differentiate the condition', () => {
    const cond = tensor([1, 0, 2]);
    const a = tensor([10, 20, 30]).requireGrad();
    const b = tensor([7]).requireGrad();
    const y = F.where(cond, a, b);
    assert.deepEqual(values(y), [10, 7, 30]);
    const [ga, gb] = grad(F.sum(y), [a, b]);
    assert.deepEqual(values(ga), [1, 0, 1]);
    assert.deepEqual(values(gb), [1]);
    assert.equal(registry.get('where')!.vjp[0], null);
  });

  it('gives NaN where the condition is NaN, and names mismatched shapes', () => {
    assert.ok(Number.isNaN(F.where(tensor([NaN]), 1, 2).item()));
    assert.throws(() => F.where(tensor([1, 0]), tensor([1, 2, 3]), 0), /where: shapes \[2\] and \[3\] cannot be broadcast together/);
  });
});

describe('clamp', () => {
  it('passes the gradient on the closed interval, bounds included (PyTorch), and 0 outside', () => {
    const x = tensor([-2, -1, 0, 1, 2]);
    assert.deepEqual(values(F.clamp(x, -1, 1)), [-1, -1, 0, 1, 1]);
    assert.deepEqual(gradOf((t) => F.sum(F.clamp(t, -1, 1)), x), [0, 1, 1, 1, 0]);
    assert.deepEqual(values(F.clamp(x, 0)), [0, 0, 0, 1, 2]);
    assert.deepEqual(values(F.clamp(x, undefined, 0)), [-2, -1, 0, 0, 0]);
  });

  it('rejects no bounds, crossed bounds and a non-number bound', () => {
    throwsExactly(() => F.clamp(tensor([1])), 'clamp: needs at least one bound: clamp(x, min, max), with undefined for the one you leave open');
    throwsExactly(() => F.clamp(tensor([1]), 2, 1), 'clamp: min 2 is greater than max 1');
    throwsExactly(() => F.clamp(tensor([1]), tensor([0]) as unknown as number), 'clamp: min must be a number or undefined, got object');
  });
});

describe('var and std', () => {
  const x = tensor([[1, 2, 3, 4], [2, 2, 2, 2]]);

  it('divide by N − 1 by default (PyTorch), by N with correction 0 or unbiased false', () => {
    assertClose(values(F.var(x, 1)), [5 / 3, 0], 1e-15, 'unbiased');
    assertClose(values(F.var(x, 1, { correction: 0 })), [1.25, 0], 1e-15, 'population');
    assertClose(values(F.var(x, 1, { unbiased: false })), [1.25, 0], 1e-15, 'unbiased: false');
    assertClose(values(F.std(x, -1, { keepDims: true })), [Math.sqrt(5 / 3), 0], 1e-15, 'std');
    assert.deepEqual([...F.std(x, -1, { keepDims: true }).shape], [2, 1]);
    // All 8 values: mean 2.25, squared deviations sum to 5.5.
    assertClose(values(F.var(x)), [5.5 / 7], 1e-15, 'all axes');
  });

  it('std at zero variance: the value is 0 and the gradient is taken as 0, not NaN', () => {
    // 0.1 three times: the mean rounds to 0.10000000000000002, yet a constant slice has exactly zero spread.
    const c = tensor([[0.1, 0.1, 0.1], [1, 2, 4]]);
    assert.deepEqual(values(F.var(c, 1)).slice(0, 1), [0]);
    assert.deepEqual(values(F.std(c, 1)).slice(0, 1), [0]);
    const g = gradOf((t) => F.sum(F.std(t, 1)), c);
    assert.deepEqual(g.slice(0, 3), [0, 0, 0]);
    assert.ok(g.slice(3).every((v) => Number.isFinite(v) && v !== 0), `the other row has a gradient: ${g}`);
  });

  it('refuses a divisor of zero, contradictory options and unknown options', () => {
    throwsExactly(() => F.var(tensor([3])), 'var: 1 element per var over axis undefined of shape [1] leave nothing to divide by with correction 1; pass { correction: 0 } for the population var');
    throwsExactly(() => F.std(x, 1, { correction: 0, unbiased: true }), 'std: correction 0 contradicts unbiased: true; give one of them');
    throwsExactly(() => F.var(x, 1, { keepdim: true } as never), "var: unknown option 'keepdim' (did you mean 'keepDims'?); var takes keepDims, correction, unbiased");
    assert.throws(() => F.var(x, 2), /var: axis 2 is out of range for a tensor of shape \[2,4\]/);
  });
});

describe('logsumexp', () => {
  it('is stable at large logits and exact at −∞ and +∞', () => {
    assertClose(values(F.logsumexp(tensor([1000, 1000]))), [1000 + Math.LN2], 1e-15, 'large');
    assertClose(values(F.logsumexp(tensor([-1000, -1000]))), [-1000 + Math.LN2], 1e-15, 'very negative');
    assert.equal(F.logsumexp(tensor([-Infinity, -Infinity])).item(), -Infinity);
    assert.equal(F.logsumexp(tensor([1, Infinity])).item(), Infinity);
    assert.ok(Number.isNaN(F.logsumexp(tensor([1, NaN])).item()));
  });

  it('has the softmax as its gradient', () => {
    const z = randn([2, 5], { seed: 8 });
    const g = gradOf((t) => F.sum(F.logsumexp(t, 1)), z);
    assertClose(g, values(F.softmax(z, 1)), 1e-15, 'softmax');
  });
});

describe('flip', () => {
  it('reverses the given axes (all by default) and is its own gradient', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(values(F.flip(m, 1)), [3, 2, 1, 6, 5, 4]);
    assert.deepEqual(values(F.flip(m, [0])), [4, 5, 6, 1, 2, 3]);
    assert.deepEqual(values(F.flip(m)), [6, 5, 4, 3, 2, 1]);
    const w = tensor([[1, 0, 0], [0, 0, 2]]);
    assert.deepEqual(gradOf((t) => F.sum(F.mul(F.flip(t, -1), w)), m), [0, 0, 1, 2, 0, 0]);
  });

  it('names a bad axis', () => {
    throwsExactly(() => F.flip(tensor([1, 2]), 1), 'flip: axis 1 is out of range for a tensor with 1 dimension');
    throwsExactly(() => F.flip(tensor([[1, 2]]), [1, -1]), 'flip: axes [1,-1] name an axis twice (shape [1,2])');
  });
});

describe('gather / takeAlongAxis', () => {
  const logp = tensor([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]]);

  it("picks along an axis (each row's label), and takeAlongAxis is the same op", () => {
    assert.deepEqual(values(F.gather(logp, [[2], [0]], 1)), [0.7, 0.5]);
    assert.deepEqual(values(F.takeAlongAxis(logp, tensor([[2], [0]]), 1)), [0.7, 0.5]);
    assert.deepEqual(values(F.gather(logp, [[1, 0, 1]], 0)), [0.5, 0.2, 0.2]);
  });

  it('adds the gradients of repeated indices (a scatter-add, recorded as the scatterAdd op)', () => {
    const ix = tensor([[2, 2, 0], [1, 1, 1]]);
    assert.deepEqual(gradOf((t) => F.sum(F.gather(t, ix, 1)), logp), [1, 0, 2, 0, 3, 0]);
    assert.deepEqual(values(F.scatterAdd(tensor([[1, 2, 3], [4, 5, 6]]), ix, 1, [2, 3])), [3, 0, 3, 0, 15, 0]);
  });

  it('names a bad index, a non-integer, a rank mismatch and mismatched lengths', () => {
    throwsExactly(() => F.gather(logp, [[3], [0]], 1), 'gather: index 3 at position 0 of indices [2,1] is out of range for axis 1 of length 3 (indices run from 0 to 2), tensor [2,3]');
    throwsExactly(() => F.gather(logp, [[-1], [0]], 1), 'gather: index -1 at position 0 of indices [2,1] is out of range for axis 1 of length 3 (indices run from 0 to 2), tensor [2,3]');
    throwsExactly(() => F.gather(logp, [[0.5], [0]], 1), 'gather: index 0.5 at position 0 of indices [2,1] is not a whole number, tensor [2,3]');
    throwsExactly(() => F.gather(logp, [2, 0], 1), 'gather: indices [2] must have as many axes as the tensor [2,3] (2); reshape them, e.g. to [N,1] to pick one element per row');
    throwsExactly(() => F.gather(logp, [[0], [0], [0]], 1), 'gather: indices [3,1] and tensor [2,3] differ at axis 0 (3 vs 2); off axis 1 their lengths must match or one be 1');
    throwsExactly(() => F.gather(logp, [[0]], undefined as unknown as number), 'gather: axis must be a whole number (the axis the indices run along), got undefined (a missing argument?)');
  });
});

describe('F.transpose', () => {
  it('says in its hover summary that it swaps only the last two axes and needs 2-D', () => {
    const def = registry.get('transpose')!;
    assert.match(def.summary, /last two axes only/);
    assert.match(def.summary, /at least 2 dimensions/);
    assert.match(def.summary, /permute/);
  });
});
