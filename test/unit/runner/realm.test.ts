// A model file runs in a realm of its own (src/runner/userRealm.ts): what it does to its globals,
// or to ours through the engine's objects, cannot change the checker's verdict; and what it makes
// in its realm (typed arrays, arrays, errors) still works with the engine.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RunResult, runFile } from '../../../src/runner/index';
import type { ModelCheckResult } from '../../../src/shared/workerProtocol';

const fixture = (name: string): string => path.resolve(__dirname, '../../fixtures/runner', name);

function models(r: RunResult<'check'>): ModelCheckResult[] {
  if (!r.ok) assert.fail(`expected the file to run, got ${r.error.kind}: ${r.error.message}`);
  return r.models;
}

describe('the model file\'s realm', function () {
  this.timeout(30_000);

  it('a wrong backward still fails when the file patches Array.prototype.every/some or Math.abs', async () => {
    // wrong-backward.ts forgets the factor 3 of dL/dw = 3w²; each variant patches its globals after the import.
    const wrong = fs.readFileSync(fixture('wrong-backward.ts'), 'utf8');
    const patches = [
      ['Array.prototype.every = function () { return true; };', 'Array.prototype.some = function () { return false; };', 'Math.abs = () => 0;'],
      ['Math.abs = () => 0;'],
      ['Number.isFinite = () => true;', 'Math.max = () => 0;'],
    ];
    for (const patch of patches) {
      const text = wrong.replace(/^(import .*\n)/m, `$1${patch.join('\n')}\n`);
      for (const mode of ['full', 'fast'] as const) {
        const what = `${patch.join(' ')} (${mode})`;
        const [cubic] = models(await runFile({ fileName: fixture('wrong-backward.ts'), text, task: 'check', options: { mode } }));
        assert.equal(cubic.error, undefined, `${what}: the check ran: ${cubic.error?.message}`);
        assert.equal(cubic.passed, false, `${what}: the verdict is the checker's`);
        const manual = cubic.manual?.find((c) => c.name === 'w');
        assert.ok(manual && !manual.passed, `${what}: the hand-written gradient of w fails`);
        assert.ok(manual.maxAbsError > 1, `${what}: with its real error (${manual.maxAbsError})`);
      }
    }
  });

  it('a file that reaches the checker\'s realm through the engine\'s objects cannot patch what the verdict rests on', async () => {
    const r = await runFile({ fileName: fixture('patches-runner-realm.ts'), task: 'check' });
    const [cubic] = models(r);
    assert.equal(cubic.error, undefined, cubic.error?.message);
    assert.equal(cubic.passed, false);
    assert.ok(cubic.manual?.find((c) => c.name === 'w' && !c.passed && c.maxAbsError > 1));
    // Sloppy-mode assignments to frozen objects fail silently; the file's own iterator is its own.
    assert.match(r.output ?? '', /^every: (no error|TypeError)\nsome: (no error|TypeError)\nabs: (no error|TypeError)\nisFinite: (no error|TypeError)\niterator: no error\n$/);
  });

  it('takes the file\'s typed arrays and arrays as tensor data, and places the errors its own realm throws', async () => {
    const r = await runFile({ fileName: fixture('own-realm-values.ts'), task: 'check' });
    const [scaled, throwing] = models(r);
    assert.match(r.output ?? '', /^shapes \[3\] \[3\]\n/);
    assert.equal(scaled.error, undefined);
    assert.equal(scaled.passed, true);
    assert.equal(throwing.passed, false);
    // A TypeError of the file's realm is an Error to the runner: its message and its line.
    assert.equal(throwing.error?.kind, 'exception');
    assert.match(throwing.error?.message ?? '', /^TypeError: .*notAMethod is not a function/);
    assert.equal(throwing.error?.file, fixture('own-realm-values.ts'));
    assert.equal(throwing.error?.line, 18);
  });
});
