// The readable check output for what a reviewer found missing: both Taylor slopes, the model's
// notes, custom-op rows with the input's shape, nondeterminism said once, a misshapen custom-op
// gradient placed at its defineOp. Reports come from the real checker, then the real CLI.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as F from '../../../src/engine/F';
import { randn, tensor } from '../../../src/engine/create';
import { defineModel } from '../../../src/engine/define';
import { checkModel } from '../../../src/gradcheck';
import type { ModelCheckResult } from '../../../src/shared/workerProtocol';
import { checkRows, failureLines, modelLine, noteLines } from '../../../src/cli/report';
import type { Decider } from '../../../src/gradcheck/types';
import { DECIDER_WORDS } from '../../../src/shared/verdict';
import { logisticModel, squareModel, squareOp } from '../gradcheck/fixtures';

const root = path.resolve(__dirname, '../../..');
const asResult = (r: ReturnType<typeof checkModel>): ModelCheckResult => {
  const { error: _error, ...rest } = r;
  return rest;
};

describe('check output lines (from real reports)', () => {
  it('the model line gives both Taylor slopes when there is a hand-written backward', () => {
    const m = asResult(checkModel(logisticModel({ backward: 'wrong' })));
    const line = modelLine(m)!;
    const [, auto, own] = /Taylor slope (\S+) for autograd, (\S+) for the hand-written backward \(≈2 right, ≈1 wrong\)(?:; fails, decided by [a-z ]+)?\.$/.exec(line) ?? [];
    assert.equal(auto, m.taylorSlope!.toFixed(2), line);
    assert.equal(own, m.manualTaylorSlope!.toFixed(2), line);
    assert.ok(Math.abs(Number(auto) - 2) < 0.1 && Math.abs(Number(own) - 1) < 0.1, line);
  });

  it('prints the notes, e.g. a backward() key that is not a parameter', () => {
    const x = randn([2], { seed: 3 });
    const m = asResult(checkModel(defineModel({ name: 'extraKey', inputs: { x }, params: { W: randn([2], { seed: 4 }) }, forward: (i, p) => F.sum(F.mul(i.x, p.W)), backward: (i, p) => ({ W: i.x, Wx: F.mul(i.x, p.W) }) })));
    assert.deepEqual(noteLines(m).filter((l) => /Wx/.test(l)), ["extraKey: note: backward() returned a gradient for 'Wx', which is not a parameter, so it was ignored (the parameters are 'W'; a typo?)."]);
  });

  it('a custom-op row names the input and shows its shape in the shape column', () => {
    const m = asResult(checkModel(squareModel(squareOp(), { shape: [3, 4] })));
    const row = checkRows(m).find((r) => r[1].startsWith('op '))!;
    assert.equal(row[1], 'op square, input 0');
    assert.equal(row[2], '[3,4]', 'square is applied to x ⊙ w + b, of shape [3,4]');
  });

  it('a fast check whose joint probes agreed says its rows show one joint error', () => {
    const m = asResult(checkModel(logisticModel(), { mode: 'fast' }));
    assert.ok(m.params.every((c) => c.directional?.together?.length === 2), JSON.stringify(m.params));
    assert.match(modelLine(m)!, /^logistic: fast check \(random directions, drill-down on mismatch\): every parameter moved at once, each along its own direction, and those probes agreed, so the fast rows show one joint error; /);
  });

  it('a custom-op row says how it was judged: method, noise floor, and what decided a failure', () => {
    for (const [op, verdict] of [[squareOp(), 'pass'], [squareOp({ at: 5 }), 'FAIL (tolerance)']] as const) {
      const m = asResult(checkModel(squareModel(op, { shape: [3, 4] })));
      const o = m.ops[0];
      assert.equal(o.method, 'exact', 'square is built from F ops, so its backward is compared with autograd through it');
      assert.ok(o.noiseFloor !== undefined && o.noiseFloor > 0, JSON.stringify(o));
      const row = checkRows(m).find((r) => r[1].startsWith('op '))!;
      assert.deepEqual([row[3], row.at(-1)], ['exact', verdict]);
      assert.match(row[6], /^\d[\d.]*(e[-+]\d+)?$/, 'the noise floor column holds a number');
    }
  });

  it('a nondeterministic model gets one failure line with the reason, not a per-parameter "disagrees"', () => {
    const m = asResult(checkModel(defineModel({ name: 'noisy', inputs: {}, params: { w: tensor([1, 2, 3]) }, forward: (_, p) => F.sum(F.mul(p.w, tensor([Math.random(), 1, 1]))) })));
    const lines = failureLines(m, 'noisy.ts');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /model 'noisy': the loss changes between runs with the same parameters \(nondeterministic\), so gradients cannot be compared/);
    assert.equal(modelLine(m), 'noisy: no element compared and no Taylor test, since the model is nondeterministic.');
    // Nothing was compared: the verdict says an error decided it.
    assert.deepEqual(checkRows(m).map((r) => r.at(-1)), ['FAIL (error)']);
  });
});

