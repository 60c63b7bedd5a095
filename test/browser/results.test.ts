/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// The results view in headless Chromium, on the real check of examples/buggy-backward.ts (its
// hand-written backward for W1 is wrong) and examples/custom-op.ts (a custom op).
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, openPanel, ROOT, screenshotPath, sendAll, useBrowser } from './harness';
import { resultsMessage } from '../../src/extension/panel/messages';
import { type ModelCheckResult, ModelCheckResultSchema, read, unrunResult } from '../../src/shared/checkResult';

/** A fixture's model as the extension holds it (the fixtures are the JSON the panel receives). */
function decoded(wire: unknown): ModelCheckResult {
  const r = read(ModelCheckResultSchema, wire);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.invalid));
  return r.value;
}

/** What VS Code's postMessage does to a message: JSON (NaN and Infinity would become null). */
const asJson = (msg: unknown): unknown => JSON.parse(JSON.stringify(msg));

/** A value as the tables show it: 4 significant digits, 3 in exponent form below 1e-3. */
const shown = (x: number): number => (Math.abs(x) < 1e-3 ? Number(x.toExponential(2)) : Number(x.toPrecision(4)));

interface Check { name: string; passed: boolean; maxAbsError: number; worst: { index: number[]; analytic: number; numeric: number } }

