// The extension in a real VS Code: activation, the command table, CodeLens, a failing check's
// diagnostic, cancellation, and typings. The workspace is a copy of examples/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { slowOpModel } from '../../helpers/slowModel';
import { activateGradlens, gradlensErrors, gradlensResolvesTo, problemsOf, codeLensTitles, modelLensTitles, openFile, openUntitled, bugLineOf, w1Diagnostic, waitFor, workspaceFile, EXTENSION_ID } from '../helpers';

const RESULTS_DIR = process.env.GRADLENS_RESULTS_DIR;

/** The lines of a model `name` whose loss is Σ w², which passes: a neighbour for the model a test is about. */
function squareModel(name: string): string[] {
  return [`export const ${name} = defineModel({`, '  inputs: {},', '  params: { w: tensor([0.5, -1]) },', '  forward: (_i, { w }) => F.sum(F.mul(w, w)),', '});'];
}

describe('Gradlens in VS Code', function () {
  this.timeout(120000);

  it('activates on a TypeScript model file and reports its activation time', async () => {
    await openFile('mlp.ts');
    const api = await activateGradlens();
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs > 0, 'activation time was measured');
    if (RESULTS_DIR) fs.writeFileSync(path.join(RESULTS_DIR, 'activation.json'), JSON.stringify({ activationMs: api.activationMs }) + '\n');
    console.log(`    activation took ${api.activationMs.toFixed(1)} ms`);
  });

  it('registers exactly the commands that package.json declares', async () => {
    await activateGradlens();
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('gradlens.')).sort();
    assert.deepEqual(registered, declared);
  });

  it('every example opens without a single problem: the TS server plugin resolves gradlens to the shipped declarations, writing nothing into the workspace', async () => {
    await activateGradlens();
    const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const examples = fs.readdirSync(workspaceFile('.').fsPath).filter((f) => f.endsWith('.ts'));
    assert.ok(examples.length >= 8, `examples: ${examples.join(', ')}`);
    for (const name of examples) {
      const doc = await openFile(name);
      const resolved = await gradlensResolvesTo(doc);
      assert.equal(path.relative(extensionPath, resolved), path.join('dist', 'types', 'index.d.ts'), `${name}: 'gradlens' resolves to ${resolved}`);
      // TypeScript reports a file's diagnostics shortly after it answers about it: let it settle.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(problemsOf(doc.uri).map((d) => `${d.source} ${d.range.start.line + 1}: ${d.message}`), [], `${name} has problems`);
    }
    assert.equal(fs.existsSync(workspaceFile('node_modules').fsPath), false, 'nothing was written into the workspace');
  });

  it('shows "Check gradients" and "Show graph" CodeLens above the model in mlp.ts', async () => {
    const onModel = await modelLensTitles('mlp.ts');
    assert.ok(onModel.some((t) => t.includes('Check gradients')), `lenses: ${JSON.stringify(onModel)}`);
    assert.ok(onModel.some((t) => t.includes('Show graph')), `lenses: ${JSON.stringify(onModel)}`);
  });

  it('Check Gradients on buggy-backward.ts puts an error on the line of the mistake', async () => {
    const doc = await openFile('buggy-backward.ts');
    const bugLine = bugLineOf(doc);
    const result = await vscode.commands.executeCommand<{ ok: boolean; models: { manual?: { name: string; blameLoc?: { line: number; column: number } }[] }[] }>('gradlens.checkGradients', doc.uri);
    const w1 = await w1Diagnostic(doc);
    assert.equal(w1.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(w1.range.start.line, bugLine, `diagnostic on line ${w1.range.start.line + 1}, the mistake is on line ${bugLine + 1}: ${w1.message}`);
    // The CLI prints the runner's place (file:line:col); the Problems panel shows the range's start: the same.
    const blamed = result?.models[0]?.manual?.find((m) => m.name === 'W1')?.blameLoc;
    assert.deepEqual([w1.range.start.line + 1, w1.range.start.character + 1], [blamed?.line, blamed?.column]);
    assert.match(w1.message, /\[\d+,\d+\]/, 'the message names the worst element');
    assert.match(w1.message, /backward gives -?[\d.e-]+, autograd -?[\d.e-]+/, 'the message gives both values: the hand-written one and autograd\'s, its exact reference');
    // The verdict CodeLens says the same in one glance.
    const titles = await codeLensTitles(doc.uri);
    assert.ok(titles.some((t) => t.title.startsWith('✗') && t.title.includes('W1')), `lenses: ${JSON.stringify(titles)}`);
  });

  it("Check Gradients shows the file's TypeScript errors as warnings at their lines: the model ran with its types stripped", async () => {
    const file = workspaceFile('typed-wrong.ts');
    // The runner's fixture: a passing model with one type error, on line 4.
    fs.copyFileSync(path.resolve(__dirname, '../../../../test/fixtures/runner/type-error.ts'), file.fsPath);
    try {
      const doc = await openFile('typed-wrong.ts');
      await vscode.commands.executeCommand('gradlens.checkGradients', doc.uri);
      const warning = await waitFor(() => vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === 'gradlens' && d.code === 'type-error'), 'the type warning', 60000);
      assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(warning.range.start.line, 3);
      assert.match(warning.message, /^TypeScript error TS2322: Type 'string' is not assignable to type 'number'\. The check ran this code as written, with types ignored\.$/);
      // The model itself passed: no Gradlens error.
      assert.deepEqual(gradlensErrors(doc.uri).map((d) => d.message), []);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      fs.rmSync(file.fsPath, { force: true });
    }
  });

  it('Check Gradients on a file that does not parse reports its syntax error once, with no claim that the check ran', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'typescript',
      content: ["import { defineModel, F, randn } from 'gradlens';", 'export const m = defineModel({', '  params: { w: randn([3]) },', '  forward: (_i, { w }) => F.sum(w),', '});', 'const = ;'].join('\n'),
    });
    await vscode.window.showTextDocument(doc);
    const result = await vscode.commands.executeCommand<{ ok: boolean; error?: { kind: string; line?: number; column?: number } }>('gradlens.checkGradients', doc.uri);
    assert.equal(result?.ok, false);
    assert.equal(result?.error?.kind, 'syntax');
    const ours = await waitFor(() => {
      const found = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'gradlens');
      return found.length ? found : undefined;
    }, 'the syntax error', 30000);
    assert.deepEqual(ours.map((d) => [d.range.start.line, d.severity]), [[5, vscode.DiagnosticSeverity.Error]], ours.map((d) => d.message).join(' | '));
    assert.match(ours[0].message, /^Syntax error/);
    // At the very place the CLI prints (file:line:col), not at the start of the line or call around it.
    assert.deepEqual([ours[0].range.start.line + 1, ours[0].range.start.character + 1], [result?.error?.line, result?.error?.column]);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('clears its diagnostics when the file changes', async () => {
    const doc = await openFile('buggy-backward.ts');
    if (!vscode.languages.getDiagnostics(doc.uri).some((d) => d.source === 'gradlens')) {
      await vscode.commands.executeCommand('gradlens.checkGradients', doc.uri);
    }
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// edited\n'));
    await waitFor(() => !vscode.languages.getDiagnostics(doc.uri).some((d) => d.source === 'gradlens'), 'diagnostics to clear');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('passes mlp.ts and shows the verdict in its CodeLens', async () => {
    const doc = await openFile('mlp.ts');
    const result = await vscode.commands.executeCommand<{ ok: boolean; models: { passed: boolean }[] }>('gradlens.checkGradients', doc.uri);
    assert.ok(result?.ok, 'the check ran');
    assert.ok(result.models.every((m) => m.passed), 'mlp passes');
    assert.equal(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'gradlens').length, 0);
    const titles = await codeLensTitles(doc.uri);
    assert.ok(titles.some((t) => /^✓ max rel err/.test(t.title)), `lenses: ${JSON.stringify(titles)}`);
  });

  it('keeps the results of a check the file was edited during, with the diagnostics whose lines did not change', async () => {
    // A custom op whose backward is 3× too large, slow enough (about a second per sweep) to edit during.
    const text = slowOpModel({ spin: 5e6, factor: 3 });
    const lineCount = text.split('\n').length;
    const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: text });
    const editor = await vscode.window.showTextDocument(doc);
    let finished = 0;
    const pending = vscode.commands.executeCommand<{ ok: boolean; models: { passed: boolean }[] }>('gradlens.checkGradients', doc.uri).then((r) => ((finished = Date.now()), r));
    await new Promise((r) => setTimeout(r, 800));
    // Typed below the model while the check runs: every line above is as it ran.
    await editor.edit((e) => e.insert(new vscode.Position(doc.lineCount, 0), '\n// typed during the check\n'));
    const edited = Date.now();
    const result = await pending;
    assert.ok(finished > edited, 'the edit came while the check ran');
    assert.ok(result?.ok && result.models.length === 1 && !result.models[0].passed, 'the check ran to its end and failed');
    const errors = await waitFor(() => {
      const found = gradlensErrors(doc.uri);
      return found.length ? found : undefined;
    }, 'the check\'s diagnostics', 10000);
    assert.ok(errors.every((d) => d.range.start.line < lineCount), `on the lines that ran: ${errors.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('; ')}`);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('moves the diagnostics of a check with the lines typed above them while it ran', async () => {
    const text = slowOpModel({ spin: 5e6, factor: 3 });
    const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: text });
    const editor = await vscode.window.showTextDocument(doc);
    // Where an unedited run puts its errors, for this very text (a quick run: a smaller spin moves no line).
    const quick = await vscode.workspace.openTextDocument({ language: 'typescript', content: text.replace('5000000', '5') });
    await vscode.commands.executeCommand('gradlens.checkGradients', quick.uri);
    const lines = (uri: vscode.Uri) => gradlensErrors(uri).map((d) => d.range.start.line);
    const unedited = lines(quick.uri);
    assert.ok(unedited.length > 0, 'the wrong op gives errors');
    const pending = vscode.commands.executeCommand('gradlens.checkGradients', doc.uri);
    await new Promise((r) => setTimeout(r, 800));
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// typed above, during the check\n// and a second line\n'));
    await pending;
    const moved = await waitFor(() => (lines(doc.uri).length ? lines(doc.uri) : undefined), 'the diagnostics after the edit', 10000);
    assert.deepEqual(moved, unedited.map((l) => l + 2));
    // The op's message names the line of its call, which moved with it.
    const calledAt = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).flatMap((d) => [.../called at line (\d+)/.exec(d.message)?.slice(1) ?? []]).map(Number);
    assert.deepEqual(calledAt(doc.uri), calledAt(quick.uri).map((l) => l + 2));
    assert.ok(calledAt(doc.uri).length > 0, 'the op diagnostic names its call');
    // The verdict lens shows these results too, as Problems and the status bar do, until the next edit.
    const lenses = await codeLensTitles(doc.uri);
    assert.ok(lenses.some((l) => l.title.startsWith('✗')), `a verdict lens: ${JSON.stringify(lenses)}`);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('keeps the models a time limit did not stop: the stuck one gets the error at its line, the others their verdicts', async () => {
    const doc = await openUntitled([
      "import { defineModel, F, tensor } from 'gradlens';",
      ...squareModel('quick'),
      'export const stuck = defineModel({',
      '  inputs: {},',
      '  params: { u: tensor([3]) },',
      '  forward: (_i, { u }) => F.sum(F.mul(u, u)),',
      '  backward: () => {',
      '    for (;;) {}',
      '  },',
      '});',
      '',
    ]);
    const config = vscode.workspace.getConfiguration('gradlens');
    await config.update('timeout', 5000, vscode.ConfigurationTarget.Global);
    try {
      const result = await vscode.commands.executeCommand<{ ok: boolean; models: { name: string; passed: boolean; error?: { kind: string } }[] }>('gradlens.checkGradients', doc.uri);
      assert.ok(result?.ok, 'the run keeps its results');
      assert.deepEqual(
        result.models.map((m) => [m.name, m.passed, m.error?.kind]),
        [
          ['quick', true, undefined],
          ['stuck', false, 'timeout'],
        ],
      );
      const problems = await waitFor(() => {
        const found = gradlensErrors(doc.uri);
        return found.length ? found : undefined;
      }, 'the time limit in Problems', 10000);
      assert.equal(problems.length, 1, problems.map((d) => d.message).join('; '));
      assert.equal(problems[0].range.start.line, 6, "on the stuck model's defineModel line");
      assert.match(problems[0].message, /Stopped at the time limit of 5 s while checking this model \(1 parameter element, full mode\)/);
      const lenses = await codeLensTitles(doc.uri);
      assert.ok(lenses.some((l) => l.line === 1 && l.title.startsWith('✓')), `quick keeps its verdict: ${JSON.stringify(lenses)}`);
      assert.ok(lenses.some((l) => l.line === 6 && l.title.startsWith('✗')), `stuck says it failed: ${JSON.stringify(lenses)}`);
    } finally {
      await config.update('timeout', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it("checking one model keeps the file's other results; a custom op's lens names its exact reference", async () => {
    const doc = await openUntitled([
      "import { defineModel, defineOp, F, tensor } from 'gradlens';",
      'const cube = defineOp({',
      "  name: 'cube',",
      '  forward: (x) => F.mul(x, F.mul(x, x)),',
      '  backward: (dy, [x]) => [F.mul(dy, F.mul(2, F.mul(x, x)))],',
      '});',
      ...squareModel('good'),
      'export const bad = defineModel({',
      '  inputs: {},',
      '  params: { v: tensor([0.3, 1.2]) },',
      '  forward: (_i, { v }) => F.sum(cube(v)),',
      '});',
      '',
    ]);
    try {
      const whole = await vscode.commands.executeCommand<{ ok: boolean; models: { name: string; passed: boolean }[] }>('gradlens.checkGradients', doc.uri);
      assert.deepEqual(whole?.models.map((m) => [m.name, m.passed]), [['good', true], ['bad', false]]);
      const errorsBefore = gradlensErrors(doc.uri).length;
      // The op's problem is where its backward goes wrong: 2x² for 3x², returned by the outer F.mul.
      const opProblem = problemsOf(doc.uri).find((d) => d.code === 'op');
      const backwardLine = doc.lineAt(4).text;
      assert.deepEqual([opProblem?.range.start.line, opProblem?.range.start.character], [4, backwardLine.indexOf('F.mul')], opProblem?.message);
      assert.match(opProblem?.message ?? '', /The gradient of x0 is wrong as this mul call returns it: its input \(dy \(the upstream gradient\)\) is right/);
      assert.ok(errorsBefore > 0, "bad's failure is in Problems");
      const opLens = (await codeLensTitles(doc.uri)).find((l) => l.line === 1 && l.title.startsWith('✗'));
      assert.match(opLens?.title ?? '', /^✗ op cube\[\d+\]: analytic \S+ vs autograd \S+$/, 'an exact comparison is against autograd, not numbers');
      // Now only 'good', from its own lens: 'bad' keeps its verdict, its lens and its problems.
      const one = await vscode.commands.executeCommand<{ ok: boolean; models: { name: string }[] }>('gradlens.checkGradients', doc.uri, 'good');
      assert.deepEqual(one?.models.map((m) => m.name), ['good']);
      const api = await activateGradlens();
      assert.deepEqual(api.resultsFor(doc.uri)?.reports.map((r) => [r.name, r.passed]), [['good', true], ['bad', false]]);
      const lenses = await codeLensTitles(doc.uri);
      assert.ok(lenses.some((l) => l.line === 6 && l.title.startsWith('✓')) && lenses.some((l) => l.line === 11 && l.title.startsWith('✗')), JSON.stringify(lenses));
      assert.equal(gradlensErrors(doc.uri).length, errorsBefore);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it("parameters spoiled by one custom op's wrong backward are one problem, beside the op's own", async () => {
    // The runner's fixture: a layer norm op whose backward drops eps, used in four blocks.
    const source = fs.readFileSync(path.join(__dirname, '../../../../test/fixtures/runner/op-in-every-block.ts'), 'utf8');
    const doc = await openUntitled(source.split('\n'));
    try {
      const r = await vscode.commands.executeCommand<{ ok: boolean; models: { name: string; passed: boolean }[] }>('gradlens.checkGradients', doc.uri);
      assert.deepEqual(r?.models.map((m) => [m.name, m.passed]), [['stacked', false]]);
      const errors = gradlensErrors(doc.uri);
      const params = errors.filter((d) => d.code === 'param');
      assert.equal(params.length, 1, params.map((d) => d.message).join('\n'));
      assert.match(params[0].message, /^stacked: The autograd gradients of 4 parameters \(W0, W1, W2 and W3\) are wrong where they pass back through a custom op whose hand-written backward is wrong; .*\(its own problem is at the op\)\. The first, W0\[/);
      assert.ok(errors.some((d) => d.code === 'op' && d.message.startsWith('custom op myLayerNorm')), errors.map((d) => d.message).join('\n'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('one slip that spoils two parameters is explained once, at its line; the other diagnostic points to it', async () => {
    const doc = await openUntitled([
      "import { defineModel, F, randn } from 'gradlens';",
      'export const two = defineModel({',
      '  inputs: { x: randn([4, 3], { seed: 1 }) },',
      '  params: { W: randn([3, 2], { seed: 2 }), b: randn([2], { seed: 3 }) },',
      '  forward: ({ x }, { W, b }) => F.sum(F.sigmoid(F.add(F.matmul(x, W), b))),',
      '  backward: ({ x }, { W, b }) => {',
      '    const s = F.sigmoid(F.add(F.matmul(x, W), b));',
      '    const dz = F.mul(s, s);',
      '    return { W: F.matmul(F.transpose(x), dz), b: F.sum(dz, 0) };',
      '  },',
      '});',
      '',
    ]);
    try {
      await vscode.commands.executeCommand('gradlens.checkGradients', doc.uri);
      const found = await waitFor(() => {
        const d = problemsOf(doc.uri).filter((p) => p.source === 'gradlens' && p.severity === vscode.DiagnosticSeverity.Error);
        return d.length >= 2 ? d : undefined;
      }, 'both diagnostics', 10000);
      assert.deepEqual(found.map((d) => d.range.start.line), [7, 7], 'both at the slip');
      const [w, b] = found;
      assert.match(w.message, /wrong for W.*this mul call/s);
      assert.match(b.message, /wrong for b.*The same mistake as W's, explained there\.$/s);
      assert.doesNotMatch(b.message, /mul call/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('cancels a long check', async () => {
    const slow = slowOpModel({ spin: 3e7, size: 40 });
    const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: slow });
    await vscode.window.showTextDocument(doc);
    const started = Date.now();
    const pending = vscode.commands.executeCommand<{ ok: boolean; error?: { kind: string } }>('gradlens.checkGradients', doc.uri);
    await new Promise((r) => setTimeout(r, 1500));
    const cancelled = await vscode.commands.executeCommand<number>('gradlens.cancelCheck');
    assert.equal(cancelled, 1, 'one check was running');
    const result = await pending;
    assert.ok(result && !result.ok, 'the run did not complete');
    assert.equal(result.error?.kind, 'cancelled');
    assert.ok(Date.now() - started < 15000, 'cancellation stopped the worker promptly');
    assert.equal(vscode.languages.getDiagnostics(doc.uri).length, 0, 'a cancelled run reports nothing');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Set Up Typings (for the CLI and other editors) installs gradlens into the workspace, and the import then resolves there', async () => {
    const doc = await openFile('logreg.ts');
    const unresolved = () => vscode.languages.getDiagnostics(doc.uri).some((d) => d.code === 2307 || (typeof d.code === 'object' && d.code.value === 2307));
    // Before: resolved by the extension's TS server plugin, so never "Cannot find module".
    assert.match(await gradlensResolvesTo(doc), /[\\/]dist[\\/]types[\\/]index\.d\.ts$/);
    assert.equal(unresolved(), false);
    await vscode.commands.executeCommand('gradlens.setUpTypings');
    assert.ok(fs.existsSync(workspaceFile('node_modules/gradlens/types/index.d.ts').fsPath), 'declarations installed');
    assert.ok(fs.existsSync(workspaceFile('node_modules/gradlens/index.js').fsPath), 'runtime installed');
    const installed = workspaceFile('node_modules/gradlens').fsPath;
    await waitFor(async () => (await gradlensResolvesTo(doc)).startsWith(installed), 'the import to resolve to the installed typings', 60000);
    assert.equal(unresolved(), false);
    const tsErrors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'ts' && d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepEqual(tsErrors.map((d) => d.message), [], 'logreg.ts type-checks against the installed typings');
  });
});
