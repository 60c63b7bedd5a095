// A check's progress, end to end with real workers: the sweep counts the elements it compares
// (gradcheck/progress.ts), the worker sends the count with its request's id, the supervisor hands
// it to the caller, and a check split over the pool reports the sum of its workers' shares.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runFile } from '../../../src/runner/index';

const root = path.resolve(__dirname, '../../..');
const file = path.join(root, 'test/fixtures/runner/progress-model.ts');

/** A full check long enough (a second or so) for the sweep to report several times on its way. */
const source = (hidden: number) =>
  [
    "import { defineModel, F, randn, randint } from 'gradlens';",
    'export const mlp = defineModel({',
    `  inputs: { x: randn([16, 128], { seed: 1 }), y: randint([16], 10, { seed: 2 }) },`,
    `  params: { W1: randn([128, ${hidden}], { seed: 3, scale: 0.1 }), W2: randn([${hidden}, 10], { seed: 4, scale: 0.1 }) },`,
    '  forward: ({ x, y }, { W1, W2 }) => F.crossEntropy(F.matmul(F.tanh(F.matmul(x, W1)), W2), y),',
    '});',
  ].join('\n');

describe('progress of a check (real workers)', function () {
  this.timeout(60_000);

  for (const workers of [1, 2]) {
    it(`counts up to every element of a full check${workers > 1 ? ', summed over a split check\'s workers' : ''}`, async () => {
      const hidden = 96;
      const elements = 128 * hidden + hidden * 10;
      const seen: [number, number][] = [];
      const r = await runFile({ fileName: file, text: source(hidden), task: 'check', options: { mode: 'full' }, workers, splitAbove: 1000, onProgress: (d, t) => seen.push([d, t]) });
      assert.ok(r.ok && r.models[0].passed, JSON.stringify(r.ok ? r.models[0].params : r.error));
      if (workers > 1) assert.equal(r.models[0].slices, 2, 'the check was split');
      assert.ok(seen.length >= 3, `${seen.length} reports`);
      assert.deepEqual(seen[seen.length - 1], [elements, elements]);
      // Counting up: never past the total, never back.
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0] && seen[i][0] <= seen[i][1], JSON.stringify(seen.slice(i - 1, i + 1)));
      assert.ok(seen.some(([d]) => d > 0 && d < elements), 'reports on the way, not only at the ends');
      // One total from the first report on: a split check waits until every worker has said its share.
      assert.deepEqual([...new Set(seen.map(([, t]) => t))], [elements], JSON.stringify(seen.slice(0, 5)));
    });
  }
});