describe('results view', function () {
  this.timeout(60_000);
  const browser = useBrowser();

  it('shows the failing parameter with its worst element, both values and the Taylor slope', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const messages = fixture('buggy.json');
    await sendAll(p, messages);
    await p.page.waitForSelector('.model-result');
    const model = (messages[1] as { models: { name: string; manual: Check[]; taylorSlope: number }[] }).models[0];
    const bad = model.manual.find((c) => !c.passed)!;
    assert.equal(await p.page.locator('.model-result .verdict').textContent(), 'FAILS');
    const row = p.page.locator('.result-table', { hasText: 'Hand-written backward' }).locator(`tr.row-fail[data-name="${bad.name}"]`);
    assert.equal(await row.count(), 1);
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[2], 'FAIL');
    assert.equal(cells[5], `[${bad.worst.index.join(', ')}]`);
    assert.equal(Number(cells[6]), shown(bad.worst.analytic));
    assert.equal(Number(cells[7]), shown(bad.worst.numeric));
    assert.equal(Number(cells[3]), shown(bad.maxAbsError));
    // The autograd table passes for the same parameter: the bug is in the hand-written backward.
    assert.equal(await p.page.locator('.result-table', { hasText: 'Autograd vs numeric' }).locator('tr.row-fail').count(), 0);
    assert.match((await p.page.locator('.taylor').textContent()) ?? '', new RegExp(`Taylor slope ${Number(model.taylorSlope.toPrecision(4))}`));
    assert.deepEqual(p.problems, []);
    await p.page.screenshot({ path: screenshotPath('webview-results-buggy.png') });
  });

  it('shows where the hand-written backward goes wrong, and its "line N" link reveals that line', async () => {
    const p = await openPanel(browser, { width: 500, state: { view: 'results' } });
    const messages = fixture('buggy.json');
    await sendAll(p, messages);
    await p.page.waitForSelector('.blame-row');
    const model = (messages[1] as { models: { manual: (Check & { blame?: { message: string }; blameLoc?: { file: string; line: number; column: number } })[]; backwardLoc: { line: number } }[] }).models[0];
    const bad = model.manual.find((c) => c.blame)!;
    const row = p.page.locator(`.blame-row[data-blame-for="${bad.name}"]`);
    assert.equal(await p.page.locator('.blame-row').count(), 1); // only the failing parameter has one
    assert.ok(((await row.textContent()) ?? '').includes(bad.blame!.message));
    const link = row.locator('.link-button');
    assert.equal(await link.textContent(), `line ${bad.blameLoc!.line}`);
    // The located line is the one the example marks as the bug (independent truth: the file itself).
    const source = fs.readFileSync(path.join(ROOT, bad.blameLoc!.file), 'utf8').split('\n')[bad.blameLoc!.line - 1];
    assert.match(source, /BUG/);
    // Activated from the keyboard: it posts the graph's reveal message with that place.
    await link.focus();
    await p.page.keyboard.press('Enter');
    const reveal = (await p.posted()).filter((m) => m.type === 'graph/revealNode');
    assert.equal(reveal.length, 1);
    assert.deepEqual(reveal[0].loc, bad.blameLoc);
    // The heading links to the hand-written backward itself.
    await p.page.locator('.result-table h3 .link-button').click();
    const second = (await p.posted()).filter((m) => m.type === 'graph/revealNode')[1];
    assert.equal((second.loc as { line: number }).line, model.backwardLoc.line);
    assert.deepEqual(p.problems, []);
    await p.page.screenshot({ path: screenshotPath('webview-results-blame-500.png') });
  });

  it('a results update whose blame location is malformed keeps that model\'s last readable results, marked', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const warnings: string[] = [];
    p.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    const [graph, results] = fixture('buggy.json') as [unknown, { models: { manual: Record<string, unknown>[] }[] }];
    await sendAll(p, [graph, results]);
    await p.page.waitForSelector('.blame-row .link-button');
    const tampered = { ...results, models: [{ ...results.models[0], manual: results.models[0].manual.map((c) => (c.blame ? { ...c, blameLoc: { file: 'x.ts', line: -3, column: 1 } } : c)) }] };
    await p.send(tampered);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(warnings.some((w) => w.includes('ignored a malformed message')), `console: ${warnings.join(' | ')}`);
    // The valid results are still there, link and all, marked as the previous ones.
    assert.equal(await p.page.locator('.blame-row .link-button').count(), 1);
    assert.equal(await p.page.locator('.model-result[data-stale]').count(), 1);
    assert.match((await p.page.locator('.model-result[data-stale] .banner.stale').textContent()) ?? '', /previous results.*manual\.\d\.blameLoc\.line/);
  });

  it('a model that did not run shows its error, and no mode or loss it never had', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const stuck = unrunResult('stuck', { kind: 'timeout', message: 'Stopped at the time limit of 30 s while checking this model.', file: 'examples/x.ts', line: 7, column: 22 });
    await p.send(asJson(resultsMessage('examples/x.ts', [stuck])));
    const section = p.page.locator('.model-result[data-model="stuck"]');
    await section.waitFor();
    assert.match((await section.locator('.verdict').textContent()) ?? '', /did not run/);
    assert.match((await section.locator('.banner-error').textContent()) ?? '', /time limit of 30 s/);
    assert.equal(((await section.locator('.facts').textContent()) ?? '').trim(), '');
    assert.deepEqual(p.problems, []);
  });

  it('shows a NaN loss and an infinite error by name, and the other models when one model entry is malformed', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const warnings: string[] = [];
    p.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    const buggy = decoded((fixture('buggy.json')[1] as { models: unknown[] }).models[0]);
    const swish = decoded((fixture('custom-op.json')[1] as { models: unknown[] }).models[0]);
    // A model whose loss is NaN and whose first parameter's error is infinite, as a broken forward gives.
    const broken: ModelCheckResult = { ...buggy, name: 'nanLoss', loss: NaN, params: buggy.params.map((c, i) => (i === 0 ? { ...c, passed: false, maxAbsError: Infinity } : c)) };
    const msg = asJson(resultsMessage('examples/mixed.ts', [broken, swish])) as { models: unknown[] };
    // …and between them an entry the panel cannot read.
    msg.models.splice(1, 0, { ...(msg.models[1] as object), name: 'garbled', params: 'lots' });
    await p.send(msg);
    await p.page.waitForSelector('.model-result[data-model="swishNet"]');
    const nan = p.page.locator('.model-result[data-model="nanLoss"]');
    assert.match((await nan.locator('.facts').textContent()) ?? '', /loss NaN/);
    const w = broken.params[0];
    const cells = await nan.locator('.result-table', { hasText: 'Autograd vs numeric' }).locator(`tr[data-name="${w.name}"] td`).allTextContents();
    assert.equal(cells[3], '∞');
    // The other models are all there, in their order, the unreadable one marked in its place.
    assert.deepEqual(await p.page.locator('.model-result').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.model, e.hasAttribute('data-unreadable')])), [
      ['nanLoss', false],
      ['garbled', true],
      ['swishNet', false],
    ]);
    assert.match((await p.page.locator('.model-result[data-unreadable]').textContent()) ?? '', /could not be read.*at params: /);
    assert.equal(await p.page.locator('.model-result[data-model="swishNet"] .result-table', { hasText: 'Custom ops' }).locator('tr[data-name="swish"]').count(), 1);
    assert.ok(warnings.some((t) => t.includes('ignored a malformed message entry') && t.includes("'garbled'") && t.includes('params')), warnings.join(' | '));
    assert.deepEqual(p.problems, []);
    await p.page.screenshot({ path: screenshotPath('webview-results-unreadable.png'), fullPage: true });
  });

  it('each row says how it was judged (method, noise floor, the decider of a failure); the verdict line its decider; both Taylor slopes', async () => {
    const p = await openPanel(browser, { width: 1300, state: { view: 'results' } });
    const [graph, results] = fixture('buggy.json') as [unknown, { models: unknown[] }];
    // Without the optional fields (as a checker that measures no noise floor gives them).
    const bare = <T extends ModelCheckResult['params'][number]>({ noiseFloor: _n, decidedBy: _d, ...c }: T) => c;
    const real = decoded(results.models[0]);
    const plain: ModelCheckResult = { ...real, decidedBy: undefined, params: real.params.map(bare), manual: real.manual!.map(bare) };
    await sendAll(p, [graph, asJson(resultsMessage('examples/buggy-backward.ts', [plain]))]);
    await p.page.waitForSelector('.model-result');
    // The method alone, no decider.
    const methods = await p.page.locator('.result-table td.col-method').allTextContents();
    assert.deepEqual(methods, [...plain.params, ...plain.manual!].map((c) => c.method));
    assert.equal(await p.page.locator('.decided-by').count(), 0);
    const taylor = `${await p.page.locator('.taylor').textContent()}${await p.page.locator('.taylor-manual').textContent()}`;
    assert.equal(taylor, ` · Taylor slope ${Number(plain.taylorSlope!.toPrecision(4))} for autograd (≈ 2: gradient consistent) · ${Number(plain.manualTaylorSlope!.toPrecision(4))} for the hand-written backward (≉ 2: gradient suspect)`);

    // With them, as the checker gives them when it measures its noise floor and names the decider.
    const mark = <T extends ModelCheckResult['params'][number]>(c: T): T => ({ ...c, noiseFloor: 2.5e-10, decidedBy: c.passed ? 'tolerance' : 'noise' });
    const judged: ModelCheckResult = { ...plain, decidedBy: 'noise', params: plain.params.map(mark), manual: plain.manual!.map(mark) };
    await p.send(asJson(resultsMessage('examples/buggy-backward.ts', [judged])));
    await p.page.waitForSelector('.noise-floor');
    const bad = judged.manual!.find((c) => !c.passed)!;
    const good = judged.params[0];
    const cellOf = (table: string, name: string) => p.page.locator('.result-table', { hasText: table }).locator(`tr[data-name="${name}"] td.col-method`).textContent();
    assert.equal(await cellOf('Hand-written backward', bad.name), `${bad.method} · noise 2.50e-10 · decided by the noise floor`);
    assert.equal(await cellOf('Autograd vs numeric', good.name), `${good.method} · noise 2.50e-10`);
    assert.equal(await p.page.locator('.model-result h2 .decided-by').textContent(), 'decided by the noise floor');
    assert.equal(await p.page.locator('.model-result .verdict').textContent(), 'FAILS');
    // The tooltip spells the method out, as the Problems panel does.
    assert.match((await p.page.locator('.result-table td.col-method').first().getAttribute('title')) ?? '', /numeric|autograd/);
    assert.deepEqual(p.problems, []);
    await p.page.screenshot({ path: screenshotPath('webview-results-judged.png') });
  });

  it('lists custom ops and sends re-run (with the chosen mode) and cancel requests', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    await sendAll(p, fixture('custom-op.json'));
    await p.page.waitForSelector('.result-table');
    assert.equal(await p.page.locator('.result-table', { hasText: 'Custom ops' }).locator('tr.row-pass[data-name="swish"]').count(), 1);
    // An op row says how it was judged, as a parameter's does.
    const opCell = () => p.page.locator('.result-table', { hasText: 'Custom ops' }).locator('tr[data-name="swish"] td.col-method').textContent();
    const swish = decoded((fixture('custom-op.json')[1] as { models: unknown[] }).models[0]);
    const op = swish.ops.find((o) => o.name === 'swish')!;
    assert.equal(op.method, 'exact', "the swish op's backward is compared with autograd through its own forward");
    assert.equal(await opCell(), `exact · noise ${op.noiseFloor!.toExponential(2)}`);
    const judged: ModelCheckResult = { ...swish, passed: false, decidedBy: 'noise', ops: swish.ops.map((o) => ({ ...o, passed: false, method: 'exact', noiseFloor: 3.5e-12, decidedBy: 'noise' })) };
    await p.send(asJson(resultsMessage('examples/custom-op.ts', [judged])));
    await p.page.waitForSelector('.result-table tr.row-fail[data-name="swish"]');
    assert.equal(await opCell(), 'exact · noise 3.50e-12 · decided by the noise floor');
    // A failing op's located mistake is shown under its row, with a link to the line, as a model backward's is.
    const blamed: ModelCheckResult = { ...judged, ops: judged.ops.map((o) => ({ ...o, blame: { site: 'at backward (examples/custom-op.ts:12:20)', message: 'The gradient of x0 is wrong as this mul call returns it.' }, blameLoc: { file: 'examples/custom-op.ts', line: 12, column: 20 } })) };
    await p.send(asJson(resultsMessage('examples/custom-op.ts', [blamed])));
    const blameRow = p.page.locator('.blame-row[data-blame-for="op:swish"]');
    await blameRow.waitFor();
    assert.equal((await blameRow.textContent())?.trim(), 'line 12: The gradient of x0 is wrong as this mul call returns it.');
    await p.send(asJson(resultsMessage('examples/custom-op.ts', [swish])));
    await p.page.waitForSelector('.result-table tr.row-pass[data-name="swish"]');
    await p.page.locator('vscode-single-select.mode-select').evaluate((el) => ((el as HTMLElement & { value: string }).value = 'fast'));
    await p.page.locator('vscode-button.run-button').click();
    await p.send({ type: 'check/didChangeState', running: true, mode: 'fast' });
    await p.page.waitForSelector('.results-view[data-running="true"]');
    await p.page.locator('vscode-button.cancel-button').click();
    const sent = (await p.posted()).filter((m) => m.type === 'check/run' || m.type === 'check/cancel');
    assert.deepEqual(sent.map((m) => [m.type, m.mode]), [['check/run', 'fast'], ['check/cancel', undefined]]);
    assert.ok(sent.every((m) => typeof m.id === 'number'));
  });

  it("runs the second-order check from the Mode box, and labels a second-order result", async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const messages = fixture('custom-op.json');
    await sendAll(p, messages);
    await p.page.waitForSelector('.result-table');
    await p.page.locator('vscode-single-select.mode-select').evaluate((el) => ((el as HTMLElement & { value: string }).value = 'order2'));
    await p.page.locator('vscode-button.run-button').click();
    await p.send({ type: 'check/didChangeState', running: true, mode: 'auto' });
    await p.page.waitForSelector('.results-view[data-running="true"]');
    const sent = (await p.posted()).filter((m) => m.type === 'check/run');
    assert.deepEqual(sent.map((m) => [m.mode, m.order]), [['auto', 2]]);
    assert.equal(await p.page.locator('vscode-single-select.mode-select').evaluate((el) => (el as HTMLElement & { value: string }).value), 'order2', 'the box stays on second order');
    await p.send({ type: 'check/didChangeState', running: false, mode: 'auto' });
    const results = JSON.parse(JSON.stringify(messages[1])) as { models: Record<string, unknown>[] };
    results.models[0].order = 2;
    await p.send(results as never);
    await p.page.waitForSelector('.model-result :text("second order (H·v by double backward)")');
  });

  it('draws analytic, numeric and difference heatmaps for a small parameter from its element values', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    // The fixture carries W1's hand-written gradient and central differences, element by element.
    const messages = fixture('buggy-elements.json');
    const results = messages[1] as { models: { manual: (Check & { shape: number[]; elements: { analytic: number[]; numeric: number[] } })[] }[] };
    const bad = results.models[0].manual.find((c) => !c.passed)!;
    await sendAll(p, messages);
    await p.page.waitForSelector('.heatmaps');
    // One set per small parameter with values; the failing W1 is drawn from its hand-written gradient.
    assert.deepEqual(await p.page.locator('.heatmaps').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.param)), results.models[0].manual.map((c) => c.name));
    const maps = p.page.locator(`.heatmaps[data-param="${bad.name}"] .heatmap`);
    assert.equal(await maps.count(), 3);
    const size = bad.shape.reduce((a, b) => a * b, 1);
    assert.equal(await maps.first().locator('rect.cell').count(), size);
    // Cell k of the analytic map shows element k's value.
    const titles = await maps.first().locator('rect.cell title').allTextContents();
    bad.elements.analytic.forEach((v, k) => assert.match(titles[k], new RegExp(`= ${String(Number(v.toPrecision(4))).replace('.', '\\.').replace('-', '\\-')}`)));
    // The difference map is strongest where |analytic − numeric| is largest: that error is maxAbsError.
    const diffs = bad.elements.analytic.map((a, k) => Math.abs(a - bad.elements.numeric[k]));
    const strongest = diffs.indexOf(Math.max(...diffs));
    assert.ok(Math.abs(diffs[strongest] - bad.maxAbsError) < 1e-6, `${diffs[strongest]} vs ${bad.maxAbsError}`);
    const alphas = await maps.nth(2).locator('rect.cell').evaluateAll((els) => els.map((e) => Number(/,([\d.]+)\)$/.exec(e.getAttribute('fill') ?? '')?.[1])));
    assert.equal(alphas.indexOf(Math.max(...alphas)), strongest);
    assert.equal(alphas[strongest], 1);
    // The worst element (by the check's criterion) is outlined in every map.
    const worstFlat = bad.worst.index.reduce((acc, i, d) => acc * bad.shape[d] + i, 0);
    for (let m = 0; m < 3; m++) {
      const cells = await maps.nth(m).locator('rect.cell').evaluateAll((els) => els.map((e) => e.classList.contains('worst')));
      assert.equal(cells.indexOf(true), worstFlat);
    }
    await p.page.locator('.heatmaps').first().scrollIntoViewIfNeeded();
    await p.page.screenshot({ path: screenshotPath('webview-results-heatmaps.png') });
  });

  it('names autograd, not numeric, as the reference of an exact comparison, and an equal gradient\'s difference as none', async () => {
    const p = await openPanel(browser, { state: { view: 'results' } });
    const messages = fixture('buggy-elements.json');
    const results = messages[1] as { models: { manual: (Check & { method: string; elements: { analytic: number[]; numeric: number[] } })[] }[] };
    // The same rows as a hand-written backward compared with autograd: W2 equal to it, bit for bit.
    for (const c of results.models[0].manual) c.method = 'exact';
    const w2 = results.models[0].manual.find((c) => c.passed)!;
    w2.elements.numeric = w2.elements.analytic.slice();
    await sendAll(p, messages);
    await p.page.waitForSelector('.heatmaps');
    const table = p.page.locator('.result-table', { hasText: 'Hand-written backward vs autograd' });
    const headers = await table.locator('th').allTextContents();
    assert.ok(headers.includes('autograd') && !headers.includes('numeric'), headers.join(' | '));
    const titles = await p.page.locator('.result-heatmaps h3').allTextContents();
    assert.ok(titles.length > 0 && titles.every((t) => t.includes('vs autograd')), titles.join(' | '));
    const captions = await p.page.locator(`.heatmaps[data-param="${w2.name}"] figcaption`).allTextContents();
    assert.deepEqual(captions, ['analytic', 'autograd', 'difference (none: equal)']);
  });

  it("says above a fast check's rows that they show one joint probe, also beside the editor where the note column folds away", async () => {
    // examples/mlp.ts checked in fast mode: W1 and W2 moved at once, and that probe agreed.
    const messages = fixture('mlp-fast.json');
    const model = (messages[1] as { models: { mode: string; params: { name: string; directional?: { analytic: number; together?: string[] } }[] }[] }).models[0];
    assert.equal(model.mode, 'fast');
    assert.ok(model.params.length > 1 && model.params.every((c) => c.directional?.together?.length === model.params.length), 'every row shares the joint probe');
    for (const width of [500, 1300]) {
      const p = await openPanel(browser, { width, state: { view: 'results' } });
      await sendAll(p, messages);
      await p.page.waitForSelector('.model-result');
      const table = p.page.locator('.result-table', { hasText: 'Autograd vs numeric' });
      const note = table.locator('.table-note');
      assert.ok(await note.isVisible(), `the note is shown at ${width} px`);
      assert.equal((await note.textContent())?.trim(), 'Every parameter moved at once, each along its own direction, and those probes agreed, so the fast rows show one joint error.');
      // Each row shows that one sum.
      const analytic = await table.locator('tbody tr td:nth-child(7)').allTextContents();
      assert.equal(new Set(analytic).size, 1, analytic.join(' | '));
      assert.deepEqual(p.problems, []);
      if (width === 500) await p.page.screenshot({ path: screenshotPath('webview-results-fast.png') });
    }
    // A full check's table has no such note.
    const p = await openPanel(browser, { state: { view: 'results' } });
    await sendAll(p, fixture('buggy.json'));
    await p.page.waitForSelector('.model-result');
    assert.equal(await p.page.locator('.table-note').count(), 0);
  });
});
