/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// The standalone report: one HTML file built from real runs of the examples, opened from disk in
// Chromium with no network; it must show the same graph, results and table as the panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { runFile } from '../../src/runner/index';
import { renderReport } from '../../src/report/standalone';
import { verifyRules } from '../../src/rules/verify';
import type { ModelCheckResult, ModelGraphResult } from '../../src/shared/workerProtocol';
import { ROOT, screenshotPath, useBrowser } from './harness';

describe('standalone report', function () {
  this.timeout(90_000);
  const browser = useBrowser();
  let file: string;
  before(async () => {
    const graphs = [];
    const results = [];
    for (const example of ['examples/buggy-backward.ts', 'examples/cnn.ts']) {
      const g = await runFile({ fileName: path.join(ROOT, example), task: 'graph', workers: 1 });
      const c = await runFile({ fileName: path.join(ROOT, example), task: 'check', workers: 1 });
      assert.ok(g.ok && c.ok);
      graphs.push({ file: example, models: g.models as ModelGraphResult[] });
      results.push({ file: example, models: c.models as ModelCheckResult[] });
    }
    file = screenshotPath('report-examples.html');
    fs.writeFileSync(file, renderReport({ graphs, results, rules: verifyRules(0), view: 'graph' }));
  });

  it('is one file that loads nothing from the network and shows the graph, results and table', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(pathToFileURL(file).toString());
    await page.waitForSelector('.node');
    // Nothing but the file itself (and data: URLs, which are not requests over a network).
    assert.deepEqual(requests.filter((u) => !u.startsWith('data:')), [pathToFileURL(file).toString()]);
    assert.deepEqual(problems, []);
    // Two files: models are prefixed by file and picked in the toolbar.
    const options = await page.locator('.model-picker option').allTextContents();
    assert.deepEqual(options, ['buggy-backward.ts: buggyMlp', 'cnn.ts: cnn']);
    // W1's hand-written backward is wrong (its autograd gradient passes): marked as such.
    await page.waitForSelector('.node.err-manual');
    assert.deepEqual(await page.locator('.node.err-manual .node-label').allTextContents(), ['W1']);
    assert.equal(await page.locator('.node.err-fail').count(), 0);
    await page.screenshot({ path: screenshotPath('report-graph.png') });

    await page.locator('vscode-tab-header[data-view="results"]').click();
    assert.equal(await page.locator('.model-result').count(), 2);
    assert.equal(await page.locator('.model-result.verdict-fail').getAttribute('data-model'), 'buggy-backward.ts: buggyMlp');
    // No re-run or cancel in a report: nothing would answer them.
    assert.equal(await page.locator('.results-view .toolbar').isVisible(), false);
    // Nor editor links: the located mistake's line is plain text.
    assert.equal(await page.locator('.blame-row .link-button').count(), 0);
    assert.match((await page.locator('.blame-row .line-ref').textContent()) ?? '', /^line \d+$/);

    await page.locator('vscode-tab-header[data-view="table"]').click();
    const rules = await page.locator('.rule').count();
    assert.ok(rules >= 70);
    assert.equal(await page.locator('.rule[data-status="pass"]').count(), rules);
    assert.equal(await page.locator('.rule math').count() >= rules, true);
    await page.screenshot({ path: screenshotPath('report-table.png') });
  });

  it('escapes what it embeds: a model name cannot close the data block', () => {
    const html = renderReport({ graphs: [{ file: 'x.ts', models: [{ name: '</script><script>alert(1)</script>', graph: { nodes: [], edges: [], groups: [] } }] }] });
    const data = html.slice(html.indexOf('id="gradlens-data">'), html.indexOf('</script>', html.indexOf('id="gradlens-data">')));
    assert.ok(data.includes('\\u003c/script>\\u003cscript>alert(1)'), 'the name is embedded with < escaped');
    assert.equal(html.match(/<script/g)?.length, 2, 'exactly the data block and the bundle');
  });
});
