// Messages for common slips, in the user's words and at the user's place, never the bundler's:
// a name gradlens does not export, an op that does not exist, a thrown non-Error, a forward that
// returns no tensor. REAL workers (dist/worker.js).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as gradlens from '../../../src/index';
import { type RunResult, WarmRunner, runFile } from '../../../src/runner/index';
import { editDistance, nearestName } from '../../../src/runner/nearestName';
import type { ModelCheckResult, RunError } from '../../../src/shared/workerProtocol';

const root = path.resolve(__dirname, '../../..');
const fixture = (name: string): string => path.join(root, 'test/fixtures/runner', name);

/** 1-based line and column of the first occurrence of `needle` in a fixture. */
/** The first line holding `needle`, from line `after` (1-based) on. */
function positionOf(name: string, needle: string, after = 0): { line: number; column: number } {
  const lines = fs.readFileSync(fixture(name), 'utf8').split('\n');
  const i = lines.findIndex((l, k) => k >= after && l.includes(needle));
  if (i < 0) throw new Error(`'${needle}' not in ${name}`);
  return { line: i + 1, column: lines[i].indexOf(needle) + 1 };
}

function failed(r: RunResult): RunError {
  if (r.ok) assert.fail('expected the run to fail');
  return r.error;
}

function modelErrors(r: RunResult): (RunError | undefined)[] {
  if (!r.ok) assert.fail(`expected the file to run, got ${r.error.kind}: ${r.error.message}`);
  return (r.models as ModelCheckResult[]).map((m) => m.error);
}

