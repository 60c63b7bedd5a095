// The worker supervisor (src/workers) with a REAL worker thread: a scripted worker, bundled here,
// that answers, spins, allocates, exits, prints or breaks the protocol as each request tells it.
// Every failure must come back as data, and the worker be reused exactly when it can be trusted.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { type Outcome, type RequestOptions, type SupervisorOptions, WorkerSupervisor } from '../../../src/workers/supervisor';

const root = path.resolve(__dirname, '../../..');
const workerPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-supervisor-')), 'scriptedWorker.js');

type Answer = string | number;
const isAnswer = (x: unknown): x is Answer => typeof x === 'string' || typeof x === 'number';

function result<R>(o: Outcome<R>): R {
  if (!o.ok) assert.fail(`expected a result, got ${JSON.stringify(o.failure)}`);
  return o.result;
}

function failure<R>(o: Outcome<R>) {
  if (o.ok) assert.fail(`expected a failure, got ${JSON.stringify(o.result)}`);
  return o.failure;
}

describe('worker supervisor (real worker)', function () {
  this.timeout(30_000);
  const supervisors: WorkerSupervisor<unknown, Answer>[] = [];
  const supervise = (opts: Partial<SupervisorOptions<Answer>> = {}): WorkerSupervisor<unknown, Answer> => {
    const s = new WorkerSupervisor<unknown, Answer>({ isResult: isAnswer, ...opts });
    supervisors.push(s);
    return s;
  };
  const at = (extra: Partial<RequestOptions> = {}): RequestOptions => ({ workerPath, ...extra });

  before(() => {
    buildSync({ entryPoints: [path.join(root, 'test/fixtures/workers/scriptedWorker.ts')], outfile: workerPath, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
  });
  after(() => {
    supervisors.forEach((s) => s.dispose());
    fs.rmSync(path.dirname(workerPath), { recursive: true, force: true });
  });

  it('serves two requests in order in the same worker', async () => {
    const s = supervise();
    const [first, second] = await Promise.all([s.request({ do: 'count' }, at()), s.request({ do: 'count' }, at())]);
    assert.deepEqual([result(first), result(second)], [1, 2]);
    assert.equal(s.started, 1);
  });

  it('stops a request at the time limit without blocking the caller, and starts a new worker for the next', async () => {
    const s = supervise();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = Date.now();
    const stuck = await s.request({ do: 'spin', ms: 60_000, value: 'never' }, at({ timeoutMs: 500 }));
    clearInterval(ticker);
    const elapsed = Date.now() - started;
    assert.deepEqual(failure(stuck), { kind: 'timeout' });
    assert.ok(elapsed >= 480 && elapsed < 3000, `stopped after ${elapsed} ms`);
    assert.ok(ticks >= 10, `the calling thread kept running (${ticks} ticks)`);
    assert.equal(result(await s.request({ do: 'echo', value: 'next' }, at())), 'next');
    assert.equal(s.started, 2);
  });

  it("counts a request's memory from when the worker has loaded, not its start-up", async () => {
    // The start-up touches 100 MB and lasts 600 ms, so the 200 ms watch samples it; counted from
    // when the request was made, it is past a 64 MB limit (× 1.25) and would stop the request.
    process.env.SCRIPTED_BOOT_MB = '100';
    process.env.SCRIPTED_BOOT_MS = '600';
    const s = supervise();
    try {
      const first = s.request({ do: 'echo', value: 'loaded' }, at({ memoryMb: 64 }));
      assert.equal(result(await first), 'loaded');
    } finally {
      delete process.env.SCRIPTED_BOOT_MB;
      delete process.env.SCRIPTED_BOOT_MS;
    }
    assert.equal(s.started, 1);
  });

  it('watches the memory of a request sent after the start-up: growth outside the heap past the limit stops it', async () => {
    process.env.SCRIPTED_BOOT_MS = '300';
    const s = supervise();
    try {
      // 5 × 40 MB, each held for a 250 ms poll, against 64 MB × 1.25.
      assert.deepEqual(failure(await s.request({ do: 'hold', chunks: 5, pauseMs: 250 }, at({ memoryMb: 64, timeoutMs: 20_000 }))), { kind: 'memory' });
    } finally {
      delete process.env.SCRIPTED_BOOT_MS;
    }
  });

  it('before the worker has loaded: a cancel drops the request and keeps the worker, a time limit stops it', async () => {
    process.env.SCRIPTED_BOOT_MS = '800';
    try {
      const s = supervise();
      const cancel = new AbortController();
      const dropped = s.request({ do: 'spin', ms: 5_000, value: 'never' }, at({ signal: cancel.signal }));
      cancel.abort();
      assert.deepEqual(failure(await dropped), { kind: 'cancelled' });
      const started = Date.now();
      // Served by the same worker once it has loaded; the dropped 5 s spin never ran.
      assert.equal(result(await s.request({ do: 'count' }, at())), 1);
      assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
      assert.equal(s.started, 1);

      const slow = supervise();
      assert.deepEqual(failure(await slow.request({ do: 'echo', value: 'late' }, at({ timeoutMs: 200 }))), { kind: 'timeout' });
    } finally {
      delete process.env.SCRIPTED_BOOT_MS;
    }
  });

  it('maps running out of the heap limit to a memory failure, and the next request still works', async () => {
    const s = supervise();
    const hog = await s.request({ do: 'allocate' }, at({ memoryMb: 32, timeoutMs: 20_000 }));
    assert.deepEqual(failure(hog), { kind: 'memory' });
    assert.equal(result(await s.request({ do: 'echo', value: 'alive' }, at({ memoryMb: 32 }))), 'alive');
    assert.equal(s.started, 2);
  });

  it('cancels mid-run at once, and with no grace replaces the worker', async () => {
    const s = supervise();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const started = Date.now();
    const cancelled = await s.request({ do: 'spin', ms: 20_000, value: 'never' }, at({ signal: abort.signal }));
    assert.deepEqual(failure(cancelled), { kind: 'cancelled' });
    assert.ok(Date.now() - started < 1500, `answered after ${Date.now() - started} ms`);
    assert.deepEqual(failure(await s.request({ do: 'echo', value: 'x' }, at({ signal: AbortSignal.abort() }))), { kind: 'cancelled' }, 'an aborted signal is answered before anything starts');
    assert.equal(result(await s.request({ do: 'echo', value: 'after' }, at())), 'after');
    assert.equal(s.started, 2);
  });

  it('never takes the late reply of a cancelled request for the next one', async () => {
    const s = supervise({ cancelGraceMs: 10_000 });
    const abort = new AbortController();
    const started = Date.now();
    const first = s.request({ do: 'spin', ms: 2000, value: 'late reply of the cancelled request' }, at({ signal: abort.signal }));
    const second = s.request({ do: 'echo', value: 'second' }, at());
    setTimeout(() => abort.abort(), 100);
    assert.deepEqual(failure(await first), { kind: 'cancelled' });
    assert.ok(Date.now() - started < 1500, `the cancel was answered before the worker finished (${Date.now() - started} ms)`);
    assert.equal(result(await second), 'second');
    assert.equal(s.started, 1, 'the cancelled request finished in its grace: its worker was kept');
  });

  it('ignores a reply carrying an earlier request\'s id', async () => {
    const s = supervise();
    assert.equal(result(await s.request({ do: 'echo', value: 'first' }, at())), 'first');
    assert.equal(result(await s.request({ do: 'stale', value: 'second' }, at())), 'second');
    assert.equal(s.started, 1);
  });

  it('answers a malformed reply or a message outside the protocol as malformed, and replaces the worker', async () => {
    const s = supervise();
    assert.deepEqual(failure(await s.request({ do: 'echo', value: { not: 'an answer' } }, at())), { kind: 'malformed' });
    assert.deepEqual(failure(await s.request({ do: 'garbage' }, at())), { kind: 'malformed' });
    assert.equal(result(await s.request({ do: 'count' }, at())), 1, 'a new worker serves the next request');
    assert.equal(s.started, 3);
  });

  it('reports a worker that exits, with its code', async () => {
    const s = supervise();
    assert.deepEqual(failure(await s.request({ do: 'exit', code: 3 }, at())), { kind: 'exited', code: 3 });
    assert.equal(result(await s.request({ do: 'echo', value: 'again' }, at())), 'again');
  });

  it('reports what a handler threw, keeping its worker', async () => {
    const s = supervise();
    const threw = failure(await s.request({ do: 'throw', message: 'no such thing' }, at()));
    assert.equal(threw.kind, 'threw');
    assert.equal(threw.kind === 'threw' && threw.message, 'no such thing');
    assert.equal(result(await s.request({ do: 'count' }, at())), 2);
    assert.equal(s.started, 1);
  });

  it('hands each request what the worker printed while serving it, and drops what came after', async () => {
    const s = supervise();
    const heard: string[] = [];
    const printed = await s.request({ do: 'print', text: 'during the request', later: 'after the reply', value: 'ok' }, at({ onOutput: (t) => heard.push(t) }));
    assert.equal(result(printed), 'ok');
    await new Promise((r) => setTimeout(r, 50));
    const next: string[] = [];
    assert.equal(result(await s.request({ do: 'echo', value: 'quiet' }, at({ onOutput: (t) => next.push(t) }))), 'quiet');
    assert.deepEqual(heard, ['during the request\n']);
    assert.deepEqual(next, [], 'the late print reached no request');
  });

  it("hands each request the pieces its worker sent ahead of the reply, and they outlive a time limit", async () => {
    const s = supervise();
    const heard: unknown[] = [];
    const answered = await s.request({ do: 'partials', pieces: [{ model: 1 }, 'two'], spinMs: 0, value: 'whole' }, at({ onPartial: (p) => heard.push(p) }));
    assert.equal(result(answered), 'whole');
    assert.deepEqual(heard, [{ model: 1 }, 'two']);
    const kept: unknown[] = [];
    const stopped = await s.request({ do: 'partials', pieces: ['first'], spinMs: 60_000, value: 'never' }, at({ timeoutMs: 800, onPartial: (p) => kept.push(p) }));
    assert.deepEqual(failure(stopped), { kind: 'timeout' });
    assert.deepEqual(kept, ['first']);
  });

  it('answers a missing worker script, and every request once disposed', async () => {
    const s = supervise();
    const missing = path.join(path.dirname(workerPath), 'nope.js');
    assert.deepEqual(failure(await s.request({ do: 'count' }, { workerPath: missing })), { kind: 'missing', path: missing });
    const running = s.request({ do: 'spin', ms: 20_000, value: 'never' }, at());
    const queued = s.request({ do: 'count' }, at());
    await new Promise((r) => setTimeout(r, 100));
    s.dispose();
    assert.deepEqual(failure(await running), { kind: 'disposed' });
    assert.deepEqual(failure(await queued), { kind: 'disposed' });
    assert.deepEqual(failure(await s.request({ do: 'count' }, at())), { kind: 'disposed' });
  });
});
