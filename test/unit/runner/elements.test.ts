// Per-element values of small parameters in a full check (TensorCheck.elements, for the results'
// heatmaps), through a REAL worker: the analytic values are autograd's gradient (from the grad
// task), the numeric ones agree with them where the check passes, and the worst element sits at
// its index in both arrays.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { runFile } from '../../../src/runner/index';
import type { ModelCheckResult, ModelGradResult } from '../../../src/shared/workerProtocol';
import type { TensorCheck } from '../../../src/gradcheck/types';

const root = path.resolve(__dirname, '../../..');
const buggy = path.join(root, 'examples/buggy-backward.ts');

/** Flat row-major index of a multi-index. */
function flat(index: number[], shape: number[]): number {
  return index.reduce((k, i, d) => k * shape[d] + i, 0);
}

function assertWorstInside(c: TensorCheck): void {
  assert.ok(c.elements, `${c.name}: elements present`);
  const size = c.shape.reduce((p, d) => p * d, 1);
  assert.equal(c.elements.analytic.length, size);
  assert.equal(c.elements.numeric.length, size);
  assert.ok(c.worst);
  const k = flat(c.worst.index, c.shape);
  assert.equal(c.elements.analytic[k], c.worst.analytic, `${c.name}: analytic at the worst index`);
  assert.equal(c.elements.numeric[k], c.worst.numeric, `${c.name}: numeric at the worst index`);
}

describe('check elements for the heatmaps', function () {
  this.timeout(30_000);

  it('holds every analytic and numeric value of a small parameter, the worst one at its index', async () => {
    const [check, grads] = await Promise.all([
      runFile({ fileName: buggy, task: 'check', options: { mode: 'full' }, workers: 1 }),
      runFile({ fileName: buggy, task: 'grad' }),
    ]);
    assert.ok(check.ok && grads.ok);
    const [m] = check.models as ModelCheckResult[];
    const [g] = grads.models as ModelGradResult[];
    for (const c of [...m.params, ...(m.manual ?? [])]) assertWorstInside(c);

    for (const c of m.params) {
      // Autograd's side is exactly the grad task's gradient; numeric agrees within the check's tolerance.
      assert.deepEqual(c.elements!.analytic, g.params.find((p) => p.name === c.name)!.data, c.name);
      c.elements!.numeric.forEach((n, k) => assert.ok(Math.abs(n - c.elements!.analytic[k]) < 1e-6, `${c.name}[${k}]`));
    }
    // The wrong hand-written W1 (δa1⊙a1 instead of δa1⊙a1⊙(1−a1)) differs from numeric where the worst element is.
    const w1 = m.manual!.find((c) => c.name === 'W1')!;
    assert.equal(w1.passed, false);
    const k = flat(w1.worst!.index, w1.shape);
    assert.ok(Math.abs(w1.elements!.analytic[k] - w1.elements!.numeric[k]) > 1e-4);
  });

  it('leaves them out for a parameter above 400 elements, and when not every element was compared', async () => {
    const text = [
      "import { defineModel, F, randn } from 'gradlens';",
      'export const wide = defineModel({',
      '  inputs: {},',
      '  params: { big: randn([21, 20], { seed: 1 }), small: randn([3], { seed: 2 }) },',
      '  forward: (_i, { big, small }) => F.add(F.sum(F.mul(big, big)), F.sum(F.mul(small, small))),',
      '});',
    ].join('\n');
    const fileName = path.join(os.tmpdir(), 'gradlens-elements', 'wide.ts');
    const full = await runFile({ fileName, text, task: 'check', options: { mode: 'full' }, workers: 1 });
    assert.ok(full.ok);
    const [m] = full.models as ModelCheckResult[];
    const big = m.params.find((c) => c.name === 'big')!;
    const small = m.params.find((c) => c.name === 'small')!;
    assert.equal(big.checked, 420);
    assert.equal(big.elements, undefined, '420 elements: no heatmap data');
    assertWorstInside(small);

    const fast = await runFile({ fileName, text, task: 'check', options: { mode: 'fast' }, workers: 1 });
    assert.ok(fast.ok);
    const [f] = fast.models as ModelCheckResult[];
    assert.equal(f.params.find((c) => c.name === 'small')!.elements, undefined, 'a passing fast check compares no element');
  });
});