function assertAt(err: RunError | undefined, file: string, pos: { line: number; column: number }): void {
  assert.ok(err, 'expected an error');
  assert.deepEqual([err.file, err.line, err.column], [fixture(file), pos.line, pos.column], err.message);
  assert.doesNotMatch(err.message, /import_gradlens|gradlens_\d|\(0 ?, /, 'no bundler names');
}

describe('messages for common slips (real worker)', function () {
  this.timeout(30_000);
  const warm = new WarmRunner();

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/worker.js'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
  });
  after(() => warm.dispose());

  describe('a name gradlens does not export is an import error at the import', () => {
    // The engine module's own names, the five main ones first.
    const exported = Object.keys(gradlens);
    const listed = (message: string): string[] => /; it exports (.*)\.$/.exec(message)?.[1].split(', ') ?? [];

    it('a made-up name lists what gradlens exports', async () => {
      const err = failed(await runFile({ fileName: fixture('not-exported.ts'), task: 'check' }));
      assert.equal(err.kind, 'import');
      assert.match(err.message, /^'notAThing' is not exported by gradlens; it exports defineModel, defineOp, F, nn, tensor, /);
      assert.deepEqual([...listed(err.message)].sort(), [...exported].sort());
      assertAt(err, 'not-exported.ts', positionOf('not-exported.ts', 'notAThing }'));
    });

    it('a misspelt name suggests the nearest export', async () => {
      const err = failed(await runFile({ fileName: fixture('misspelt-import.ts'), task: 'grad' }));
      assert.equal(err.kind, 'import');
      assert.match(err.message, /^'tensr' is not exported by gradlens \(did you mean tensor\?\); it exports defineModel, /);
      assertAt(err, 'misspelt-import.ts', positionOf('misspelt-import.ts', 'tensr }'));
    });

    it('a missing property of `import * as gl` is caught at the property', async () => {
      const err = failed(await runFile({ fileName: fixture('namespace-missing.ts'), task: 'graph', warm }));
      assert.equal(err.kind, 'import');
      assert.match(err.message, /^'definModel' is not exported by gradlens \(did you mean defineModel\?\)/);
      assertAt(err, 'namespace-missing.ts', positionOf('namespace-missing.ts', 'definModel('));
    });

    it('types and real names still bundle and run', async () => {
      const text = [
        "import { defineModel, F, tensor, type ModelSpec, Tensor } from 'gradlens';",
        'const spec: ModelSpec = { inputs: {}, params: { w: tensor([3]) }, forward: (_i, { w }): Tensor => F.sum(F.mul(w, w)) };',
        'export const m = defineModel(spec);',
      ].join('\n');
      const r = await runFile({ fileName: fixture('types-only.ts'), text, task: 'grad' });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.models.map((m) => [m.name, 'params' in m ? m.params[0].data : []]), [['m', [6]]]);
    });
  });

  describe('an op that does not exist is a sentence at the call', () => {
    it('F.softmaxx and nn.Linearr, with the nearest real name', async () => {
      const [op, layer] = modelErrors(await runFile({ fileName: fixture('unknown-op.ts'), task: 'check' }));
      assert.equal(op?.message, 'F.softmaxx is not an op of Gradlens (did you mean F.softmax?)');
      assertAt(op, 'unknown-op.ts', positionOf('unknown-op.ts', 'F.softmaxx('));
      assert.equal(layer?.message, 'nn.Linearr is not a module of Gradlens (did you mean nn.Linear?)');
      assertAt(layer, 'unknown-op.ts', positionOf('unknown-op.ts', 'new nn.Linearr('));
    });

    it('strips the bundler\'s names from any other message', async () => {
      const err = failed(await runFile({ fileName: fixture('call-non-function.ts'), task: 'check' }));
      assert.equal(err.message, 'TypeError: registry is not a function');
      assertAt(err, 'call-non-function.ts', positionOf('call-non-function.ts', 'registry as'));
    });
  });

  describe('a thrown non-Error gets the line of its throw', () => {
    it('at the top level, past a throw the file caught, printing once', async () => {
      const r = await runFile({ fileName: fixture('throw-string.ts'), task: 'check' });
      const err = failed(r);
      assert.equal(err.message, 'Threw "plain string".');
      assertAt(err, 'throw-string.ts', positionOf('throw-string.ts', "throw 'plain string'"));
      assert.equal(r.output, 'printed once\n', 'the search for the place prints nothing more');
    });

    it('inside a function the top level calls, fresh and warm', async () => {
      for (const opts of [{ task: 'check' as const }, { task: 'graph' as const, warm }]) {
        const err = failed(await runFile({ fileName: fixture('throw-number-nested.ts'), ...opts }));
        assert.equal(err.message, 'Threw 42.');
        assertAt(err, 'throw-number-nested.ts', positionOf('throw-number-nested.ts', 'throw 42'));
      }
    });
  });

  describe('a forward that returns no tensor says what it returned and what to do', () => {
    it('an async forward and a number', async () => {
      const [promise, number] = modelErrors(await runFile({ fileName: fixture('not-a-tensor.ts'), task: 'check' }));
      assert.equal(promise?.kind, 'no-output');
      assert.equal(promise?.message, "The forward of model 'asyncModel' returned a Promise: make forward synchronous (no async/await).");
      // Each at its model's forward, where the fix goes.
      const asyncAt = positionOf('not-a-tensor.ts', 'asyncModel = defineModel(').line;
      assert.equal(promise?.line, positionOf('not-a-tensor.ts', 'forward:', asyncAt).line);
      assert.equal(number?.message, "The forward of model 'numberModel' returned a number; return a tensor (wrap it with tensor(...)).");
      const numberAt = positionOf('not-a-tensor.ts', 'numberModel = defineModel(').line;
      assert.equal(number?.line, positionOf('not-a-tensor.ts', 'forward:', numberAt).line);
    });
  });

  describe('nearestName', () => {
    it('measures edit distance and suggests only near names', () => {
      // kitten → sitting: substitute k, substitute e, insert g.
      assert.equal(editDistance('kitten', 'sitting'), 3);
      assert.equal(editDistance('', 'abc'), 3);
      assert.equal(editDistance('softmax', 'softmax'), 0);
      assert.equal(nearestName('softmaxx', ['softplus', 'softmax', 'logSoftmax']), 'softmax');
      assert.equal(nearestName('LINEAR', ['Linear', 'LayerNorm']), 'Linear');
      assert.equal(nearestName('notAThing', ['tensor', 'defineModel']), undefined);
    });
  });
});
