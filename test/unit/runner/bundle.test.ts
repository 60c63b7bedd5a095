// The bundler (src/runner/bundle.ts): model files and their relative imports, transpiled by the
// TypeScript compiler and joined into one script. Real files in a temporary folder, and the real
// worker (dist/worker.js) for what the bundle does when it runs.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleModelFile } from '../../../src/runner/bundle';
import { type RunResult, runFile } from '../../../src/runner/index';
import type { ModelGradResult, RunError } from '../../../src/shared/workerProtocol';

const root = path.resolve(__dirname, '../../..');

describe('bundleModelFile (TypeScript transpiler, one script)', function () {
  this.timeout(30_000);
  let dir: string;

  before(() => {
    if (!fs.existsSync(path.join(root, 'dist/worker.js'))) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root });
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-bundle-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes the files (name → text) into the folder; returns the first one's path. */
  function files(texts: Record<string, string>): string {
    for (const [name, text] of Object.entries(texts)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return path.join(dir, Object.keys(texts)[0]);
  }

  /** 1-based line and column of `needle` in a file of the folder. */
  function at(name: string, needle: string): [string, number, number] {
    const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(needle));
    return [path.join(dir, name), i + 1, lines[i].indexOf(needle) + 1];
  }

  async function bundleError(file: string): Promise<RunError> {
    const r = await bundleModelFile(file, fs.readFileSync(file, 'utf8'));
    if (r.ok) assert.fail('expected the bundle to fail');
    return r.error;
  }

  function grads(r: RunResult): ModelGradResult[] {
    if (!r.ok) assert.fail(`${r.error.kind}: ${r.error.message}`);
    return r.models as ModelGradResult[];
  }

  const model = (body: string): string => `import { defineModel, F, tensor } from 'gradlens';\n${body}\n`;

  it('follows relative imports through every way of writing them, each file once, cycles included', async () => {
    const main = files({
      'main.ts': model([
        "import { double } from './lib/double.js';", // TypeScript's way: the output's name for lib/double.ts
        "import * as shared from './shared';", // shared/index.ts
        "import scale from './scale';",
        "import data from './data.json';",
        "export const m = defineModel({ inputs: {}, params: { w: tensor(data.w) }, forward: (_i, { w }) => F.sum(double(F.mul(w, tensor(scale * shared.factor)))) });",
      ].join('\n')),
      'lib/double.ts': "import { F, type Tensor } from 'gradlens';\nimport { factor } from '../shared';\nexport const double = (x: Tensor): Tensor => F.mul(x, 2 * factor / factor);\n",
      'shared/index.ts': "import { double } from '../lib/double';\nexport const factor = 3;\nexport const again = () => double;\n",
      'scale.ts': 'export default 2;\n',
      'data.json': '{ "w": [1, 2] }\n',
    });
    const r = await bundleModelFile(main, fs.readFileSync(main, 'utf8'));
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const sections = (JSON.parse(r.bundle.sourceMap) as { sections: { map: { sources: string[] } }[] }).sections;
    assert.deepEqual(sections.map((s) => path.relative(dir, s.map.sources[0])), ['main.ts', 'lib/double.ts', 'shared/index.ts', 'scale.ts', 'data.json']);
    // L = Σ 2·(6·w): dL/dw = 12 everywhere.
    const [m] = grads(await runFile({ fileName: main, task: 'grad' }));
    assert.deepEqual(m.params[0].data, [12, 12]);
    assert.equal(m.loss, 12 * 3);
  });

  it('never resolves an import only used as a type, as TypeScript drops it', async () => {
    const main = files({ 'main.ts': model("import { Spec } from './no-such-file';\nexport const m = defineModel({ inputs: {}, params: { w: tensor([1]) }, forward: (_i, { w }): Spec => F.sum(w) });") });
    assert.deepEqual(grads(await runFile({ fileName: main, task: 'grad' })).map((x) => x.params[0].data), [[1]]);
  });

  it('a relative file that does not exist, at its specifier', async () => {
    const main = files({ 'main.ts': model("import { helper } from './helpers';\nexport const m = helper;") });
    const err = await bundleError(main);
    assert.equal(err.kind, 'import');
    assert.match(err.message, /^Could not resolve '\.\/helpers': no such file/);
    assert.deepEqual([err.file, err.line, err.column], at('main.ts', "'./helpers'"));
  });

  it('a name a relative file does not export, at the name, with the nearest one; through export * too', async () => {
    const main = files({
      'main.ts': model("import { sqaure, cube } from './ops';\nexport const m = [sqaure, cube];"),
      'ops.ts': "export * from './more';\nexport function square(x: number) { return x * x; }\nexport interface Shape { n: number }\n",
      'more.ts': 'export const cube = (x: number) => x * x * x;\n',
    });
    const err = await bundleError(main);
    assert.equal(err.kind, 'import');
    assert.equal(err.message, "'sqaure' is not exported by ./ops (did you mean square?); it exports square, cube.");
    assert.deepEqual([err.file, err.line, err.column], at('main.ts', 'sqaure,'));
  });

  it('an error inside an imported file points into that file', async () => {
    const main = files({ 'main.ts': model("import { k } from './lib';\nexport const m = k;"), 'lib.ts': "import { tensr } from 'gradlens';\nexport const k = tensr;\n" });
    const err = await bundleError(main);
    assert.match(err.message, /^'tensr' is not exported by gradlens \(did you mean tensor\?\)/);
    assert.deepEqual([err.file, err.line, err.column], at('lib.ts', 'tensr }'));
  });

  it('what V8 refuses though TypeScript parses it is a syntax error at its place', async () => {
    const main = files({ 'main.ts': model('export const m = 1;\nlet twice = 1;\nlet twice = 2;') });
    const err = await bundleError(main);
    assert.equal(err.kind, 'syntax');
    assert.equal(err.message, "Syntax error: Identifier 'twice' has already been declared.");
    const [file, line] = at('main.ts', 'let twice = 2');
    assert.deepEqual([err.file, err.line], [file, line]);
  });

  it('brackets nested deeper than the compiler can parse are a syntax error, not a crash', async () => {
    const main = files({ 'main.ts': model(`export const data = ${'['.repeat(5000)}1${']'.repeat(5000)};`) });
    const err = await bundleError(main);
    assert.equal(err.kind, 'syntax');
    assert.match(err.message, /^This file nests brackets \d+ levels deep here, more than the TypeScript compiler can take/);
    assert.equal(err.file, main);
  });

  it('a dynamic require of anything but gradlens fails when it runs, at the require', async () => {
    const main = files({ 'main.ts': model("const name = './x';\nexport const m = defineModel({ inputs: {}, params: { w: tensor([1]) }, forward: (_i, { w }) => F.sum(w) });\nrequire(name);") });
    const r = await runFile({ fileName: main, task: 'grad' });
    if (r.ok) assert.fail('expected the run to fail');
    assert.match(r.error.message, /cannot require '\.\/x'/);
    assert.deepEqual([r.error.file, r.error.line], at('main.ts', 'require(name)').slice(0, 2));
  });
});
