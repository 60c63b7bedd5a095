/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// The derivative table in headless Chromium: KaTeX MathML, the filter, this model's rules, and
// verification badges, including a failing rule, which must be visible as failing.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { verifyRules } from '../../src/rules/verify';
import { fixture, openPanel, type PanelPage, screenshotPath, sendAll, useBrowser } from './harness';

async function openTable(browser: Browser): Promise<PanelPage> {
  const p = await openPanel(browser);
  await sendAll(p, fixture('mlp.json'));
  await p.page.locator('vscode-tab-header[data-view="table"]').click();
  await p.page.waitForSelector('.rule');
  return p;
}

const visibleRuleIds = (p: PanelPage): Promise<string[]> => p.page.$$eval('.rule:not([hidden])', (els) => els.map((e) => (e as HTMLElement).dataset.ruleId!));

describe('derivative table view', function () {
  this.timeout(60_000);
  const browser = useBrowser();

  it('renders every rule as MathML, states the layout convention, and asks for verification when opened', async () => {
    const p = await openTable(browser);
    const [, table] = fixture('mlp.json') as [unknown, { rules: unknown[] }];
    assert.equal(await p.page.locator('.rule').count(), table.rules.length);
    assert.ok(table.rules.length >= 30);
    // Every card has MathML from KaTeX (output: 'mathml'), and no KaTeX HTML fallback.
    const withMath = await p.page.$$eval('.rule', (els) => els.filter((e) => e.querySelector('math semantics annotation[encoding="application/x-tex"]')).length);
    assert.equal(withMath, table.rules.length);
    assert.equal(await p.page.locator('.katex-html').count(), 0);
    assert.equal(await p.page.locator('.katex-error').count(), 0, 'a formula failed to parse');
    const softmax = await p.page.locator('.rule[data-rule-id="vv.softmax"] .rule-grad annotation').textContent();
    assert.equal(softmax, '\\frac{\\partial s}{\\partial z} = \\operatorname{diag}(s) - s s^\\top');
    assert.match((await p.page.locator('.convention').textContent()) ?? '', /the gradient of a scalar with respect to a variable has the shape of that variable/);
    const asked = (await p.posted()).filter((m) => m.type === 'table/verify');
    assert.equal(asked.length, 1);
    assert.equal(typeof asked[0].id, 'number');
    assert.deepEqual(p.problems, []);
  });

  it('filters by text and highlights the rules of the ops the model uses', async () => {
    const p = await openTable(browser);
    const all = (await visibleRuleIds(p)).length;
    await p.page.locator('vscode-textfield.filter').click();
    await p.page.keyboard.type('softmax');
    await p.page.waitForFunction((n) => document.querySelectorAll('.rule:not([hidden])').length < n, all);
    const shown = await visibleRuleIds(p);
    assert.ok(shown.includes('vv.softmax') && shown.includes('loss.softmaxCE') && shown.includes('op.softmax'), shown.join());
    assert.ok(!shown.includes('sm.logdet'));
    // Every shown rule mentions softmax somewhere in its text or LaTeX.
    for (const id of shown) assert.match((await p.page.locator(`.rule[data-rule-id="${id}"]`).getAttribute('data-search')) ?? '', /softmax/);
    await p.page.keyboard.type(' nomatchxyz');
    await p.page.waitForSelector('.rule-list + p:not([hidden])');
    assert.equal((await visibleRuleIds(p)).length, 0);
    // The mlp uses matmul, transpose, sigmoid and crossEntropy: their rules are marked.
    const used = await p.page.$$eval('.rule[data-used]', (els) => els.map((e) => (e as HTMLElement).dataset.ruleId));
    for (const id of ['op.matmul', 'op.sigmoid', 'op.crossEntropy', 'vv.sigmoid', 'loss.softmaxCE']) assert.ok(used.includes(id), `${id} not highlighted`);
    assert.ok(!used.includes('op.conv2d'));
  });

  it('shows the verification badges: real results pass, a failing rule is marked as failing, never hidden', async () => {
    const p = await openTable(browser);
    const asked = (await p.posted()).find((m) => m.type === 'table/verify')!;
    // The real verification of every rule, with one result turned into a failure, as a wrong formula would give.
    const results = verifyRules(0).map((r) => (r.id === 'sm.traceXtAX' ? { ...r, passed: false, maxAbsError: 3.2 } : r));
    await p.send({ type: 'reply', id: asked.id, ok: true, result: results });
    await p.page.waitForSelector('.rule[data-status="fail"]');
    const failing = p.page.locator('.rule[data-status="fail"]');
    assert.equal(await failing.count(), 1);
    assert.equal(await failing.getAttribute('data-rule-id'), 'sm.traceXtAX');
    assert.match((await failing.locator('.badge').textContent()) ?? '', /FAILS: max err 3\.2/);
    assert.match((await p.page.locator('.table-summary').textContent()) ?? '', /1 failing/);
    assert.equal(await p.page.locator('.rule[data-status="pass"]').count(), results.length - 1);
    assert.match((await p.page.locator('.rule[data-rule-id="sv.quadratic"] .badge').textContent()) ?? '', /max err \d\.\d+e-\d+/);
    // A filter that excludes it hides the card but the summary still counts the failure.
    await p.page.locator('vscode-textfield.filter').click();
    await p.page.keyboard.type('sigmoid');
    await p.page.waitForFunction(() => document.querySelector('.rule[data-rule-id="sm.traceXtAX"]')?.hasAttribute('hidden'));
    assert.match((await p.page.locator('.table-summary').textContent()) ?? '', /1 failing/);
    await p.page.keyboard.press('Control+A');
    await p.page.keyboard.press('Backspace');
    await failing.scrollIntoViewIfNeeded();
    await p.page.screenshot({ path: screenshotPath('webview-table-failing.png') });
    await p.page.evaluate(() => window.scrollTo(0, 0));
    await p.page.locator('vscode-tab-panel[data-view="table"]').evaluate((e) => e.scrollTo(0, 0));
    await p.page.screenshot({ path: screenshotPath('webview-table.png') });
  });
});
