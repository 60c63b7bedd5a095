/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// The standalone report obeys no other page: a window that opened (or framed) the file cannot
// post it new graphs, results or views. Its data is its embedded block.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { renderReport, reportMessages } from '../../src/report/standalone';
import type { ModelGraphResult } from '../../src/shared/workerProtocol';
import { screenshotPath, useBrowser } from './harness';

const model = (name: string): ModelGraphResult => ({ name, graph: { nodes: [{ id: 'n0', kind: 'input', name: 'x', shape: [2] }], edges: [], groups: [] } });
const pickerOptions = (page: Page): Promise<string[]> => page.locator('.model-picker option').allTextContents();
const shownView = (page: Page): Promise<string | undefined> => page.evaluate(() => document.body.dataset.view);

describe('standalone report: messages from other pages', function () {
  this.timeout(60_000);
  const browser = useBrowser();
  let file: string;
  // A valid message, as the extension would send it: a graph of other models, then another view.
  const injected = [...reportMessages({ graphs: [{ file: 'evil.ts', models: [model('INJECTED-1'), model('INJECTED-2')] }] }).filter((m) => m.type === 'graph/didChange'), { type: 'view/show', view: 'table' }];

  before(() => {
    file = screenshotPath('report-messages.html');
    fs.writeFileSync(file, renderReport({ graphs: [{ file: 'x.ts', models: [model('alpha'), model('beta')] }], view: 'graph' }));
  });

  it('ignores what the page that opened it posts, and still takes its own window\'s messages', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript({ content: 'window.__name = (f) => f;' });
      await page.goto(pathToFileURL(file).toString());
      await page.waitForSelector('.model-picker option', { state: 'attached' });
      assert.deepEqual(await pickerOptions(page), ['alpha', 'beta']);
      assert.equal(await shownView(page), 'graph');

      // Another page holding a reference to the report (here: one the report's window opened).
      const [other] = await Promise.all([context.waitForEvent('page'), page.evaluate(() => void window.open('about:blank', 'other'))]);
      await other.evaluate((messages) => {
        for (const m of messages) (window.opener as Window).postMessage(m, '*');
      }, injected);
      await page.waitForTimeout(500);
      assert.deepEqual(await pickerOptions(page), ['alpha', 'beta'], 'the graph is the report\'s own');
      assert.equal(await shownView(page), 'graph', 'and so is the view');

      // The same messages from the report's own window are taken: the listener is there, it checks the sender.
      await page.evaluate((messages) => {
        for (const m of messages) window.postMessage(m, '*');
      }, injected);
      await page.waitForFunction(() => document.body.dataset.view === 'table');
      assert.deepEqual(await pickerOptions(page), ['INJECTED-1', 'INJECTED-2']);
    } finally {
      await context.close();
    }
  });
});
