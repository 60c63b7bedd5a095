// The bundled examples (examples/*.ts) are the lecture's models. Every one must pass a full
// central-difference check with the default tolerances, except buggy-backward.ts, whose hand-written
// backward must be caught at W1 (and only there). The CNN's parameter counts, computed by hand in
// its comment, are checked against nn's numParameters().
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isModel, type Model } from '../../src/engine/define';
import { nn } from '../../src/index';
import { Tensor } from '../../src/engine/tensor';
import { checkModel } from '../../src/gradcheck';
import { defaultCheckOptions, type ModelReport, type TensorCheck } from '../../src/gradcheck/types';

const examplesDir = path.resolve(__dirname, '../../examples');

/** A full central-difference check with the default tolerances (PyTorch's eps, atol, rtol). */
function fullCheck(model: Model): ModelReport {
  return checkModel(model, { ...defaultCheckOptions, mode: 'full' });
}

/** The models a file exports, by export name (importing it also registers them). */
function modelsIn(file: string): [string, Model][] {
  const mod = require(path.join(examplesDir, file)) as Record<string, unknown>;
  return Object.entries(mod).filter((e): e is [string, Model] => isModel(e[1]));
}

function describeFailures(report: ModelReport): string {
  const bad = (checks: TensorCheck[] | undefined, kind: string) =>
    (checks ?? []).filter((c) => !c.passed).map((c) => `${kind} ${c.name}: worst ${JSON.stringify(c.worst)} ${c.error ?? ''}`);
  return [
    report.error ?? '',
    ...bad(report.params, 'autograd'),
    ...bad(report.manual, 'manual'),
    ...report.ops.filter((o) => !o.passed).map((o) => `op ${o.name}: worst ${JSON.stringify(o.worst)} ${o.error ?? ''}`),
  ].join('\n');
}

/** The element of a tensor at a multi-index, by row-major strides. */
function at(t: Tensor, index: number[]): number {
  let flat = 0;
  for (let d = 0; d < index.length; d++) flat = flat * t.shape[d] + index[d];
  return t.data[flat];
}

const lectureExamples = [
  'logreg.ts', 'softmax-regression.ts', 'mlp.ts', 'buggy-backward.ts', 'custom-op.ts',
  'reinforce.ts', 'embeddings.ts', 'cnn.ts', 'mixer.ts', 'gmlp.ts',
];

