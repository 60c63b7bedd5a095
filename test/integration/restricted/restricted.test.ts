// Restricted Mode: parsing, CodeLens and hovers still work; no workspace code runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { markerModel } from '../../helpers/markerModel';
import { activateGradlens, codeLensTitles, openFile, waitFor, workspaceFile } from '../helpers';

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Gradlens in Restricted Mode', function () {
  this.timeout(60000);

  it('opens the workspace untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('still shows CodeLens', async () => {
    const doc = await openFile('mlp.ts');
    await activateGradlens();
    const titles = await waitFor(async () => {
      const t = await codeLensTitles(doc.uri);
      return t.length ? t : undefined;
    }, 'CodeLens in restricted mode');
    assert.ok(titles.some((t) => t.title.includes('Check gradients')));
  });

  it('still shows the derivative rule on hover', async () => {
    const doc = await openFile('mlp.ts');
    const line = doc.getText().split('\n').findIndex((l) => l.includes('F.sigmoid('));
    assert.ok(line >= 0);
    const col = doc.lineAt(line).text.indexOf('sigmoid') + 2;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, col));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /F\.sigmoid/);
    assert.ok(text.normalize('NFC').includes('x̄ = ȳ ⊙ σ(x) ⊙ (1-σ(x))'.normalize('NFC')), `the rule in readable text: ${text}`);
    assert.match(text, /\\sigma/, 'and its LaTeX');
  });

  it('runs no check and explains why', async () => {
    const doc = await openFile('buggy-backward.ts');
    const result = await vscode.commands.executeCommand('gradlens.checkGradients', doc.uri);
    assert.equal(result, undefined, 'no run result: nothing ran');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'gradlens').length, 0);
  });

  it('runs nothing of a model file that writes a marker on load, whatever the user does in the panel', async function () {
    this.timeout(120_000);
    const api = await activateGradlens();
    const marker = workspaceFile('gradlens-ran.txt').fsPath;
    fs.writeFileSync(workspaceFile('writes-marker.ts').fsPath, markerModel(marker));
    const doc = await openFile('writes-marker.ts');
    const ran = (): boolean => fs.existsSync(marker);

    // Open the panel on its graph, and on the other views.
    await vscode.commands.executeCommand('gradlens.showGraph', doc.uri);
    await settle(1500);
    await api.panel.open('graph', doc);
    await settle(500);

    // Type in the file, pausing past the live graph's debounce after each edit, then save.
    const editor = await vscode.window.showTextDocument(doc);
    for (const typed of [' ', '\n', '// more', 'x']) {
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      assert.ok(await editor.edit((b) => b.insert(end, typed)));
      await settle(400);
    }
    await doc.save();
    await settle(1000);

    // Switch views, and run every command that could run a model.
    for (const command of ['gradlens.showDerivativeTable', 'gradlens.showResults', 'gradlens.showGraph']) {
      await vscode.commands.executeCommand(command);
      await settle(500);
    }
    await vscode.commands.executeCommand('gradlens.showResults', doc.uri, 'marker');
    await vscode.commands.executeCommand('gradlens.showGraph', doc.uri, 'marker');
    assert.equal(await vscode.commands.executeCommand('gradlens.checkGradients', doc.uri), undefined);
    assert.equal(await vscode.commands.executeCommand('gradlens.checkGradients', doc.uri, 'marker'), undefined);
    await vscode.window.showTextDocument(doc);
    assert.equal(await vscode.commands.executeCommand('gradlens.checkGradients'), undefined);
    await vscode.commands.executeCommand('gradlens.cancelCheck');

    // CodeLens and hovers parse the file; they must not run it either.
    assert.ok((await codeLensTitles(doc.uri)).some((t) => t.title.includes('Check gradients')));
    const line = doc.getText().split('\n').findIndex((l) => l.includes('F.sum('));
    await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, doc.lineAt(line).text.indexOf('sum') + 1));

    await settle(3000);
    assert.equal(ran(), false, 'the model file ran in Restricted Mode');
    assert.equal(vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'gradlens').length, 0);
  });
});
