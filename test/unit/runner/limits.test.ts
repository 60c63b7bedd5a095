// What a model file cannot do to the process that runs it, and the places it is told of: one
// allocation past the memory limit, a promise left rejected, a file nested too deep to compile,
// process.kill and process.abort. Real workers (dist/worker.js).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { type RunResult, WarmRunner, runFile } from '../../../src/runner/index';
import type { RunError } from '../../../src/shared/workerProtocol';

const file = path.resolve(__dirname, '../../fixtures/runner/limits.ts');
const MODEL = "export const m = defineModel({ inputs: {}, params: { w: tensor([1, 2]) }, forward: (_i, { w }) => F.sum(F.mul(w, w)) });\n";
const source = (...lines: string[]): string => `import { defineModel, F, tensor, zeros } from 'gradlens';\n${lines.join('\n')}\n${MODEL}`;

function failed(r: RunResult): RunError {
  if (r.ok) assert.fail(`expected the run to fail; it gave ${JSON.stringify(r.models).slice(0, 200)}`);
  return r.error;
}

function assertAt(err: RunError, line: number, column?: number): void {
  assert.equal(err.file, file, `a place in the file: ${err.message}`);
  assert.equal(err.line, line, err.message);
  if (column !== undefined) assert.equal(err.column, column, err.message);
}

/** The process's resident high-water mark in MB (the worker is a thread of this process). */
const peakMb = (): number => process.resourceUsage().maxRSS / 1024;

describe('a model file\'s reach (real worker)', function () {
  this.timeout(30_000);

  describe('memory', () => {
    for (const [what, line] of [['zeros([50_000_000])', 'const big = zeros([50_000_000]);'], ['new Float64Array(50_000_000).fill(1)', 'const big = new Float64Array(50_000_000).fill(1);']]) {
      it(`refuses ${what} (400 MB) under a 64 MB limit before it exists, at its line`, async () => {
        const before = peakMb();
        const err = failed(await runFile({ fileName: file, text: source(line), task: 'check', memoryMb: 64 }));
        assert.equal(err.kind, 'memory');
        // What the run's start-up already made resident (a few MB under load) is named when it is 1 MB or more.
        assert.match(err.message, /^Stopped before (zeros|new Float64Array) allocated 381 MB( on top of the \d+ MB this run already holds)?: more than the memory limit of 64 MB allows/);
        assertAt(err, 2, 13);
        // The watch alone polls every 200 ms, and cannot stop a native fill half-way: the process reached the full 400 MB.
        assert.ok(peakMb() - before < 200, `the process grew by ${Math.round(peakMb() - before)} MB`);
      });
    }

    it('counts what the run already holds: tensors within the limit one by one, not together', async () => {
      const err = failed(await runFile({ fileName: file, text: source('const kept = [];', 'for (let i = 0; i < 16; i++) kept.push(zeros([2_000_000]));'), task: 'check', memoryMb: 128 }));
      assert.equal(err.kind, 'memory');
      assert.match(err.message, /^Stopped before zeros allocated 15 MB on top of the \d+ MB this run already holds: more than the memory limit of 128 MB allows/);
      assertAt(err, 3);
    });

    it('lets a large tensor within the limit be made', async () => {
      const r = await runFile({ fileName: file, text: source('const big = zeros([20_000_000]);'), task: 'check', memoryMb: 512 });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    });
  });

  describe('promises', () => {
    it('fails a run that leaves a promise rejected, at the line of its reason', async () => {
      const err = failed(await runFile({ fileName: file, text: source("Promise.reject(new Error('no weights'));"), task: 'check' }));
      assert.equal(err.kind, 'exception');
      assert.equal(err.message, 'A promise was rejected and never handled: no weights');
      assertAt(err, 2, 16);
    });

    it('and one rejected by an async function that throws, in a warm worker whose next run is clean', async () => {
      const warm = new WarmRunner();
      try {
        const text = source('async function load(): Promise<void> {', "  throw new TypeError('cannot load');", '}', 'void load();');
        const err = failed(await runFile({ fileName: file, text, task: 'graph', warm }));
        assert.equal(err.message, 'A promise was rejected and never handled: TypeError: cannot load');
        assertAt(err, 3, 9);
        const next = await runFile({ fileName: file, text: source(), task: 'graph', warm });
        assert.ok(next.ok, next.ok ? '' : next.error.message);
        assert.equal(warm.started, 1);
      } finally {
        warm.dispose();
      }
    });

    it('leaves a rejection the file handles alone', async () => {
      const r = await runFile({ fileName: file, text: source("Promise.reject(new Error('handled')).catch(() => undefined);"), task: 'check' });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    });
  });

  it('says where a file nests too deep to compile, instead of a bare stack overflow', async () => {
    const deep = `export const data = ${'['.repeat(10_000)}1${']'.repeat(10_000)};`;
    const err = failed(await runFile({ fileName: file, text: source('// generated', deep), task: 'check' }));
    assert.equal(err.kind, 'syntax');
    assert.match(err.message, /^This file nests brackets 10000 levels deep here, more than (JavaScript|the TypeScript compiler) can take/);
    // At the innermost bracket: "export const data = " and 10,000 of them.
    assertAt(err, 3, 20 + 10_000);
  });

  describe('the process', () => {
    for (const [call, line] of [
      ['process.kill', 'process.kill(process.pid);'],
      ['process.abort', 'process.abort();'],
      // Our engine's functions are of the worker's realm: their Function constructor reaches the worker's own process.
      ['process.kill', "(F.add.constructor('return process')() as NodeJS.Process).kill(process.pid, 'SIGKILL');"],
      ['process.abort', "(F.add.constructor('return process')() as NodeJS.Process).abort();"],
    ]) {
      it(`refuses ${line} at its line, and the process lives on`, async () => {
        const err = failed(await runFile({ fileName: file, text: source(line), task: 'check' }));
        assert.equal(err.kind, 'exception');
        assert.ok(err.message.startsWith(`${call}() is not available to a model file`), err.message);
        assertAt(err, 2);
      });
    }
  });
});
