// One generic test over the whole registry: every op's forward against its plain-loop reference,
// its VJP against central differences (independent of the engine's backward), NaN propagation.
import { strict as assert } from 'node:assert';
import '../../../src/engine/F';
import { grad } from '../../../src/engine/autograd';
import { Rng } from '../../../src/engine/random';
import { OpDef, apply, registry, vjpFor } from '../../../src/engine/registry';
import { Tensor } from '../../../src/engine/tensor';
import { drawInput, isDifferentiable } from '../../helpers/opInputs';

function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

/** vᵀ y for a fixed random v: a scalar whose gradient exercises every output element. */
function project(y: Tensor, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.size; i++) s += y.data[i] * v[i];
  return s;
}

describe('op registry', () => {
  it('has the ops the public API promises', () => {
    const expected = [
      ...['add', 'sub', 'mul', 'div', 'neg', 'pow', 'exp', 'log', 'sqrt', 'abs'],
      ...['sum', 'mean', 'max'],
      ...['matmul', 'transpose', 'permute', 'reshape', 'broadcastTo', 'concat', 'slice', 'outer', 'dot', 'trace', 'inv', 'logdet'],
      ...['sigmoid', 'tanh', 'relu', 'leakyRelu', 'gelu', 'softplus', 'logSigmoid', 'softmax', 'logSoftmax'],
      ...['crossEntropy', 'logloss', 'binaryCrossEntropy', 'mse'],
      ...['conv2d', 'maxPool2d', 'avgPool2d', 'embedding', 'layerNorm'],
    ];
    for (const name of expected) assert.ok(registry.has(name), `missing op ${name}`);
  });

  for (const def of [...registry.values()] as OpDef<any>[]) {
    describe(`op ${def.name}`, () => {
      def.test.cases.forEach((c, ci) => {
        const title = c.label ?? `case ${ci + 1}`;
        const attrs = c.attrs ?? {};
        const draw = () => {
          const rng = new Rng(1000 + ci);
          return c.inputs.map((s) => drawInput(s, rng));
        };

        it(`forward matches the plain-loop reference (${title})`, () => {
          const xs = draw();
          const y = apply(def, xs, attrs);
          const ref = def.test.reference(xs.map((x) => ({ data: x.data, shape: x.shape })), attrs);
          assert.deepEqual([...y.shape], [...ref.shape], 'output shape');
          for (let i = 0; i < y.size; i++) {
            assert.ok(close(y.data[i], ref.data[i], def.test.tol ?? 1e-12), `element ${i}: ${y.data[i]} vs reference ${ref.data[i]}`);
          }
        });

        it(`VJP matches central differences (${title})`, () => {
          const xs = draw().map((x, i) => (isDifferentiable(c.inputs[i]) && vjpFor(def, i) ? x.requireGrad() : x));
          const y = apply(def, xs, attrs);
          const rng = new Rng(7);
          const v = Float64Array.from({ length: y.size }, () => rng.uniform(-1, 1));
          const analytic = grad(y, xs, new Tensor(v, y.shape.slice()));
          const h = 1e-6;
          xs.forEach((x, i) => {
            if (!x.requiresGrad) return;
            for (let k = 0; k < x.size; k++) {
              const orig = x.data[k];
              x.data[k] = orig + h;
              const fp = project(apply(def, xs.map((t) => t.detach()), attrs), v);
              x.data[k] = orig - h;
              const fm = project(apply(def, xs.map((t) => t.detach()), attrs), v);
              x.data[k] = orig;
              const numeric = (fp - fm) / (2 * h);
              assert.ok(
                Math.abs(analytic[i].data[k] - numeric) <= 1e-5 + 1e-4 * Math.abs(numeric),
                `d/d${def.inputs[i]}[${k}]: analytic ${analytic[i].data[k]} vs numeric ${numeric}`,
              );
            }
          });
        });

        if (def.movedForward) {
          it(`movedForward gives forward at the moved input, to a few ulps (${title})`, () => {
            const [x] = draw();
            const y0 = apply(def, [x], attrs).data;
            const rng = new Rng(31 + ci);
            // The probes' steps, the Taylor test's, the series' edge (1e-2) from both sides, and large moves.
            for (const scale of [0, 1e-12, 1e-9, 1e-6, 3e-5, 9.9e-5, 1.01e-4, 1e-3, 3e-3, 9.9e-3, 1.01e-2, 0.02, 0.5, 30]) {
              const dx = Float64Array.from({ length: x.size }, () => scale * rng.uniform(-1, 1));
              const out = new Float64Array(x.size);
              def.movedForward!(x.data, y0, dx, out);
              const moved = new Tensor(Float64Array.from(x.data, (v, i) => v + dx[i]), x.shape.slice());
              const truth = apply(def, [moved], attrs).data;
              for (let i = 0; i < x.size; i++) {
                // forward sees x0 + dx rounded: half an ulp of the sum, times a slope of at most 1.
                const allowed = 4 * Number.EPSILON * Math.abs(truth[i]) + Number.EPSILON * Math.abs(moved.data[i]) + Number.MIN_VALUE;
                assert.ok(Math.abs(out[i] - truth[i]) <= allowed, `x0 ${x.data[i]}, dx ${dx[i]}: moved ${out[i]} vs forward ${truth[i]}`);
              }
            }
          });
        }

        it(`propagates NaN (${title})`, function () {
          const xs = draw();
          const target = xs.findIndex((x, i) => isDifferentiable(c.inputs[i]) && x.size > 0);
          if (target < 0) return this.skip(); // no float input to poison
          xs[target].data[0] = NaN;
          const y = apply(def, xs, attrs);
          assert.ok(y.data.some(Number.isNaN), `a NaN in ${def.inputs[target]} vanished from the output`);
        });
      });
    });
  }
});