describe('gradlens check (spawned) on the reviewed cases', function () {
  this.timeout(60_000);
  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/cli.js'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
  });
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(root, 'bin/gradlens.js'), ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  const lineOf = (file: string, needle: string): number => fs.readFileSync(path.join(root, file), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;

  it('buggy-backward: both slopes in the line and in --json', async () => {
    const r = await run('check', 'examples/buggy-backward.ts', '--json');
    const m = JSON.parse(r.stdout).files[0].models[0];
    assert.ok(Math.abs(m.taylorSlope - 2) < 0.1 && Math.abs(m.manualTaylorSlope - 1) < 0.1, `${m.taylorSlope} ${m.manualTaylorSlope}`);
    const text = await run('check', 'examples/buggy-backward.ts');
    // A failing model's line ends with what decided it, when the checker says.
    const decided = m.decidedBy ? `; fails, decided by ${DECIDER_WORDS[m.decidedBy as Decider]}` : '';
    const slopes = `Taylor slope ${m.taylorSlope.toFixed(2)} for autograd, ${m.manualTaylorSlope.toFixed(2)} for the hand-written backward`;
    assert.ok(text.stdout.split('\n').includes(`buggyMlp: full check of 32 parameter elements; ${slopes} (≈2 right, ≈1 wrong)${decided}.`), text.stdout);
  });

  it('notes, op rows, nondeterminism and a misshapen op gradient', async () => {
    const extra = await run('check', 'test/fixtures/runner/extra-grad-key.ts');
    assert.equal(extra.code, 0, extra.stderr);
    assert.match(extra.stdout, /^extraKey: note: backward\(\) returned a gradient for 'Wx', which is not a parameter, so it was ignored/m);

    const op = await run('check', 'examples/custom-op.ts');
    const callLine = lineOf('examples/custom-op.ts', 'const h = swish(');
    assert.match(op.stdout, new RegExp(`^swishNet\\s+op swish \\(line ${callLine}\\), input 0\\s+\\[8,4\\]\\s`, 'm'));

    // At order 2 an op row can be about the upstream gradient, one past the op's inputs: named, not numbered.
    const order2 = await run('check', 'examples/newton-logreg.ts', '--order', '2');
    assert.equal(order2.code, 0, order2.stderr);
    assert.match(order2.stdout, /^newtonLogreg\s+op matmul \(line \d+\), upstream gradient dy\s/m);
    assert.doesNotMatch(order2.stdout, /op matmul \(line \d+\), input 2/);

    const noisy = await run('check', 'test/fixtures/runner/nondeterministic.ts');
    assert.equal(noisy.code, 1);
    assert.match(noisy.stdout, /^noisy\s+w\s+\[3\]\s+full\s+-\s+-\s+\S+\s+-\s+-\s+FAIL \(error\)$/m);
    assert.match(noisy.stdout, /model 'noisy': the loss changes between runs with the same parameters \(nondeterministic\), so gradients cannot be compared/);
    assert.doesNotMatch(noisy.stdout, /kink|disagrees/);

    const fx = 'test/fixtures/runner/op-transposed-grad.ts';
    const bad = await run('check', fx);
    assert.equal(bad.code, 2);
    const at = `${fx}:${lineOf(fx, 'defineOp(')}:`;
    assert.ok(bad.stderr.includes(`${at}`) && bad.stderr.includes('myOp: backward returned a gradient of shape [3,2] for input 0 of shape [2,3]'), bad.stderr);
  });
});
