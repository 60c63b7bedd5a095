// End to end, as a new user: open an example in a real VS Code (code-server in headless
// Chromium), click "Check gradients", and see the verdict — in the CodeLens, the Problems panel
// and the status bar. Screenshots go to test-results/.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { slowOpModel } from '../helpers/slowModel';
import { Workbench } from '../vscode/ui';

const REPO = path.resolve(__dirname, '../..');

/** 144 elements, each difference through a custom op that spins: a check of several seconds. */
const SLOW_MODEL = slowOpModel({ spin: 6e6 });

describe('UI: checking gradients from the CodeLens', function () {
  this.timeout(240_000);
  let workbench: Workbench;
  let workspace: string;

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-e2e-'));
    fs.cpSync(path.join(REPO, 'examples'), workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'slow-check.ts'), SLOW_MODEL);
    workbench = await Workbench.open({ workspace, extension: REPO });
    // What a new user does first, so model files type-check: open a model, then set up typings.
    await workbench.openFile('mlp.ts');
    await workbench.waitForCodeLens('Check gradients');
    await workbench.runCommand('Gradlens: Set Up Typings');
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('mlp.ts: the verdict replaces nothing but joins the CodeLens, and says it passed', async () => {
    await workbench.openFile('mlp.ts');
    await workbench.waitForCodeLens('Check gradients');
    await workbench.clickCodeLens('Check gradients');
    const verdict = await workbench.waitForCodeLens(/✓ max rel err/);
    assert.match(await verdict.innerText(), /^✓ max rel err \d/);
    await workbench.statusBarItem(/Gradlens: 1 model pass/).waitFor();
    await workbench.screenshot('e2e-mlp-check');
  });

  it('buggy-backward.ts: the failing element, both values, and an error at the line of the mistake', async () => {
    await workbench.openFile('buggy-backward.ts');
    await workbench.waitForCodeLens('Check gradients');
    await workbench.clickCodeLens('Check gradients');
    const verdict = await workbench.waitForCodeLens(/✗/);
    assert.match(await verdict.innerText(), /✗ backward W1\[\d+,\d+\]: analytic -?[\d.e-]+ vs autograd -?[\d.e-]+/);
    await workbench.statusBarItem(/Gradlens: 1 of 1 failed/).waitFor();
    const bugLine = fs.readFileSync(path.join(workspace, 'buggy-backward.ts'), 'utf8').split('\n').findIndex((l) => l.includes('// BUG')) + 1;
    const problems = await workbench.problems();
    const w1 = problems.find((p) => p.source === 'gradlens' && p.message.includes('W1'));
    assert.ok(w1, `Problems panel: ${JSON.stringify(problems)}`);
    assert.equal(w1.severity, 'error');
    assert.equal(w1.line, bugLine);
    // Clicking the problem takes the user to the mistake; the screenshot shows it beside the verdict.
    await workbench.page.locator('.markers-panel .monaco-list-row', { hasText: 'W1' }).first().dblclick();
    await workbench.screenshot('e2e-buggy-backward-check');
  });

  it('a check that takes a while shows how far it has come in its progress notification', async () => {
    await workbench.openFile('slow-check.ts');
    await workbench.waitForCodeLens('Check gradients');
    await workbench.clickCodeLens('Check gradients');
    const toast = workbench.page.locator('.notification-list-item', { hasText: /\d+ of 144 compared/ });
    await toast.first().waitFor({ timeout: 30_000 });
    await workbench.screenshot('e2e-check-progress');
    assert.match((await workbench.notifications()).join(' | '), /checking gradients of slow/);
    await workbench.waitForCodeLens(/✓ max rel err/, 120_000);
  });
});