describe('examples', function () {
  this.timeout(120000);

  it('ships every lecture example, each defining at least one exported model', () => {
    const files = readdirSync(examplesDir).filter((f) => f.endsWith('.ts'));
    for (const f of lectureExamples) assert.ok(files.includes(f), `examples/${f} is missing`);
    for (const f of files) assert.ok(modelsIn(f).length > 0, `examples/${f} exports no defineModel(...)`);
  });

  const correct = readdirSync(examplesDir).filter((f) => f.endsWith('.ts') && f !== 'buggy-backward.ts').sort();
  for (const file of correct) {
    it(`${file}: every model passes a full check (autograd, manual backward, custom ops)`, () => {
      for (const [name, model] of modelsIn(file)) {
        const report = fullCheck(model);
        assert.equal(report.mode, 'full', `${name}: mode`);
        assert.ok(Number.isFinite(report.loss), `${name}: loss ${report.loss}`);
        assert.ok(report.passed, `${name} failed:\n${describeFailures(report)}`);
        const paramNames = Object.keys(model.spec.params);
        assert.deepEqual(report.params.map((p) => p.name).sort(), [...paramNames].sort(), `${name}: one row per parameter`);
        for (const p of report.params) {
          assert.ok(p.passed, `${name}.${p.name}`);
          assert.equal(p.checked, p.shape.reduce((a, b) => a * b, 1), `${name}.${p.name}: full mode compares every element`);
        }
        if (model.spec.backward) {
          assert.ok(report.manual, `${name}: its hand-written backward must be checked`);
          assert.deepEqual(report.manual.map((p) => p.name).sort(), [...paramNames].sort());
          for (const p of report.manual) assert.ok(p.passed, `${name}: manual ${p.name}`);
        }
        for (const op of report.ops) assert.ok(op.passed, `${name}: custom op ${op.name}`);
      }
    });
  }

  it('logreg.ts: the loss is the lecture\'s mean of -log σ(y wᵀx), computed by plain loops', () => {
    const [[, model]] = modelsIn('logreg.ts');
    const { X, y } = model.spec.inputs;
    const { w } = model.spec.params;
    const [n, d] = X.shape;
    let total = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += X.data[i * d + j] * w.data[j];
      total += Math.log1p(Math.exp(-y.data[i] * z)); // -log σ(t) = log(1 + e^{-t})
    }
    const report = fullCheck(model);
    assert.ok(Math.abs(report.loss - total / n) < 1e-12, `loss ${report.loss} vs ${total / n}`);
  });

  it('custom-op.ts: the swish op is checked at its own call site and passes', () => {
    const [[, model]] = modelsIn('custom-op.ts');
    const report = fullCheck(model);
    const swish = report.ops.find((o) => o.name === 'swish');
    assert.ok(swish, `no report row for the swish op: ${JSON.stringify(report.ops.map((o) => o.name))}`);
    assert.ok(swish.passed && swish.maxAbsError < defaultCheckOptions.atol);
  });

  it('buggy-backward.ts: the manual gradient fails at W1, with the worst element, and nowhere else', () => {
    const [[name, model]] = modelsIn('buggy-backward.ts');
    const report = fullCheck(model);
    assert.equal(report.passed, false, `${name} should fail`);
    for (const p of report.params) assert.ok(p.passed, `autograd ${p.name} is right; only the manual backward is wrong`);

    const manual = new Map((report.manual ?? []).map((c) => [c.name, c]));
    assert.equal(manual.get('W2')?.passed, true, 'δW2 does not involve the sigmoid, so it is right');
    const w1 = manual.get('W1');
    assert.ok(w1 && !w1.passed, 'manual W1 must fail');
    assert.deepEqual(w1.shape, [4, 5]);
    assert.ok(w1.worst, 'the worst element is reported');
    const { index, analytic, numeric } = w1.worst;
    assert.equal(index.length, 2);
    assert.ok(index[0] >= 0 && index[0] < 4 && index[1] >= 0 && index[1] < 5, `index ${index}`);
    assert.ok(Math.abs(analytic - numeric) > defaultCheckOptions.atol + defaultCheckOptions.rtol * Math.abs(numeric));

    // Independent truth: the correct MLP (same data, same seeds) with its σ(1 − σ) factor gives
    // the numeric value at that element, and the buggy backward gives the reported analytic one.
    const [[, good]] = modelsIn('mlp.ts');
    const right = good.spec.backward!(good.spec.inputs, good.spec.params).W1;
    const wrong = model.spec.backward!(model.spec.inputs, model.spec.params).W1;
    assert.ok(Math.abs(at(right, index) - numeric) < 1e-6, `correct δW1 ${at(right, index)} vs numeric ${numeric}`);
    assert.ok(Math.abs(at(wrong, index) - analytic) < 1e-12, `buggy δW1 ${at(wrong, index)} vs reported ${analytic}`);
  });

  it('cnn.ts: the parameter counts in its comment match numParameters()', () => {
    const cnn = require(path.join(examplesDir, 'cnn.ts')) as { network: nn.Module; cnn: Model };
    const comment = readFileSync(path.join(examplesDir, 'cnn.ts'), 'utf8');
    const mentioned = (n: number) => assert.ok(comment.includes(n.toLocaleString('en-US')), `cnn.ts should state ${n.toLocaleString('en-US')}`);

    // Hand counts: conv 4·1·3·3 + 4, head 64·3 + 3.
    const net = cnn.network as nn.Module & { conv: nn.Module; head: nn.Module };
    assert.equal(net.conv.numParameters(), 40);
    assert.equal(net.head.numParameters(), 195);
    assert.equal(net.numParameters(), 235);
    const modelTotal = Object.values(cnn.cnn.spec.params).reduce((s, t) => s + t.size, 0);
    assert.equal(modelTotal, 235, 'the model checks every parameter of the network');

    // The fully connected alternatives on the same 64 pixels: 64·256 + 256, and + 256·3 + 3.
    assert.equal(new nn.Linear(64, 256).numParameters(), 16640);
    assert.equal(new nn.MLP([64, 256, 3], 'tanh').numParameters(), 17411);
    // A 3×3 conv from 3 to 64 channels: 64·3·3·3 + 64, whatever the image size.
    assert.equal(new nn.Conv2d(3, 64, 3).numParameters(), 1792);

    for (const n of [40, 195, 235, 16640, 17411, 1792]) mentioned(n);
  });
});
