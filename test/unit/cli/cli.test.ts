// The real `gradlens` command (node bin/gradlens.js → dist/cli.js → dist/worker.js), spawned on
// fixture files, hostile files and the shipped examples: exit codes, the table, the JSON.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/gradlens.js');
const fx = (name: string): string => path.join('test/fixtures/runner', name);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gradlens(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** No internal stack frames, in either stream. */
function assertNoStack(r: Run): void {
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at .*\(.*:\d+:\d+\)$/m);
}

function lineOf(file: string, needle: string): number {
  return fs.readFileSync(path.join(root, file), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('gradlens CLI (spawned)', function () {
  this.timeout(60_000);

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/cli.js')) || !fs.existsSync(path.join(root, 'dist/worker.js'))) {
      execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
    }
  });

  it('check: a table with one row per parameter and hand-written backward, exit 0 when all pass', async () => {
    const r = await gradlens('check', fx('three-models.ts'));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[1], /^model\s+name\s+shape\s+method\s+max abs error\s+max rel error\s+noise floor\s+worst index\s+analytic vs reference\s+verdict$/);
    // byVariable: L = u², u = 3 → both gradients are 6. Each row says how it was judged.
    assert.ok(lines.some((l) => /^byVariable\s+u \(backward\)\s+\[1\]\s+(?:exact|full)\s+0\s+0\s+\S+\s+\[0\]\s+6 vs 6\s+pass$/.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^quadratic\s+w\s+\[3\]\s+full\s/.test(l)));
    assert.match(r.stdout, /3 of 3 models passed\./);
    // Under the table, one line per model: the mode and the Taylor slope (2 for a right gradient).
    const slope = (name: string): number => Number(new RegExp(`^${name}: full check of (\\d+) parameter elements?; Taylor slope (\\S+) `, 'm').exec(r.stdout)?.[2]);
    assert.match(r.stdout, /^quadratic: full check of 3 parameter elements; Taylor slope /m);
    assert.match(r.stdout, /^named: full check of 4 parameter elements; Taylor slope /m);
    assert.match(r.stdout, /^byVariable: full check of 1 parameter element; Taylor slope /m);
    // quadratic and byVariable are quadratic in their parameters: the remainder is exactly h²·(...).
    for (const name of ['quadratic', 'named', 'byVariable']) assert.ok(Math.abs(slope(name) - 2) < 0.05, `${name}: ${slope(name)}`);
    // The closing summary is the last line.
    assert.equal(lines.filter(Boolean).at(-1), '3 of 3 models passed in 1 file.');
  });

  it('check: parameters spoiled by one wrong custom op are told in one line and one note, then the op', async () => {
    const r = await gradlens('check', fx('op-in-every-block.ts'));
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.split('\n');
    // The table keeps a row for each; the sentences under it name the four in one line.
    for (const name of ['W0', 'W1', 'W2', 'W3']) assert.ok(lines.some((l) => l.startsWith(`stacked  ${name} `) && l.includes('FAIL')), name);
    const grouped = lines.filter((l) => l.includes('the autograd gradient'));
    assert.deepEqual(
      grouped.map((l) => l.replace(/^.*?: model/, 'model')),
      ["model 'stacked': the autograd gradients of 4 parameters (W0, W1, W2 and W3) are wrong where they pass back through a custom op whose hand-written backward is wrong; autograd through the custom ops' forwards is right (below); each one's worst element is in the table."],
    );
    assert.deepEqual(
      lines.filter((l) => l.includes('note:') && l.includes("through the custom ops' hand-written backward")),
      ["stacked: note: the gradients of 'W0', 'W1', 'W2' and 'W3' through the custom ops' hand-written backward are wrong: autograd through their forward agrees with the reference where they do not."],
    );
    assert.ok(lines.some((l) => /custom op 'myLayerNorm' \(called at line \d+\): its backward disagrees/.test(l)));
  });

  it('check: a closing summary across files names each failure at its line, and the files that could not run', async () => {
    const r = await gradlens('check', fx('three-models.ts'), fx('wrong-backward.ts'), fx('custom-op-wrong.ts'), fx('unknown-import.ts'));
    assert.equal(r.code, 2, 'a file that cannot be run wins over a failed check');
    const backward = lineOf(fx('wrong-backward.ts'), 'backward:');
    // The mistake is located at the op call inside backward that first goes wrong: `mul` in `F.mul(w, w)`.
    const mulColumn = fs.readFileSync(fx('wrong-backward.ts'), 'utf8').split('\n')[backward - 1].indexOf('F.mul') + 1; // where the call begins, as the Problems panel's range does
    // A wrong custom op is named at its `backward` key, where the Problems panel puts it.
    // The op's failure is placed where its backward goes wrong: the call of F.mul on its backward line.
    const op = lineOf(fx('custom-op-wrong.ts'), '  backward:');
    const opColumn = fs.readFileSync(fx('custom-op-wrong.ts'), 'utf8').split('\n')[op - 1].indexOf('F.mul') + 1;
    const last = r.stdout.trimEnd().split('\n').at(-1);
    assert.equal(last, `3 of 5 models passed in 4 files; 2 failed: cubic (${fx('wrong-backward.ts')}:${backward}:${mulColumn}), usesOp (${fx('custom-op-wrong.ts')}:${op}:${opColumn}); 1 file could not be run: ${fx('unknown-import.ts')}.`);

    const json = JSON.parse((await gradlens('check', fx('three-models.ts'), fx('wrong-backward.ts'), fx('unknown-import.ts'), '--json')).stdout);
    assert.deepEqual(json.summary, {
      files: 3,
      filesNotRun: [fx('unknown-import.ts')],
      models: 4,
      passed: 3,
      failed: [{ name: 'cubic', file: fx('wrong-backward.ts'), line: backward, column: mulColumn }],
    });
  });

  it("check: a parameter's failure is placed at its key in params, and a custom op's where its backward goes wrong, as in the Problems panel", async () => {
    const file = fx('custom-op-wrong.ts');
    const text = fs.readFileSync(file, 'utf8').split('\n');
    const paramAt = (() => {
      const line = text.findIndex((l) => l.includes('params: { w:'));
      return { line: line + 1, column: text[line].indexOf('w:') + 1 };
    })();
    const backwardAt = { line: lineOf(file, '  backward:'), column: 3 };
    // σ(x)/2 for σ(x): the outer F.mul, where dy meets the halved factor, is where it first goes wrong.
    const blameAt = { line: backwardAt.line, column: text[backwardAt.line - 1].indexOf('F.mul') + 1 };
    const r = await gradlens('check', file);
    assert.match(r.stdout, new RegExp(`custom-op-wrong\\.ts:${paramAt.line}:${paramAt.column}: model 'usesOp': the autograd gradient of 'w'`));
    assert.match(r.stdout, new RegExp(`custom-op-wrong\\.ts:${blameAt.line}:${blameAt.column}: custom op 'mySoftplus'.*\\n  The gradient of x0 is 1/2 of the true one`));
    const model = JSON.parse((await gradlens('check', file, '--json')).stdout).files[0].models[0];
    assert.deepEqual([model.params[0].line, model.params[0].column], [paramAt.line, paramAt.column]);
    assert.deepEqual([model.ops[0].backward.line, model.ops[0].backward.column], [backwardAt.line, backwardAt.column]);
    assert.deepEqual([model.ops[0].blame.line, model.ops[0].blame.column], [blameAt.line, blameAt.column]);
    assert.match(model.ops[0].blame.message, /^The gradient of x0 is 1\/2 of the true one/);
  });

  it('check: exit 1 on a wrong backward, naming the parameter, the line and the worst element', async () => {
    const r = await gradlens('check', fx('wrong-backward.ts'));
    assert.equal(r.code, 1);
    const line = lineOf(fx('wrong-backward.ts'), 'backward:');
    const mulColumn = fs.readFileSync(fx('wrong-backward.ts'), 'utf8').split('\n')[line - 1].indexOf('F.mul') + 1; // where the call begins, as the Problems panel's range does
    assert.match(r.stdout, new RegExp(`wrong-backward\\.ts:${line}:${mulColumn}: model 'cubic': the hand-written backward gives a wrong gradient for 'w'; worst element \\[1\\]: analytic 4 vs autograd 12`));
    assert.match(r.stdout, /cubic\s+w \(backward\)\s+\[3\]\s+(?:exact|full)\s+8\s+0\.6667\s+\S+\s+\[1\]\s+4 vs 12\s+FAIL/);
  });

  it('check --json: the documented document, with custom-op rows', async () => {
    const r = await gradlens('check', fx('three-models.ts'), fx('custom-op-wrong.ts'), '--json');
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.passed, false);
    assert.equal(doc.exitCode, 1);
    assert.deepEqual(doc.files.map((f: { file: string }) => f.file), [fx('three-models.ts'), fx('custom-op-wrong.ts')]);
    const [good, bad] = doc.files;
    assert.deepEqual(good.models.map((m: { name: string; passed: boolean }) => [m.name, m.passed]), [['quadratic', true], ['named', true], ['byVariable', true]]);
    const q = good.models[0];
    assert.equal(q.line, lineOf(fx('three-models.ts'), 'export const quadratic'));
    assert.equal(q.mode, 'full');
    assert.equal(q.loss, 14.25);
    assert.deepEqual(Object.keys(q.params[0]).filter((k) => ['name', 'shape', 'passed', 'maxAbsError', 'maxRelError', 'worst'].includes(k)).sort(), ['maxAbsError', 'maxRelError', 'name', 'passed', 'shape', 'worst']);
    assert.deepEqual(Object.keys(q.params[0].worst).sort(), ['analytic', 'index', 'numeric']);

    // mySoftplus' backward is σ(x)/2 instead of σ(x): the op row fails by exactly half.
    const [op] = bad.models[0].ops;
    assert.equal(op.name, 'mySoftplus');
    assert.equal(op.passed, false);
    assert.equal(op.line, lineOf(fx('custom-op-wrong.ts'), 'softplus(F.mul'));
    assert.equal(op.definedAt.line, lineOf(fx('custom-op-wrong.ts'), 'defineOp({'));
    assert.ok(Math.abs(op.worst.analytic / op.worst.numeric - 0.5) < 1e-6);
    assert.ok(Math.abs(op.maxRelError - 0.5) < 1e-6);
  });

  it('check --json stays valid JSON when the model file prints', async () => {
    const r = await gradlens('check', fx('console-output.ts'), '--json');
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.stdout);
    assert.match(doc.files[0].output, /hello from the model file/);
  });

  it('grad --json: the loss and every parameter\'s gradient as { shape, data }', async () => {
    const r = await gradlens('grad', fx('three-models.ts'), '--model', 'quadratic', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.file, fx('three-models.ts'));
    assert.equal(doc.models.length, 1);
    // L = Σ a·w², dL/dw = 2·a·w with a = [1,2,3], w = [0.5,-1,2].
    assert.equal(doc.models[0].loss, 14.25);
    assert.deepEqual(doc.models[0].params, [{ name: 'w', shape: [3], data: [1, -4, 12] }]);
  });

  it('graph --json: nodes with kinds, shapes and source lines; edges with shapes', async () => {
    const r = await gradlens('graph', fx('three-models.ts'), '--model', 'named', '--json');
    assert.equal(r.code, 0, r.stderr);
    const { graph } = JSON.parse(r.stdout).models[0];
    const line = lineOf(fx('three-models.ts'), 'F.sum(F.exp(v))');
    assert.deepEqual(graph.nodes.map((n: { kind: string; op?: string; name?: string; shape: number[]; loc?: { line: number } }) => [n.kind, n.op ?? n.name, n.shape, n.loc?.line ?? null]), [
      ['param', 'v', [2, 2], null],
      ['intermediate', 'exp', [2, 2], line],
      ['output', 'sum', [], line],
    ]);
    assert.deepEqual(graph.edges, [{ from: 'n0', to: 'n1', shape: [2, 2] }, { from: 'n1', to: 'n2', shape: [2, 2] }]);
  });

  describe('hostile files: exit 2 with file:line:col and no stack trace', () => {
    it('an endless loop is stopped at --timeout', async () => {
      const r = await gradlens('check', fx('endless-loop.ts'), '--timeout', '800');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /endless-loop\.ts: Stopped at the time limit of 800 ms/);
      assertNoStack(r);
    });

    it('a throw after TypeScript-only syntax', async () => {
      const r = await gradlens('check', fx('ts-throw.ts'));
      assert.equal(r.code, 2);
      const text = fs.readFileSync(path.join(root, fx('ts-throw.ts')), 'utf8').split('\n');
      const line = text.findIndex((l) => l.includes('new RangeError'));
      assert.match(r.stderr, new RegExp(`ts-throw\\.ts:${line + 1}:${text[line].indexOf('new RangeError') + 1}: model 'thrower': RangeError: bad batch 1`));
      assertNoStack(r);
    });

    it('a syntax error', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-cli-'));
      const file = path.join(dir, 'broken.ts');
      fs.writeFileSync(file, "import { F } from 'gradlens';\n\nexport const y = F.sum(1;\n");
      try {
        const r = await gradlens('check', file, '--json');
        assert.equal(r.code, 2);
        const { error } = JSON.parse(r.stdout).files[0];
        assert.deepEqual([error.kind, error.line, error.column], ['syntax', 3, 25]);
        const plain = await gradlens('check', file);
        assert.match(plain.stderr, /broken\.ts:3:25: Syntax error: '\)' expected\.$/m);
        // Said once, by the run: not again as a TypeScript warning claiming the model ran as written.
        assert.equal(plain.stderr.match(/'\)' expected/g)?.length, 1, plain.stderr);
        assert.doesNotMatch(plain.stderr, /runs as written/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('an unknown import, a NaN loss, a forward returning nothing, a shape mismatch', async () => {
      const cases: [string, string, RegExp][] = [
        ['unknown-import.ts', "'lodash'", /Cannot import 'lodash'/],
        ['nan-loss.ts', 'log(z)', /contains NaN; it first appears in the output of log here/],
        ['no-return.ts', 'forward(_inputs', /returned nothing/],
        ['shape-mismatch.ts', 'matmul(X, W)', /matmul: shapes \[8,20\] and \[16,20\] do not align/],
      ];
      const runs = await Promise.all(cases.map(([file]) => gradlens('check', fx(file))));
      runs.forEach((r, i) => {
        const [file, needle, message] = cases[i];
        assert.equal(r.code, 2, `${file}: ${r.stdout}${r.stderr}`);
        const text = fs.readFileSync(path.join(root, fx(file)), 'utf8').split('\n');
        const line = text.findIndex((l) => l.includes(needle));
        assert.match(r.stderr, new RegExp(`${file.replace('.', '\\.')}:${line + 1}:\\d+: .*${message.source}`), r.stderr);
        assertNoStack(r);
        // A model whose check stopped with an error is said so in the closing line, not "failed" (exit 2, not 1).
        if (file !== 'unknown-import.ts') assert.match(r.stdout, /; 1 could not be checked: \w+ \(/, r.stdout);
        assert.doesNotMatch(r.stdout, /\d failed:/, r.stdout);
      });
    });

    it('a missing file and usage mistakes', async () => {
      const missing = await gradlens('check', 'no/such/file.ts');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no\/such\/file\.ts: Cannot read the file: it does not exist\./);
      for (const args of [['check'], ['check', fx('wide.ts'), '--mode', 'slow'], ['check', fx('wide.ts'), '--eps', 'x'], ['frobnicate'], ['grad', 'a.ts', 'b.ts']]) {
        const r = await gradlens(...args);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.stderr, /^gradlens: .+\n\nUsage:/);
      }
      const help = await gradlens('--help');
      assert.equal(help.code, 0);
      assert.match(help.stdout, /gradlens check <file\.\.\.>/);
    });
  });

  it('a reader that closes the pipe early (`| head -3`) ends the CLI quietly, as SIGPIPE ends a Unix tool', async () => {
    const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => `examples/${f}`);
    const child = spawn(process.execPath, [bin, 'check', ...examples], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The reader is gone before the CLI writes (it prints every table once all files ran): a reader
    // that stops after a few lines, once the pipe's buffer no longer holds the rest, is the same.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '', 'no EPIPE stack trace');
    assert.equal(code, 141, 'the exit status of a process ended by SIGPIPE');
  });

  it('report --out: a path that cannot take the file is refused at once, in one sentence; a good one gets the report', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-out-'));
    const aFile = path.join(dir, 'plain.txt');
    fs.writeFileSync(aFile, 'x');
    for (const [out, why] of [
      [dir, /is a directory; give a file name such as .*gradlens-report\.html\.$/m],
      [path.join(aFile, 'r.html'), /plain\.txt is a file, not a folder\.$/m],
    ] as const) {
      const r = await gradlens('report', fx('three-models.ts'), '--out', out);
      assert.equal(r.code, 2, out);
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stderr, /internal error/);
      // Refused before any work: no check table was printed.
      assert.equal(r.stdout, '');
    }
    const nested = path.join(dir, 'new', 'folder', 'report.html');
    const ok = await gradlens('report', fx('three-models.ts'), '--out', nested);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(fs.readFileSync(nested, 'utf8'), /^<!doctype html>/i);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('report --out /dev/stdout | head -1 ends quietly, as SIGPIPE would', async () => {
    // A shell pipe, as a user types it (Node's own stdio pipes are sockets, where /dev/stdout
    // cannot be opened). head reads the table's first line and goes; the report then meets the
    // closed pipe.
    const shell = `"${process.execPath}" "${bin}" report ${fx('three-models.ts')} --out /dev/stdout 2>"$ERR" | head -1 >/dev/null; exit \${PIPESTATUS[0]}`;
    const errFile = path.join(os.tmpdir(), `gradlens-epipe-${process.pid}.txt`);
    const code = await new Promise<number | null>((resolve) => spawn('bash', ['-c', shell], { cwd: root, env: { ...process.env, ERR: errFile } }).on('close', resolve));
    const stderr = fs.readFileSync(errFile, 'utf8');
    fs.rmSync(errFile);
    assert.doesNotMatch(stderr, /internal error|EPIPE/);
    assert.equal(code, 141);
  });

  it('every shipped example passes except buggy-backward.ts, which fails with exit 1 naming its mistake', async () => {
    const examples = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => `examples/${f}`);
    const good = examples.filter((f) => !f.endsWith('buggy-backward.ts'));
    const r = await gradlens('check', ...good, '--json');
    const doc = JSON.parse(r.stdout);
    for (const f of doc.files) {
      assert.ok(!f.error, `${f.file}: ${f.error?.message}`);
      for (const m of f.models) assert.ok(m.passed, `${f.file} model ${m.name} failed: ${JSON.stringify(m.error ?? m.params.filter((p: { passed: boolean }) => !p.passed))}`);
    }
    assert.equal(r.code, 0);

    if (examples.some((f) => f.endsWith('buggy-backward.ts'))) {
      const buggy = await gradlens('check', 'examples/buggy-backward.ts');
      assert.equal(buggy.code, 1);
      assert.match(buggy.stdout, /buggy-backward\.ts:\d+:\d+: .*wrong gradient for '\w+'; worst element \[[\d, ]+\]: analytic \S+ vs autograd \S+/);
    }
  });
});
