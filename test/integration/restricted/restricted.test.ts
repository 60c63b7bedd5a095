// Restricted Mode: parsing, CodeLens and hovers still work; no workspace code runs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateGradlens, codeLensTitles, openFile, waitFor } from '../helpers';

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
});
