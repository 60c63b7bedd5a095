// The packaged extension: installed from gradlens-<version>.vsix with --install-extension (the
// harness's --vsix), so every file it loads comes from the package. It must activate, parse and
// bundle (the minified TypeScript in dist/typescript.js), run a check and install typings
// (dist/types, dist/gradlens.js). The workspace is a copy of examples/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateGradlens, gradlensResolvesTo, problemsOf, codeLensTitles, modelLensTitles, openFile, bugLineOf, w1Diagnostic, waitFor, workspaceFile, EXTENSION_ID } from '../helpers';

/** This bundle is out/test/integration/vsix/index.js inside the repository. */
const REPO = path.resolve(__dirname, '../../../..');

/** ELF (Linux), Mach-O (macOS, either byte order, and fat binaries) or PE (Windows): code for one platform. */
function isNativeBinary(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    const magic = head.readUInt32BE(0);
    return n === 4 && (magic === 0x7f454c46 || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic) || head.toString('latin1', 0, 2) === 'MZ');
  } finally {
    fs.closeSync(fd);
  }
}

function installed(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext;
}

describe('Gradlens installed from its .vsix', function () {
  this.timeout(120000);

  it('is the installed package, not the repository', () => {
    const ext = installed();
    const rel = path.relative(REPO, ext.extensionPath);
    assert.ok(rel.startsWith('..') || path.isAbsolute(rel), `extensionPath ${ext.extensionPath} lies inside the repo ${REPO}`);
    const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal((ext.packageJSON as { version: string }).version, version);
    const has = (p: string) => fs.existsSync(path.join(ext.extensionPath, p));
    // What runs must have shipped...
    for (const p of ['dist/extension.js', 'dist/worker.js', 'dist/parserWorker.js', 'dist/typescript.js', 'dist/types/index.d.ts', 'examples/mlp.ts']) {
      assert.ok(has(p), `${p} is in the package`);
    }
    // ...and the allowlist kept the rest out: of node_modules, only the TypeScript server plugin,
    // which the TS server requires by name from there (no native code, no other package).
    for (const p of ['src', 'test', 'dist/extension.js.map', 'package-lock.json']) {
      assert.ok(!has(p), `${p} is not in the package`);
    }
    const modules = has('node_modules') ? fs.readdirSync(path.join(ext.extensionPath, 'node_modules')) : [];
    assert.deepEqual(modules, ['gradlens-typescript-plugin'], `node_modules holds ${modules.join(', ')}`);
  });

  it('is one package for every platform: no native code in it, and under 5 MB', () => {
    const root = installed().extensionPath;
    const native: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (isNativeBinary(p)) native.push(path.relative(root, p));
      }
    };
    walk(root);
    assert.deepEqual(native, [], 'executables or native modules built for one platform');
    const version = (installed().packageJSON as { version: string }).version;
    const vsix = path.join(REPO, `gradlens-${version}.vsix`);
    assert.ok(fs.statSync(vsix).size < 5e6, `${vsix} is ${(fs.statSync(vsix).size / 1e6).toFixed(2)} MB`);
  });

  it('activates on a TypeScript file', async () => {
    await openFile('mlp.ts');
    const api = await activateGradlens();
    assert.ok(installed().isActive);
    assert.ok(api.activationMs > 0, 'activation time was measured');
  });

  it('shows "Check gradients" and "Show graph" CodeLens above the model in mlp.ts', async () => {
    const onModel = await modelLensTitles('mlp.ts');
    assert.ok(onModel.some((t) => t.includes('Check gradients')), `lenses: ${JSON.stringify(onModel)}`);
    assert.ok(onModel.some((t) => t.includes('Show graph')), `lenses: ${JSON.stringify(onModel)}`);
  });

  it('checks buggy-backward.ts and puts a Gradlens error on the line of the mistake', async () => {
    const doc = await openFile('buggy-backward.ts');
    const bugLine = bugLineOf(doc);
    const result = await vscode.commands.executeCommand<{ ok: boolean; models: { passed: boolean }[] }>('gradlens.checkGradients', doc.uri);
    assert.ok(result?.ok, `the check ran: ${JSON.stringify(result)}`);
    assert.ok(result.models.some((m) => !m.passed), 'the buggy model fails');
    const w1 = await w1Diagnostic(doc);
    assert.equal(w1.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(w1.range.start.line, bugLine, `diagnostic on line ${w1.range.start.line + 1}, the mistake is on line ${bugLine + 1}`);
    assert.match(w1.message, /backward gives -?[\d.e-]+, autograd -?[\d.e-]+/, 'the message gives both values: the hand-written one and autograd\'s, its exact reference');
  });

  it("resolves gradlens through the packaged TS server plugin to the package's declarations, with no Problems", async () => {
    const doc = await openFile('mlp.ts');
    assert.equal(await gradlensResolvesTo(doc), path.join(installed().extensionPath, 'dist', 'types', 'index.d.ts'));
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(problemsOf(doc.uri).map((d) => `${d.source}: ${d.message}`), []);
  });

  it('Set Up Typings installs the shipped declarations and runtime, and the import resolves', async () => {
    const doc = await openFile('logreg.ts');
    const unresolved = () => vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 2307 || (typeof d.code === 'object' && d.code.value === 2307));
    await vscode.commands.executeCommand('gradlens.setUpTypings');
    const dest = workspaceFile('node_modules/gradlens').fsPath;
    const shipped = path.join(installed().extensionPath, 'dist');
    assert.equal(fs.readFileSync(path.join(dest, 'types/index.d.ts'), 'utf8'), fs.readFileSync(path.join(shipped, 'types/index.d.ts'), 'utf8'), 'the declarations are the packaged ones');
    // The installed runtime works on its own: a tiny forward pass through it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gradlens = require(path.join(dest, 'index.js')) as typeof import('../../../src/index');
    const a = gradlens.tensor([1, 2, 3], [3]);
    assert.deepEqual(Array.from(gradlens.F.mul(a, a).data), [1, 4, 9]);
    await waitFor(async () => (await gradlensResolvesTo(doc)).startsWith(dest), 'the import to resolve to the installed typings', 60000);
    assert.equal(unresolved(), false);
  });
});
