// What a model file prints reaches the caller whole — every line, not the first chunk — from a
// fresh worker and from a warm one, up to the 64 KiB cap. REAL workers (dist/worker.js).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunResult, WarmRunner, runFile } from '../../../src/runner/index';

const root = path.resolve(__dirname, '../../..');
const fixture = (name: string): string => path.join(root, 'test/fixtures/runner', name);
const CAP = 64 * 1024;

function output(r: RunResult): string {
  if (!r.ok) assert.fail(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r.output ?? '';
}

/** console-lines.ts prints ten stdout lines and one stderr line; the two streams may interleave. */
function assertAllLines(out: string): void {
  const stdoutLines = Array.from({ length: 10 }, (_, i) => `line ${i}`);
  const lines = out.replace(/\n$/, '').split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith('line ')), stdoutLines);
  assert.deepEqual(lines.filter((l) => !l.startsWith('line ')), ['warning on stderr']);
}

/** console-flood.ts's lines, built here independently: `flood 00000` … `flood 19999`. */
const flood = Array.from({ length: 20000 }, (_, i) => `flood ${String(i).padStart(5, '0')}\n`).join('');

describe('model file output (real worker)', function () {
  this.timeout(30_000);
  const warm = new WarmRunner();

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/worker.js'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
  });
  after(() => warm.dispose());

  for (const task of ['check', 'grad', 'graph'] as const) {
    it(`keeps every line a fresh ${task} run prints`, async () => {
      assertAllLines(output(await runFile({ fileName: fixture('console-lines.ts'), task, workers: 1 })));
    });
  }

  it('keeps every line a warm graph run prints', async () => {
    for (let run = 0; run < 2; run++) assertAllLines(output(await runFile({ fileName: fixture('console-lines.ts'), task: 'graph', warm })));
  });

  it('cuts a flood of output at the 64 KiB cap, keeping its beginning in order, fresh and warm', async () => {
    assert.ok(flood.length > 3 * CAP);
    const fresh = output(await runFile({ fileName: fixture('console-flood.ts'), task: 'grad' }));
    assert.equal(fresh, flood.slice(0, CAP));
    const hot = output(await runFile({ fileName: fixture('console-flood.ts'), task: 'graph', warm }));
    assert.equal(hot, flood.slice(0, CAP));
  });

  it('keeps what was printed before a time limit stopped the file', async () => {
    const text = "console.log('before the loop');\nwhile (true) {}\n";
    const r = await runFile({ fileName: fixture('prints-then-spins.ts'), text, task: 'check', timeoutMs: 1500 });
    assert.equal(r.ok ? 'ok' : r.error.kind, 'timeout');
    assert.equal(r.output, 'before the loop\n');
  });
});
