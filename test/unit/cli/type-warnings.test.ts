// TypeScript errors reach the check (issue 12): the spawned CLI type-checks each file against the
// shipped declarations in the parser worker and prints the errors as warnings at their lines; the
// model still runs as written. The shipped examples have none.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { typeErrorsOf } from '../../../src/parser/typeErrors';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/gradlens.js');

function gradlens(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

describe('gradlens CLI: TypeScript errors as warnings', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/cli.js')) || !fs.existsSync(path.join(root, 'dist/tslib/lib.es2023.d.ts'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-types-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('warns at the line of a type error, and the model still runs as written', async () => {
    const file = path.join('test/fixtures/runner', 'type-error.ts');
    const r = await gradlens('check', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:7: warning TS2322: Type 'string' is not assignable to type 'number'\\.$`, 'm'));
    assert.match(r.stderr, /1 TypeScript error: the model runs as written, with types ignored/);
    assert.match(r.stdout, /1 of 1 model passed/);
    const json = JSON.parse((await gradlens('check', file, '--json')).stdout) as { files: { typeErrors?: { line: number; column: number; code: number }[] }[] };
    assert.deepEqual(json.files[0].typeErrors?.map((e) => [e.line, e.column, e.code]), [[4, 7, 2322]]);
  });

  it("randn([5], { std: 0.1 }): a warning at the option from the compiler, and an error from the run", async () => {
    const file = path.join(dir, 'std.ts');
    fs.writeFileSync(file, "import { randn } from 'gradlens';\nexport const w = randn([5], { std: 0.1 });\n");
    const r = await gradlens('check', file);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /std\.ts:2:31: warning TS2353: Object literal may only specify known properties, and 'std' does not exist in type 'RandomOptions'\./);
    assert.match(r.stderr, /std\.ts:2:\d+: randn: unknown option 'std' \(did you mean 'scale'\?\)/);
  });

  it('the shipped examples have no TypeScript errors', async () => {
    const files = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => path.join('examples', f));
    for (const f of files) {
      const one = await gradlens('graph', f, '--json');
      assert.equal(one.code, 0, one.stderr);
      assert.doesNotMatch(one.stderr, /warning TS/, `${f}: ${one.stderr}`);
      assert.equal((JSON.parse(one.stdout) as { typeErrors?: unknown }).typeErrors, undefined, f);
    }
  });

  it("an editor's unsaved buffer, named without an extension ('Untitled-1'), is type-checked like a .ts file", () => {
    // The compiler crashed on a root file it could not classify ("reading 'flags'"), and the
    // extension's diagnostics then lost their type warnings and the text the check ran on.
    const text = fs.readFileSync(path.join(root, 'test/fixtures/runner/type-error.ts'), 'utf8');
    const errors = typeErrorsOf('Untitled-1', text);
    assert.deepEqual(errors.map((e) => [e.code, e.range.start.line + 1]), [[2322, 4]]);
  });
});
