/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// What a reviewer met in a real VS Code (issue 5): focusing an op's rule or a model from the
// editor, the Mode box following the setting, the node tooltip's place, empty states that are not
// errors, the results table at panel width, and labels when the graph is zoomed out.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { resultsMessage } from '../../src/extension/panel/messages';
import { runFile } from '../../src/runner/index';
import type { ModelCheckResult } from '../../src/shared/workerProtocol';
import { fixture, graphDrawn, openPanel, type PanelPage, ROOT, screenshotPath, sendAll, useBrowser } from './harness';
import { applyTheme } from './themes';

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
const rectOf = (p: PanelPage, selector: string): Promise<Rect> =>
  p.page.$eval(selector, (e) => {
    const b = e.getBoundingClientRect();
    return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
  });
const overlaps = (a: Rect, b: Rect): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

type GraphMsg = { type: string; file: string; models: { name: string; graph: { nodes: unknown[] } }[] };

/** One file with two real traced models: the mlp and the cnn. */
function twoModelGraph(file: string): GraphMsg {
  const [mlp] = fixture('mlp.json') as [GraphMsg];
  const [cnn] = fixture('cnn.json') as [GraphMsg];
  return { type: 'graph/didChange', file, models: [mlp.models[0], cnn.models[0]] };
}

/** The number of text lines an element's text takes (distinct line boxes). */
function lineCounts(p: PanelPage, selector: string): Promise<{ text: string; lines: number }[]> {
  return p.page.$$eval(selector, (els) =>
    els
      .filter((e) => (e as HTMLElement).offsetParent !== null && e.textContent!.trim())
      .map((e) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        // Boxes on one line differ a little in top (an icon's alignment): a new line is a jump of
        // more than half a line.
        const half = parseFloat(getComputedStyle(e).fontSize) * 0.6;
        const tops = [...r.getClientRects()].filter((q) => q.width > 0).map((q) => q.top).sort((a, b) => a - b);
        const lines = tops.filter((t, i) => i === 0 || t - tops[i - 1] > half).length;
        return { text: e.textContent!.trim(), lines };
      }),
  );
}

