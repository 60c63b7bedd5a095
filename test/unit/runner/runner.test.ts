// The runner end to end with a REAL worker (dist/worker.js): bundling, naming, the three tasks,
// the limits, cancellation, the pool, and user errors with source-mapped positions.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findModels } from '../../../src/parser/index';
import { type RunResult, WarmRunner, runFile } from '../../../src/runner/index';
import type { ModelCheckResult, ModelGradResult, ModelGraphResult, RunError } from '../../../src/shared/workerProtocol';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/runner');
const fixture = (name: string): string => path.join(fixtures, name);

/** 1-based line and column of the first occurrence of `needle` in a fixture. */
function positionOf(name: string, needle: string, from = 0): { line: number; column: number } {
  const lines = fs.readFileSync(fixture(name), 'utf8').split('\n');
  for (let i = from; i < lines.length; i++) {
    const col = lines[i].indexOf(needle);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  throw new Error(`'${needle}' not in ${name}`);
}

function ok<T extends RunResult>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) assert.fail(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r as Extract<T, { ok: true }>;
}

function failed(r: RunResult): RunError {
  if (r.ok) assert.fail('expected the run to fail');
  return r.error;
}

function assertAt(err: RunError | undefined, file: string, pos: { line: number; column: number }): void {
  assert.ok(err, 'expected an error');
  assert.equal(err.file, fixture(file));
  assert.equal(err.line, pos.line, `line of: ${err.message}`);
  assert.equal(err.column, pos.column, `column of: ${err.message}`);
  // A sentence for the user, never an internal stack trace.
  assert.doesNotMatch(err.message, /\n\s+at /);
}

