// The warm worker (runner/warm.ts) with a REAL worker: it gives what a fresh worker gives, keeps
// one worker across runs of different files, and keeps the fresh worker's guarantees: the time
// and memory limits, cancellation, output that belongs to its own run.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LiveGraph } from '../../../src/extension/panel/liveGraph';
import { type RunResult, WarmRunner, runFile } from '../../../src/runner/index';
import type { GraphDidChange } from '../../../src/shared/protocol';
import type { ModelGraphResult, RunError } from '../../../src/shared/workerProtocol';

const root = path.resolve(__dirname, '../../..');
const example = (name: string): string => path.join(root, 'examples', name);
const fixture = (name: string): string => path.join(root, 'test/fixtures/runner', name);
/** Model texts written here are only named, never read: the runner runs the text it is given. */
const scratch = (name: string): string => path.join(os.tmpdir(), 'gradlens-warm-test', name);

function graphs(r: RunResult<'graph'>): ModelGraphResult[] {
  if (!r.ok) assert.fail(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r.models as ModelGraphResult[];
}

function failed(r: RunResult): RunError {
  if (r.ok) assert.fail('expected the run to fail');
  return r.error;
}

/** A file that spins for `ms` before it defines a tiny model. */
function busyThenModel(ms: number): string {
  return [
    "import { defineModel, F, tensor } from 'gradlens';",
    `const until = Date.now() + ${ms};`,
    'while (Date.now() < until) {}',
    'export const tiny = defineModel({ inputs: {}, params: { w: tensor([1, 2]) }, forward: (_i, { w }) => F.sum(F.mul(w, w)) });',
  ].join('\n');
}

describe('warm worker (real worker)', function () {
  this.timeout(60_000);
  const runners: WarmRunner[] = [];
  const fresh = (opts?: ConstructorParameters<typeof WarmRunner>[0]): WarmRunner => {
    const r = new WarmRunner(opts);
    runners.push(r);
    return r;
  };

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/worker.js'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
  });
  after(() => runners.forEach((r) => r.dispose()));

  it('gives the graph a fresh worker gives, file after file, in one worker', async () => {
    const warm = fresh();
    for (const name of ['mlp.ts', 'cnn.ts', 'mlp.ts', 'logreg.ts']) {
      const text = fs.readFileSync(example(name), 'utf8');
      const cold = graphs(await runFile({ fileName: example(name), text, task: 'graph', workers: 1 }));
      const hot = graphs(await runFile({ fileName: example(name), text, task: 'graph', workers: 1, warm }));
      // Same nodes, edges, source lines, and value statistics: definitions and the RNG were reset.
      assert.deepEqual(hot, cold, name);
      assert.ok(hot[0].graph.nodes.every((n) => n.stats !== undefined), `${name}: every node has stats`);
    }
    assert.equal(warm.started, 1, 'one worker served every run');
  });

  it('stops a stuck file at the time limit, and the next run gets a new worker', async () => {
    const warm = fresh();
    graphs(await runFile({ fileName: example('mlp.ts'), task: 'graph', warm }));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const started = Date.now();
    const err = failed(await runFile({ fileName: fixture('endless-loop.ts'), task: 'graph', warm, timeoutMs: 1500 }));
    clearInterval(ticker);
    const elapsed = Date.now() - started;
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /^Stopped at the time limit of 1\.5 s/);
    assert.ok(elapsed >= 1400 && elapsed < 5000, `stopped after ${elapsed} ms`);
    assert.ok(ticks >= 10, `the calling thread kept running (${ticks} ticks)`);

    const after = graphs(await runFile({ fileName: example('mlp.ts'), task: 'graph', warm }));
    assert.equal(after[0].name, 'mlp');
    assert.equal(warm.started, 2, 'the stuck worker was replaced once');
  });

  it('stops a file at the memory limit, and the next run still works', async () => {
    const warm = fresh();
    const err = failed(await runFile({ fileName: fixture('memory-hog.ts'), task: 'graph', warm, memoryMb: 64, timeoutMs: 20_000 }));
    assert.equal(err.kind, 'memory');
    assert.match(err.message, /memory limit of 64 MB/);
    graphs(await runFile({ fileName: example('mlp.ts'), task: 'graph', warm, memoryMb: 64 }));
  });

  it('cancels a run stuck in user code: answered at once, its worker replaced after the grace', async () => {
    const warm = fresh({ cancelGraceMs: 100 });
    graphs(await runFile({ fileName: example('mlp.ts'), task: 'graph', warm }));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    const err = failed(await runFile({ fileName: scratch('busy.ts'), text: busyThenModel(20_000), task: 'graph', warm, signal: abort.signal }));
    assert.equal(err.kind, 'cancelled');
    assert.ok(Date.now() - started < 1500, `answered after ${Date.now() - started} ms`);
    // The next edit's run waits out the grace, then runs in a new worker.
    const next = graphs(await runFile({ fileName: example('mlp.ts'), task: 'graph', warm }));
    assert.equal(next[0].name, 'mlp');
    assert.equal(warm.started, 2);
  });

  it('keeps the worker when a cancelled run finishes within the grace, and drops queued runs at once', async () => {
    const warm = fresh({ cancelGraceMs: 10_000 });
    graphs(await runFile({ fileName: example('mlp.ts'), task: 'graph', warm }));
    const first = new AbortController();
    // Long enough that the cancel below always lands while it runs, even on a loaded machine.
    const running = runFile({ fileName: scratch('busy.ts'), text: busyThenModel(2500), task: 'graph', warm, signal: first.signal });
    const second = new AbortController();
    const queued = runFile({ fileName: example('cnn.ts'), task: 'graph', warm, signal: second.signal });
    const third = runFile({ fileName: example('mlp.ts'), task: 'graph', warm });
    await new Promise((r) => setTimeout(r, 150));
    first.abort();
    second.abort();
    assert.equal(failed(await running).kind, 'cancelled');
    assert.equal(failed(await queued).kind, 'cancelled');
    assert.equal(graphs(await third)[0].name, 'mlp');
    assert.equal(warm.started, 1, 'the cancelled run finished in its grace: no new worker');
  });

  it('returns what each run printed with that run only, and clears the timers a file left', async () => {
    const warm = fresh();
    const noisy = [
      "import { defineModel, F, tensor } from 'gradlens';",
      "console.log('hello from the model');",
      "setInterval(() => console.log('tick'), 1);",
      'export const tiny = defineModel({ inputs: {}, params: { w: tensor([1, 2]) }, forward: (_i, { w }) => F.sum(F.mul(w, w)) });',
    ].join('\n');
    const r1 = await runFile({ fileName: scratch('noisy.ts'), text: noisy, task: 'graph', warm });
    graphs(r1);
    assert.equal(r1.output, 'hello from the model\n');
    await new Promise((r) => setTimeout(r, 100));
    const r2 = await runFile({ fileName: scratch('quiet.ts'), text: busyThenModel(50), task: 'graph', warm });
    graphs(r2);
    assert.equal(r2.output, undefined, 'no tick of the previous file reached this run');
  });

  it('keeps check runs on fresh workers', async () => {
    const warm = fresh();
    const r = await runFile({ fileName: example('mlp.ts'), task: 'check', warm });
    assert.ok(r.ok);
    assert.equal(warm.started, 0);
  });

  it('is what the live graph traces with by default, and an edit back to the shown text costs no run', async () => {
    const file = example('mlp.ts');
    const text = fs.readFileSync(file, 'utf8');
    const sent: GraphDidChange[] = [];
    let arrived: (() => void) | undefined;
    const live = new LiveGraph({ delayMs: 20, onGraph: (m) => { sent.push(m); arrived?.(); } });
    try {
      await live.now(file, text);
      const next = new Promise<void>((r) => (arrived = r));
      live.update(file, text.replace('F.sigmoid(z1)', 'F.tanh(z1)'));
      await next;
      assert.equal(sent[1].error, undefined, JSON.stringify(sent[1].error));
      const ops = sent[1].models[0].graph!.nodes.map((n) => n.op);
      assert.ok(ops.includes('tanh') && !ops.includes('sigmoid'), ops.join());
      assert.ok(sent[1].models[0].graph!.nodes.every((n) => n.stats), 'stats reach the message');
      live.update(file, text.replace('F.sigmoid(z1)', 'F.tanh(z1)'));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(live.runs, 2, 'the same text is not traced again');
    } finally {
      live.dispose();
    }
  });
});