describe('panel after review (issue 5)', function () {
  this.timeout(120_000);
  const browser = useBrowser();
  let fastMlp: unknown;
  before(async () => {
    // A real fast (vᵀJu) check of examples/mlp.ts: its rows carry the directional numbers.
    const r = await runFile({ fileName: path.join(ROOT, 'examples/mlp.ts'), task: 'check', options: { mode: 'fast' }, workers: 1 });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    const models = r.models as ModelCheckResult[];
    assert.ok(models[0].params.some((c) => c.directional), 'the fast check gave no directional numbers');
    fastMlp = resultsMessage('examples/mlp.ts', models).models[0];
  });

  it('"Show in the derivative table" clears the filter and scrolls to the op\'s rule, marked and focused', async () => {
    const p = await openPanel(browser, { width: 480, height: 600 });
    // The focus may arrive before the rules: it waits for them.
    await p.send({ type: 'view/focus', view: 'table', target: 'crossEntropy' });
    await sendAll(p, fixture('mlp.json'));
    await p.page.waitForSelector('.rule[data-focused]');
    assert.equal(await p.page.locator('.rule[data-focused]').getAttribute('data-rule-id'), 'op.crossEntropy');
    // Now a filter that hides the rule, and "only this model's rules" on: the link must undo both.
    await p.page.locator('vscode-textfield.filter').click();
    await p.page.keyboard.type('trace');
    await p.page.locator('#only-used').check();
    await p.page.waitForFunction(() => document.querySelector('.rule[data-rule-id="op.sigmoid"]')?.hasAttribute('hidden'));
    await p.page.locator('vscode-tab-header[data-view="graph"]').click();
    await p.send({ type: 'view/show', view: 'table' });
    await p.send({ type: 'view/focus', view: 'table', target: 'sigmoid' });
    await p.page.waitForFunction(() => document.activeElement?.getAttribute('data-rule-id') === 'op.sigmoid');
    assert.equal(await p.page.locator('vscode-textfield.filter').evaluate((e) => (e as HTMLInputElement).value), '');
    assert.equal(await p.page.locator('#only-used').isChecked(), false);
    assert.equal(await p.page.locator('.rule[data-focused]').count(), 1);
    const card = await rectOf(p, '.rule[data-rule-id="op.sigmoid"]');
    const panel = await rectOf(p, 'vscode-tab-panel[data-view="table"]');
    assert.ok(card.top >= panel.top && card.bottom <= panel.bottom, `the rule is not scrolled into view: ${JSON.stringify({ card, panel })}`);
    const outline = await p.page.$eval('.rule[data-focused]', (e) => getComputedStyle(e).outlineStyle);
    assert.equal(outline, 'solid');
    assert.deepEqual(p.problems, []);
    await p.page.screenshot({ path: screenshotPath('webview-table-focus.png') });
  });

  it('"Show graph" on one model of a file with several shows that model, even when its graph arrives later', async () => {
    const p = await openPanel(browser);
    const file = '/w/two.ts';
    const two = twoModelGraph(file);
    // A graph of another file is on screen when the focus comes: it must not be applied to it.
    const [other] = fixture('cnn.json') as [GraphMsg];
    await p.send(other);
    await graphDrawn(p);
    await p.send({ type: 'view/focus', view: 'graph', target: 'cnn', file });
    await p.send(two);
    await p.page.waitForFunction((n) => document.querySelectorAll('.node').length === n && (document.querySelector('.model-picker') as HTMLSelectElement).value === '1', two.models[1].graph.nodes.length);
    // Then back to the first model while its file is shown.
    await p.send({ type: 'view/focus', view: 'graph', target: 'mlp', file });
    await p.page.waitForFunction((n) => document.querySelectorAll('.node').length === n && (document.querySelector('.model-picker') as HTMLSelectElement).value === '0', two.models[0].graph.nodes.length);
    assert.deepEqual(p.problems, []);
  });

  it('"Show results" scrolls to that model\'s results', async () => {
    const p = await openPanel(browser, { width: 480, height: 420, state: { view: 'results' } });
    const [, buggy] = fixture('buggy.json') as [unknown, { models: unknown[] }];
    await p.send({ type: 'view/focus', view: 'results', target: 'mlp', file: 'examples/two.ts' });
    await p.send({ type: 'results/didChange', file: 'examples/two.ts', models: [buggy.models[0], fastMlp] });
    await p.page.waitForSelector('.model-result[data-model="mlp"][data-focused]');
    await p.page.waitForFunction(() => document.activeElement?.getAttribute('data-model') === 'mlp');
    const section = await rectOf(p, '.model-result[data-model="mlp"] h2');
    const toolbar = await rectOf(p, '.results-view .toolbar');
    const panel = await rectOf(p, 'vscode-tab-panel[data-view="results"]');
    // Scrolled to: its heading is below the sticky toolbar and on screen.
    assert.ok(section.top >= toolbar.bottom - 1 && section.bottom <= panel.bottom, JSON.stringify({ section, toolbar, panel }));
    assert.deepEqual(p.problems, []);
  });

  it('the Mode box shows the gradlens.mode setting and Re-run uses it', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const select = p.page.locator('vscode-single-select.mode-select');
    assert.equal(await select.evaluate((e) => (e as HTMLElement & { value: string }).value), 'auto');
    await p.send({ type: 'settings/didChange', mode: 'fast' });
    await p.page.waitForFunction(() => (document.querySelector('vscode-single-select.mode-select') as HTMLElement & { value: string }).value === 'fast');
    await p.page.locator('.run-button').click();
    let runs = (await p.posted()).filter((m) => m.type === 'check/run');
    assert.equal(runs.at(-1)?.mode, 'fast');
    // A changed setting follows; a malformed one is dropped and changes nothing.
    await p.send({ type: 'settings/didChange', mode: 'sampled' });
    await p.send({ type: 'settings/didChange', mode: 'turbo' });
    await p.page.waitForFunction(() => (document.querySelector('vscode-single-select.mode-select') as HTMLElement & { value: string }).value === 'sampled');
    await p.page.locator('.run-button').click();
    runs = (await p.posted()).filter((m) => m.type === 'check/run');
    assert.equal(runs.at(-1)?.mode, 'sampled');
  });

  for (const width of [1200, 450]) {
    it(`places the node tooltip beside the hovered or focused node, inside the canvas (${width} px)`, async () => {
      const p = await openPanel(browser, { width, height: 700 });
      await sendAll(p, fixture('mlp.json'));
      await graphDrawn(p);
      const ids = await p.page.$$eval('.node', (els) => els.map((e) => (e as SVGElement).dataset.nodeId!));
      const canvas = await rectOf(p, '.graph-canvas');
      let checked = 0;
      for (const id of ids) {
        const box = await rectOf(p, `.node[data-node-id="${id}"] .node-box`);
        // Only nodes on screen can be hovered.
        if (box.left < canvas.left || box.right > canvas.right || box.top < canvas.top || box.bottom > canvas.bottom) continue;
        await p.page.mouse.move((box.left + box.right) / 2, (box.top + box.bottom) / 2);
        await p.page.waitForSelector('.tooltip:not([hidden])');
        const tip = await rectOf(p, '.tooltip');
        const where = `${id}: node ${JSON.stringify(box)} tooltip ${JSON.stringify(tip)}`;
        assert.ok(!overlaps(tip, box), `covers its node: ${where}`);
        // Beside it (level with it), or, when the canvas is too narrow for that, just below or above it.
        const level = tip.top < box.bottom && box.top < tip.bottom;
        const inColumn = tip.left < box.right && box.left < tip.right;
        const gap = level ? (tip.left >= box.right ? tip.left - box.right : box.left - tip.right) : tip.top >= box.bottom ? tip.top - box.bottom : box.top - tip.bottom;
        assert.ok((level || inColumn) && gap >= 0 && gap <= 12, `not next to its node: ${where}`);
        if (width >= 1000) assert.ok(level, `not level with its node in a wide panel: ${where}`);
        assert.ok(tip.left >= canvas.left - 0.5 && tip.right <= canvas.right + 0.5 && tip.top >= canvas.top - 0.5, `outside the canvas: ${where}`);
        checked++;
      }
      assert.ok(checked >= 3, `only ${checked} nodes on screen`);
      // Keyboard focus places it the same way.
      await p.page.mouse.move(0, 0);
      await p.page.locator(`.node[data-node-id="${ids[0]}"]`).focus();
      await p.page.waitForSelector('.tooltip:not([hidden])');
      const box = await rectOf(p, `.node[data-node-id="${ids[0]}"] .node-box`);
      const tip = await rectOf(p, '.tooltip');
      assert.ok(!overlaps(tip, box), `focus: ${JSON.stringify({ box, tip })}`);
      if (width === 450) await p.page.screenshot({ path: screenshotPath('webview-tooltip-450.png') });
    });
  }

  it('shows empty and off states as information, not as errors; real errors stay red', async () => {
    const p = await openPanel(browser, { width: 450, height: 500 });
    await applyTheme(p, 'dark');
    const visibleErrors = () => p.page.locator('.banner-error:not([hidden])').count();
    const infoText = () => p.page.locator('.graph-view .banner-info').textContent();
    // Nothing yet: said over the canvas (the legend side is closed at this width).
    assert.match((await infoText()) ?? '', /Open a model file/);
    assert.equal(await p.page.locator('.graph-view .banner-info .codicon-info').count(), 1);
    await p.send({ type: 'graph/didChange', file: '/w/mlp.ts', models: [], notice: 'The graph runs your model code, so it is off in Restricted Mode. Trust this workspace to see it.' });
    await p.page.waitForFunction(() => /Restricted Mode/.test(document.querySelector('.graph-view .notice:not([hidden])')?.textContent ?? ''));
    assert.equal(await visibleErrors(), 0);
    const colours = await p.page.$eval('.graph-view .banner-info', (e) => ({ border: getComputedStyle(e).borderLeftColor, icon: getComputedStyle(e.querySelector('.codicon')!).color }));
    // The theme's info colour and quote border, not the error colour (#f85149).
    assert.equal(colours.icon, 'rgb(55, 148, 255)');
    assert.equal(colours.border, 'rgb(97, 97, 97)');
    await p.page.screenshot({ path: screenshotPath('webview-restricted-dark.png') });
    await p.send({ type: 'graph/didChange', file: '/w/empty.ts', models: [], error: { kind: 'no-model', message: 'This file defines no model: call defineModel({ inputs, params, forward }) to define one.', line: 1, column: 1 } });
    await p.page.waitForFunction(() => /defines no model/.test(document.querySelector('.graph-view .notice:not([hidden])')?.textContent ?? ''));
    assert.equal(await visibleErrors(), 0);
    // A syntax error is an error.
    await p.send({ type: 'graph/didChange', file: '/w/empty.ts', models: [], error: { kind: 'syntax', message: "';' expected.", line: 3, column: 1 } });
    await p.page.waitForSelector('.graph-view .banner-error:not([hidden])');
    assert.equal(await p.page.locator('.graph-view .notice:not([hidden])').count(), 0);
    // Results: Restricted Mode and "no check yet" are information too.
    await p.page.locator('vscode-tab-header[data-view="results"]').click();
    assert.match((await p.page.locator('.results-body .banner-info').textContent()) ?? '', /No check has run/);
    await p.send({ type: 'results/didChange', file: '/w/mlp.ts', models: [], notice: 'Checks run your model code, so they are off in Restricted Mode. Trust this workspace to run them.' });
    await p.page.waitForFunction(() => /off in Restricted Mode/.test(document.querySelector('.results-body .banner-info')?.textContent ?? ''));
    assert.equal(await p.page.locator('.results-body .banner-error').count(), 0);
    assert.deepEqual(p.problems, []);
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`keeps numbers whole, the vᵀJu cell on one line and the check controls on one row at 450 px (${theme})`, async () => {
      const [, buggy] = fixture('buggy.json') as [unknown, { models: unknown[] }];
      for (const width of [450, 640, 900]) {
        const p = await openPanel(browser, { width, height: 800, state: { view: 'results' } });
        await applyTheme(p, theme);
        await p.send({ type: 'results/didChange', file: 'examples/mlp.ts', models: [fastMlp, buggy.models[0]] });
        await p.page.waitForSelector('.model-result[data-model="mlp"]');
        // Every cell of these rows (numbers, indices, the vᵀJu note; no error texts here) is one line.
        for (const sel of ['.result-table tbody tr:not(.blame-row) td', '.result-table .directional']) {
          for (const c of await lineCounts(p, sel)) assert.equal(c.lines, 1, `${width} px: "${c.text}" (${sel}) takes ${c.lines} lines`);
        }
        // The fast check's directional numbers are shown at every width (in the worst-element
        // columns when the note column is folded away).
        const row = await p.page.locator('.model-result[data-model="mlp"] tr[data-name="W1"]').first().locator('td').allTextContents();
        const w1 = (fastMlp as { params: { name: string; directional: { analytic: number; numeric: number } }[] }).params.find((c) => c.name === 'W1')!;
        assert.ok(row.includes(String(Number(w1.directional.analytic.toPrecision(4)))) || row.some((t) => t.includes(w1.directional.analytic.toExponential(2).replace('e+', 'e'))), `${width} px: W1 row ${row.join(' | ')}`);
        // Mode, its box, Re-run and Cancel on one row.
        const tops = await Promise.all(['.mode-label', 'vscode-single-select.mode-select', '.run-button', '.cancel-button'].map(async (s) => (await rectOf(p, s))));
        const mid = (r: Rect) => (r.top + r.bottom) / 2;
        for (const r of tops) assert.ok(Math.abs(mid(r) - mid(tops[0])) < 6, `${width} px: the controls are not on one row: ${JSON.stringify(tops)}`);
        // Nothing overflows sideways.
        assert.equal(await p.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
        if (width === 450) await p.page.screenshot({ path: screenshotPath(`webview-results-450-${theme}.png`), fullPage: true });
        await p.page.close();
      }
    });
  }

  it('hides edge shapes when zoomed out and keeps layer labels legible', async () => {
    const p = await openPanel(browser, { width: 900, height: 700 });
    await sendAll(p, fixture('cnn.json'));
    await graphDrawn(p);
    const zoomTo = (k: number) =>
      p.page.evaluate((target) => {
        const g = (window as unknown as { gradlens: { graph: { zoomBy(f: number): void } } }).gradlens.graph;
        const now = Number(/scale\(([\d.]+)\)/.exec(document.querySelector('.viewport')!.getAttribute('transform') ?? '')?.[1]);
        g.zoomBy(target / now);
      }, k);
    const visibleEdgeLabels = () => p.page.$$eval('.edge-label', (els) => els.filter((e) => getComputedStyle(e).display !== 'none').length);
    const groupLabelHeights = () => p.page.$$eval('.group-label, .kind-collapsed-group .node-label', (els) => els.map((e) => e.getBoundingClientRect().height));
    await zoomTo(1);
    assert.ok((await visibleEdgeLabels()) > 0);
    await zoomTo(0.3);
    assert.equal(await visibleEdgeLabels(), 0);
    const heights = await groupLabelHeights();
    assert.ok(heights.length > 0, 'the cnn has no layer labels');
    // A 10 px font has a line box of about 11–13 px; at 0.3× an unscaled 11 px label would be ~4 px.
    for (const hgt of heights) assert.ok(hgt >= 9, `a layer label is ${hgt.toFixed(1)} px tall at 0.3×`);
    await p.page.screenshot({ path: screenshotPath('webview-graph-zoomed-out.png') });
    // Collapsed layers too.
    await p.page.locator('button[title="Collapse all layers"]').click();
    await p.page.waitForSelector('.kind-collapsed-group');
    await zoomTo(0.3);
    for (const hgt of await groupLabelHeights()) assert.ok(hgt >= 9, `a collapsed layer's label is ${hgt.toFixed(1)} px tall at 0.3×`);
    await p.page.screenshot({ path: screenshotPath('webview-graph-zoomed-out-collapsed.png') });
    await zoomTo(0.6);
    assert.ok((await visibleEdgeLabels()) > 0);
    assert.deepEqual(p.problems, []);
  });
});