describe('runner (real worker)', function () {
  this.timeout(30_000);

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/worker.js'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
  });

  describe('grad', () => {
    it('returns the loss and the autograd gradient of every parameter, naming models three ways', async () => {
      const r = ok(await runFile({ fileName: fixture('three-models.ts'), task: 'grad' }));
      const models = r.models as ModelGradResult[];
      assert.deepEqual(models.map((m) => m.name), ['quadratic', 'named', 'byVariable']);

      // quadratic: L = Σ a·w², a = [1,2,3], w = [0.5,-1,2] → L = 0.25 + 2 + 12, dL/dw = 2·a·w.
      const [q, n, b] = models;
      assert.equal(q.loss, 1 * 0.25 + 2 * 1 + 3 * 4);
      assert.deepEqual(q.params, [{ name: 'w', shape: [3], data: [2 * 1 * 0.5, 2 * 2 * -1, 2 * 3 * 2] }]);
      // named: L = Σ exp(v), dL/dv = exp(v).
      const v = [0, 1, -1, 0.5];
      assert.ok(Math.abs(n.loss - v.reduce((s, x) => s + Math.exp(x), 0)) < 1e-12);
      assert.deepEqual(n.params[0].shape, [2, 2]);
      n.params[0].data.forEach((g, i) => assert.ok(Math.abs(g - Math.exp(v[i])) < 1e-12));
      // byVariable: L = u², u = 3.
      assert.equal(b.loss, 9);
      assert.deepEqual(b.params[0].data, [6]);

      // Each model's position is its defineModel call.
      assert.equal(q.loc?.line, positionOf('three-models.ts', 'export const quadratic').line);
      assert.equal(n.loc?.line, positionOf('three-models.ts', 'defineModel({', 10).line);
      assert.equal(b.loc?.line, positionOf('three-models.ts', 'const byVariable').line);
    });

    it('names and places models as the parser does: variable, spec name, model@line, other files, #2 for repeats', async () => {
      const r = ok(await runFile({ fileName: fixture('naming.ts'), task: 'grad' }));
      const models = r.models as ModelGradResult[];
      const anonymous = positionOf('naming.ts', 'defineModel({ inputs: {}, params: { b:').line;
      assert.deepEqual(models.map((m) => m.name), ['helperModel', 'hidden', `model@${anonymous}`, 'viaNamespace', 'layer', 'layer#2']);
      // The same names the parser gives the editor (the imported file's model by its own file).
      const text = fs.readFileSync(fixture('naming.ts'), 'utf8');
      const parsed = findModels(fixture('naming.ts'), text).models.map((m) => m.name);
      assert.deepEqual(parsed, ['hidden', `model@${anonymous}`, 'viaNamespace', 'layer']);
      // Each model sits at its defineModel callee: `gl.defineModel` starts at `gl`.
      assert.deepEqual(models[0].loc, { file: path.join(fixtures, 'lib/models.ts'), ...positionOf('lib/models.ts', 'defineModel(') });
      assert.deepEqual(models[3].loc, { file: fixture('naming.ts'), ...positionOf('naming.ts', 'gl.defineModel(') });
      const layerCall = positionOf('naming.ts', 'return defineModel(');
      assert.deepEqual([models[4].loc?.line, models[4].loc?.column], [layerCall.line, layerCall.column + 'return '.length]);
      assert.deepEqual(models[5].loc, models[4].loc);
      // Gradients still belong to the right model: d(w²)/dw = 2w for w = 1 and w = 2.
      assert.deepEqual([models[4].params[0].data, models[5].params[0].data], [[2], [4]]);
    });

    it('runs the text it is given (an unsaved buffer), resolving relative imports from the file\'s folder', async () => {
      const text = [
        "import { defineModel, F, tensor } from 'gradlens';",
        "import { square } from './lib/helpers';",
        'export const unsaved = defineModel({ inputs: {}, params: { w: tensor([1, 2, 3]) }, forward: (_i, { w }) => F.sum(square(w)) });',
      ].join('\n');
      const r = ok(await runFile({ fileName: fixture('not-on-disk.ts'), text, task: 'grad' }));
      const [m] = r.models as ModelGradResult[];
      assert.equal(m.name, 'unsaved');
      assert.equal(m.loss, 1 + 4 + 9);
      assert.deepEqual(m.params[0].data, [2, 4, 6]);
    });
  });

  describe('check', () => {
    it('passes correct models and fails a wrong hand-written backward at its worst element', async () => {
      const good = ok(await runFile({ fileName: fixture('three-models.ts'), task: 'check' }));
      assert.ok((good.models as ModelCheckResult[]).every((m) => m.passed && !m.error));

      const bad = ok(await runFile({ fileName: fixture('wrong-backward.ts'), task: 'check' }));
      const [m] = bad.models as ModelCheckResult[];
      assert.equal(m.passed, false);
      assert.equal(m.params[0].passed, true, 'autograd itself is right');
      const manual = m.manual?.[0];
      assert.ok(manual && !manual.passed);
      // w = [1, -2, 0.5]: backward gives w², the truth is 3w²; the worst gap is at index 1 (4 vs 12).
      assert.deepEqual(manual.worst?.index, [1]);
      assert.equal(manual.worst?.analytic, 4);
      assert.ok(Math.abs((manual.worst?.numeric ?? 0) - 12) < 1e-5);
      assert.deepEqual(m.backwardLoc, { file: fixture('wrong-backward.ts'), ...positionOf('wrong-backward.ts', 'backward:') });

      // A method-style backward is found by the parser too; a model without one has none.
      const named = ok(await runFile({ fileName: fixture('naming.ts'), task: 'check' })).models as ModelCheckResult[];
      assert.deepEqual(named.find((x) => x.name === 'viaNamespace')?.backwardLoc, { file: fixture('naming.ts'), ...positionOf('naming.ts', 'backward(_i') });
      assert.ok(named.filter((x) => x.name !== 'viaNamespace').every((x) => x.backwardLoc === undefined && x.passed));
    });

    it('--model picks one model, and an unknown name lists the ones there are', async () => {
      const r = ok(await runFile({ fileName: fixture('three-models.ts'), task: 'check', model: 'named' }));
      assert.deepEqual(r.models.map((m) => m.name), ['named']);
      const err = failed(await runFile({ fileName: fixture('three-models.ts'), task: 'check', model: 'nope' }));
      assert.equal(err.kind, 'no-model');
      assert.match(err.message, /no model named 'nope'.*quadratic, named, byVariable/);
    });

    it('keeps what the file prints out of the caller\'s stdout and returns it', async () => {
      const r = ok(await runFile({ fileName: fixture('console-output.ts'), task: 'check' }));
      assert.match(r.output ?? '', /hello from the model file/);
    });
  });

  describe('graph', () => {
    it('traces nodes, edges and each op\'s source position', async () => {
      const r = ok(await runFile({ fileName: fixture('three-models.ts'), task: 'graph', model: 'quadratic' }));
      const { graph } = (r.models as ModelGraphResult[])[0];
      // F.sum(F.mul(a, F.mul(w, w))): a, w, w·w, a·(w·w), sum.
      assert.deepEqual(graph.nodes.map((n) => [n.kind, n.name ?? n.op, n.shape]), [
        ['input', 'a', [3]],
        ['param', 'w', [3]],
        ['intermediate', 'mul', [3]],
        ['intermediate', 'mul', [3]],
        ['output', 'sum', []],
      ]);
      assert.deepEqual(graph.edges.map((e) => [e.from, e.to]), [['n1', 'n2'], ['n1', 'n2'], ['n0', 'n3'], ['n2', 'n3'], ['n3', 'n4']]);
      const line = positionOf('three-models.ts', 'F.sum(F.mul(a').line;
      const text = fs.readFileSync(fixture('three-models.ts'), 'utf8').split('\n')[line - 1];
      // Each op points at its own call on that line: sum, the outer mul, the inner mul.
      assert.deepEqual(graph.nodes.slice(2).map((n) => [n.loc?.line, n.loc?.column]), [
        [line, text.indexOf('F.mul(w, w)') + 1],
        [line, text.indexOf('F.mul(a') + 1],
        [line, text.indexOf('F.sum(') + 1],
      ]);
    });
  });

  describe('user errors come back as data at the user\'s position', () => {
    it('a throw after TypeScript-only syntax maps through the source map to the right column', async () => {
      const r = ok(await runFile({ fileName: fixture('ts-throw.ts'), task: 'check' }));
      const err = (r.models as ModelCheckResult[])[0].error;
      assert.equal(err?.kind, 'exception');
      assert.equal(err?.message, 'RangeError: bad batch 1');
      assertAt(err, 'ts-throw.ts', positionOf('ts-throw.ts', 'new RangeError'));
      assert.match(err?.detail ?? '', /RangeError/, 'the stack is kept for logs');
    });

    it('a throw inside a relatively imported file points into that file', async () => {
      const r = ok(await runFile({ fileName: fixture('relative-import.ts'), task: 'grad' }));
      const err = (r.models as ModelGradResult[])[0].error;
      assert.equal(err?.message, 'square needs at least 3 values');
      assert.equal(err?.file, path.join(fixtures, 'lib/helpers.ts'));
      assert.equal(err?.line, 5);
    });

    it('a shape mismatch names the op and the shapes at the user\'s call', async () => {
      const r = ok(await runFile({ fileName: fixture('shape-mismatch.ts'), task: 'check' }));
      const err = (r.models as ModelCheckResult[])[0].error;
      assert.equal(err?.kind, 'shape');
      assert.match(err?.message ?? '', /^matmul: shapes \[8,20\] and \[16,20\]/);
      assertAt(err, 'shape-mismatch.ts', positionOf('shape-mismatch.ts', 'F.matmul(X, W)'));
    });

    it('NaN in the loss is traced to the op that produced it', async () => {
      const r = ok(await runFile({ fileName: fixture('nan-loss.ts'), task: 'check' }));
      const err = (r.models as ModelCheckResult[])[0].error;
      assert.equal(err?.kind, 'nan');
      // log(x·w) with x = [1, -2, 3]: index 1 is log(-2).
      assert.match(err?.message ?? '', /contains NaN; it first appears in the output of log here \(NaN at index \[1\]\)/);
      assertAt(err, 'nan-loss.ts', positionOf('nan-loss.ts', 'F.log(z)'));
    });

    it('a forward that returns nothing', async () => {
      const r = ok(await runFile({ fileName: fixture('no-return.ts'), task: 'check' }));
      const err = (r.models as ModelCheckResult[])[0].error;
      assert.equal(err?.kind, 'no-output');
      assert.match(err?.message ?? '', /returned nothing.*'return' missing/);
      // At the forward, where the return goes, not at defineModel.
      assert.deepEqual([err?.line, err?.column], Object.values(positionOf('no-return.ts', 'forward(_inputs')));
    });

    it('an unknown import, at the import', async () => {
      const err = failed(await runFile({ fileName: fixture('unknown-import.ts'), task: 'check' }));
      assert.equal(err.kind, 'import');
      assert.match(err.message, /Cannot import 'lodash'/);
      assertAt(err, 'unknown-import.ts', positionOf('unknown-import.ts', "'lodash'"));
    });

    it('a syntax error in an unsaved buffer, at its position', async () => {
      const text = "import { F } from 'gradlens';\nexport const x = F.sum(1;\n";
      const err = failed(await runFile({ fileName: fixture('broken-buffer.ts'), text, task: 'check' }));
      assert.equal(err.kind, 'syntax');
      assert.match(err.message, /^Syntax error: '\)' expected\.$/);
      assert.deepEqual([err.file, err.line, err.column], [fixture('broken-buffer.ts'), 2, 25]);
    });

    it('a file without models', async () => {
      const err = failed(await runFile({ fileName: fixture('no-model.ts'), task: 'grad' }));
      assert.equal(err.kind, 'no-model');
    });
  });

  describe('limits', () => {
    it('stops an endless loop at the time limit, without blocking the caller', async () => {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 50);
      const started = Date.now();
      const err = failed(await runFile({ fileName: fixture('endless-loop.ts'), task: 'check', timeoutMs: 1500 }));
      clearInterval(ticker);
      const elapsed = Date.now() - started;
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /^Stopped at the time limit of 1\.5 s/);
      assert.ok(elapsed >= 1400 && elapsed < 5000, `stopped after ${elapsed} ms`);
      assert.ok(ticks >= 10, `the calling thread kept running (${ticks} ticks)`);
    });

    /** Where `defineModel` is called for the model exported as `name` in a fixture. */
    const modelAt = (file: string, name: string) => positionOf(file, 'defineModel', positionOf(file, `export const ${name} =`).line - 1);

    for (const pool of [false, true]) {
      it(`keeps the models checked before a time limit and says which one it stopped${pool ? ', in a check the pool runs' : ''}`, async () => {
        // With the pool, 'stuck' (two parameters) is planned by the parent after the worker has checked the others.
        const r = ok(await runFile({ fileName: fixture('stuck-middle.ts'), task: 'check', timeoutMs: 5000, ...(pool ? { workers: 2, splitAbove: 1, options: { mode: 'full' as const } } : { workers: 1 }) }));
        assert.deepEqual(
          r.models.map((m) => m.name),
          ['before', 'stuck', 'after'],
        );
        const [before, stuck, after] = r.models;
        assert.equal(before.passed, true, JSON.stringify(before.error));
        assert.equal(before.params[0].checked, 3);
        assert.equal(stuck.error?.kind, 'timeout');
        assert.match(stuck.error!.message, /^Stopped at the time limit of 5 s while checking this model \(3 parameter elements, full mode\): for a model this small, its forward or backward is still running \(an endless loop\?\)\.$/);
        assertAt(stuck.error, 'stuck-middle.ts', modelAt('stuck-middle.ts', 'stuck'));
        assert.equal(stuck.passed, false);
        if (pool) {
          assert.equal(after.passed, true, 'the worker checked it before the pool began');
        } else {
          assert.equal(after.error?.kind, 'timeout');
          assert.equal(after.error!.message, "Not checked: the time limit of 5 s was reached while model 'stuck' was being checked, before this model's turn.");
          assertAt(after.error, 'stuck-middle.ts', modelAt('stuck-middle.ts', 'after'));
        }
      });
    }

    it('a full check stopped mid-sweep is told it is too slow (with how far it came), not an endless loop; auto checks the same model fast', async () => {
      const r = ok(await runFile({ fileName: fixture('slow-cnn.ts'), task: 'check', timeoutMs: 4000, workers: 1, options: { mode: 'full' } }));
      const [cnn] = r.models;
      assert.equal(cnn.error?.kind, 'timeout');
      const m = /^Stopped at the time limit of 4 s while checking this model \(7,920 parameter elements, full mode\), with ([\d,]+) of 7,920 elements compared: the full check is too slow for the limit .*Check it in fast mode \(the gradlens\.mode setting, or --mode fast\), or raise the limit/.exec(cnn.error!.message);
      assert.ok(m, cnn.error!.message);
      assert.ok(Number(m[1].replace(/,/g, '')) > 0);
      assert.doesNotMatch(cnn.error!.message, /endless loop/);
      const auto = ok(await runFile({ fileName: fixture('slow-cnn.ts'), task: 'check', timeoutMs: 20_000, workers: 1 }));
      assert.equal(auto.models[0].mode, 'fast');
      assert.equal(auto.models[0].passed, true, JSON.stringify(auto.models[0].error ?? auto.models[0].notes));
      assert.ok(auto.models[0].notes?.some((n) => n.startsWith('auto mode checked it fast')), JSON.stringify(auto.models[0].notes));
    });

    it("a check split over the pool says once which rows a custom op's backward spoils, as one worker does", async () => {
      const one = ok(await runFile({ fileName: fixture('op-in-every-block.ts'), task: 'check', workers: 1, options: { mode: 'full' } }));
      const pooled = ok(await runFile({ fileName: fixture('op-in-every-block.ts'), task: 'check', workers: 2, splitAbove: 10, options: { mode: 'full' } }));
      assert.ok((pooled.models[0].slices ?? 0) > 1, 'the pool split it');
      const about = (r: typeof one) => (r.models[0].notes ?? []).filter((n) => n.includes("through the custom ops' hand-written backward"));
      assert.deepEqual(about(pooled), about(one));
      assert.deepEqual(about(one), ["the gradients of 'W0', 'W1', 'W2' and 'W3' through the custom ops' hand-written backward are wrong: autograd through their forward agrees with the reference where they do not"]);
    });

    it('keeps the models checked before a memory limit and says which one it stopped', async () => {
      const r = ok(await runFile({ fileName: fixture('hog-middle.ts'), task: 'check', memoryMb: 64, timeoutMs: 20_000 }));
      const [before, hog] = r.models;
      assert.equal(before.passed, true);
      assert.equal(hog.error?.kind, 'memory');
      assert.match(hog.error!.message, /^Stopped at the memory limit of 64 MB while checking this model \(2 parameter elements, full mode\)/);
      assertAt(hog.error, 'hog-middle.ts', modelAt('hog-middle.ts', 'hog'));
    });

    it('stops a file that allocates without end at the memory limit', async () => {
      const err = failed(await runFile({ fileName: fixture('memory-hog.ts'), task: 'check', memoryMb: 64, timeoutMs: 20_000 }));
      assert.equal(err.kind, 'memory');
      assert.match(err.message, /memory limit of 64 MB/);
    });

    /** Runs `text` as a check in a fresh worker and as a graph in a warm one, then a good file in the same warm one; returns the warm workers started. */
    async function exitingRuns(text: string, expect: (err: RunError) => void): Promise<number> {
      const warm = new WarmRunner();
      try {
        for (const opts of [{ task: 'check' as const }, { task: 'graph' as const, warm }]) {
          const r = await runFile({ fileName: fixture('exits.ts'), text, ...opts });
          expect(failed(r));
          assert.equal(r.output, 'leaving\n', `${opts.task}: what it printed first is kept`);
        }
        ok(await runFile({ fileName: fixture('three-models.ts'), task: 'graph', warm }));
        return warm.started;
      } finally {
        warm.dispose();
      }
    }

    it('refuses process.exit() at its line, in a fresh worker and a warm one, which stays', async () => {
      const started = await exitingRuns("console.log('leaving');\nprocess.exit(3);\n", (err) => {
        assert.equal(err.kind, 'exception');
        assert.match(err.message, /^process\.exit\(\) is not available to a model file/);
        assert.deepEqual([err.file, err.line, err.column], [fixture('exits.ts'), 2, 9]);
      });
      assert.equal(started, 1, 'the refusal is an error like any other: the warm worker goes on');
    });

    it('says so when the file exits the worker through the real process, in a fresh worker and a warm one', async () => {
      // Our engine's functions are of the worker's realm: their Function constructor reaches its process.
      const text = "import { F } from 'gradlens';\nconsole.log('leaving');\n(F.add.constructor('return process')() as { exit(c: number): void }).exit(3);\n";
      const started = await exitingRuns(text, (err) => {
        assert.equal(err.kind, 'exception');
        assert.equal(err.message, 'The model file stopped the worker before it finished (exit code 3); does it call process.exit()?');
      });
      assert.equal(started, 2, 'the warm runner replaced the worker that exited');
    });

    it('cancels mid-run when the signal aborts, and at once when it already has', async () => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 600);
      const err = failed(await runFile({ fileName: fixture('endless-loop.ts'), task: 'check', signal: controller.signal }));
      assert.equal(err.kind, 'cancelled');
      assert.ok(Date.now() - started < 3000);

      const before = failed(await runFile({ fileName: fixture('three-models.ts'), task: 'check', signal: AbortSignal.abort() }));
      assert.equal(before.kind, 'cancelled');
    });
  });

  describe('pool', () => {
    /** A check's report without the pool's own count, for comparison with a one-worker run. */
    const withoutSlices = ({ slices: _slices, ...rest }: ModelCheckResult): ModelCheckResult => rest;

    it('splits a large full check across workers and merges it into exactly the single-worker report', async () => {
      const single = ok(await runFile({ fileName: fixture('wide.ts'), task: 'check', workers: 1, options: { mode: 'full' } }));
      const pooled = ok(await runFile({ fileName: fixture('wide.ts'), task: 'check', workers: 3, splitAbove: 100, options: { mode: 'full' } }));
      const [s] = single.models as ModelCheckResult[];
      const [p] = pooled.models as ModelCheckResult[];
      assert.equal(s.slices, undefined);
      assert.equal(p.slices, 3, 'three workers shared the check');
      assert.equal(p.passed, true);
      assert.deepEqual(p.params.map((c) => [c.name, c.checked]), [['W1', 600], ['b1', 30], ['W2', 540], ['b2', 18]]);
      // A smooth model with a right gradient: the Taylor remainder is O(h²).
      assert.ok(Math.abs((s.taylorSlope ?? 0) - 2) < 0.1, `slope ${s.taylorSlope}`);
      assert.deepEqual(withoutSlices(p), s);
    });

    it('gives the Taylor test every kink, when different workers found them', async () => {
      const single = ok(await runFile({ fileName: fixture('kinks.ts'), task: 'check', workers: 1, options: { mode: 'full' } }));
      const pooled = ok(await runFile({ fileName: fixture('kinks.ts'), task: 'check', workers: 2, splitAbove: 10, options: { mode: 'full' } }));
      const [s] = single.models as ModelCheckResult[];
      const [p] = pooled.models as ModelCheckResult[];
      assert.equal(p.slices, 2);
      // Each parameter's planted kink: A[7] and B[3].
      assert.deepEqual(s.params.map((c) => [c.name, c.passed, c.nonDifferentiable?.index]), [['A', true, [7]], ['B', true, [3]]]);
      // Away from both kinks the loss is smooth (0.1·exp): slope 2; crossing one would give 1.
      assert.ok(Math.abs((s.taylorSlope ?? 0) - 2) < 0.1, `slope ${s.taylorSlope}`);
      assert.deepEqual(withoutSlices(p), s);
    });

    it('gives the hand-written backward\'s Taylor slope from the run that avoided every kink', async () => {
      const single = ok(await runFile({ fileName: fixture('kinks-backward.ts'), task: 'check', workers: 1, options: { mode: 'full' } }));
      const pooled = ok(await runFile({ fileName: fixture('kinks-backward.ts'), task: 'check', workers: 2, splitAbove: 10, options: { mode: 'full' } }));
      const [s] = single.models as ModelCheckResult[];
      const [p] = pooled.models as ModelCheckResult[];
      assert.equal(p.slices, 2);
      assert.deepEqual(s.manual?.map((c) => [c.name, c.passed]), [['A', true], ['B', true]]);
      // The backward is right and smooth away from both kinks: slope 2, as for autograd. The first
      // share alone knew only A's kink, and its direction crossed B's: slope 1 there.
      assert.ok(Math.abs((s.manualTaylorSlope ?? 0) - 2) < 0.1, `slope ${s.manualTaylorSlope}`);
      assert.deepEqual(withoutSlices(p), s);
    });
  });
});

describe('runner temp files', () => {
  it('leaves nothing behind in the model\'s folder', () => {
    // The bundle stays in memory (esbuild's outfile once only anchored its source map): nothing is written.
    assert.ok(!fs.existsSync(path.join(fixtures, '__gradlens_bundle__.js')));
    assert.ok(!fs.existsSync(path.join(fixtures, '__gradlens_bundle__.js.map')));
  });
});
