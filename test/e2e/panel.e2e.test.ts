// End to end, the panel beside the source in a real VS Code: Show Computation Graph on mlp.ts,
// type into the model and watch the graph follow, then check buggy-backward.ts and see the
// failing parameter marked, and its results marked as overtaken once the file is edited.
// Screenshots go to test-results/.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workbench } from '../vscode/ui';

const REPO = path.resolve(__dirname, '../..');

describe('UI: the computation graph beside the source', function () {
  this.timeout(240_000);
  let workbench: Workbench;
  let workspace: string;

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-e2e-panel-'));
    fs.cpSync(path.join(REPO, 'examples'), workspace, { recursive: true });
    workbench = await Workbench.open({ workspace, extension: REPO });
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const nodeLabels = async (): Promise<string[]> => workbench.webview().locator('svg g.node .node-label').allTextContents(); // SVG text has no innerText

  it('Show Computation Graph draws mlp.ts with inputs, parameters and the loss', async () => {
    await workbench.openFile('mlp.ts');
    await workbench.waitForCodeLens('Show graph');
    await workbench.runCommand('Gradlens: Show Computation Graph');
    const view = workbench.webview();
    await view.locator('svg g.node').first().waitFor({ timeout: 60_000 });
    const labels = await nodeLabels();
    for (const expected of ['W1', 'W2', 'X', 'sigmoid', 'matmul', 'crossEntropy']) assert.ok(labels.includes(expected), `graph nodes: ${labels.join(', ')}`);
    assert.ok((await view.locator('svg g.node.kind-param').count()) >= 2, 'parameters are drawn as parameters');
    assert.equal(await view.locator('svg g.node.kind-output').count(), 1, 'one loss node');
    await workbench.screenshot('e2e-graph-mlp');
  });

  it('follows the unsaved buffer: replacing sigmoid with tanh in forward redraws the graph', async () => {
    await workbench.focusEditor('mlp.ts');
    const text = fs.readFileSync(path.join(workspace, 'mlp.ts'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('F.sigmoid(') && !l.trim().startsWith('//')) + 1;
    assert.ok(line > 0, 'mlp.ts calls F.sigmoid in forward');
    // Select the word on that line and type over it, as a user would.
    const col = text.split('\n')[line - 1].indexOf('sigmoid') + 1;
    await workbench.page.keyboard.press('Control+G');
    await workbench.page.keyboard.type(`${line}:${col}`);
    await workbench.page.keyboard.press('Enter');
    for (let i = 0; i < 'sigmoid'.length; i++) await workbench.page.keyboard.press('Shift+ArrowRight');
    await workbench.page.keyboard.type('tanh');
    await workbench.screenshot('e2e-graph-mlp-typed');
    await workbench.webview().locator('svg g.node .node-label', { hasText: /^tanh$/ }).first().waitFor({ timeout: 20_000 });
    await workbench.screenshot('e2e-graph-mlp-edited');
  });

  it('after a check of buggy-backward.ts the failing parameter is marked in the graph', async () => {
    await workbench.openFile('buggy-backward.ts');
    await workbench.waitForCodeLens('Check gradients');
    await workbench.clickCodeLens('Check gradients');
    await workbench.waitForCodeLens(/✗/);
    await workbench.runCommand('Gradlens: Show Computation Graph');
    const failing = workbench.webview().locator('svg g.node.has-error', { has: workbench.webview().locator('.node-flag') });
    await failing.first().waitFor({ timeout: 60_000 });
    const label = await failing.first().locator('.node-label').textContent();
    assert.equal(label, 'W1');
    await workbench.screenshot('e2e-graph-buggy-backward');
  });

  it('typing after a check marks the results on screen as for the version that ran', async () => {
    await workbench.runCommand('Gradlens: Show Check Results');
    const results = workbench.webview().locator('vscode-tab-panel[data-view="results"]');
    await results.locator('.model-result').first().waitFor({ timeout: 30_000 });
    const stale = results.locator('.banner-info', { hasText: 'edited after this check started' });
    assert.equal(await stale.count(), 0, 'fresh results carry no notice');
    await workbench.focusEditor('buggy-backward.ts');
    await workbench.typeAtEndOfLine(1, ' // typed');
    await stale.first().waitFor({ timeout: 20_000 });
    assert.ok((await results.locator('.model-result').count()) > 0, 'the results stay on screen, marked');
    await workbench.screenshot('e2e-results-edited');
  });
});
