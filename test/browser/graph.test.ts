/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// The graph view in headless Chromium, on graphs the real runner traced from the examples.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, graphDrawn, openPanel, type PanelPage, ROOT, screenshotPath, sendAll, useBrowser } from './harness';

interface Check { name: string; passed: boolean; maxRelError: number; worst: { index: number[]; analytic: number; numeric: number } }

/** The computed fill and stroke of a node's box, by node id. */
async function boxColours(p: PanelPage, id: string): Promise<{ fill: string; stroke: string }> {
  return p.page.$eval(`.node[data-node-id="${id}"] .node-box`, (el) => {
    const s = getComputedStyle(el);
    return { fill: s.fill, stroke: s.stroke };
  });
}

/** Which of green, yellow, blue dominates an rgb() colour. */
function hue(rgb: string): 'green' | 'yellow' | 'blue' | 'other' {
  // color-mix() computes to `color(srgb r g b)` with channels in 0..1; rgb() has 0..255.
  const scale = rgb.startsWith('color(') ? 255 : 1;
  const [r, g, b] = (rgb.replace(/^color\(srgb/, '').match(/[\d.]+/g) ?? []).map((v) => Number(v) * scale);
  if (b > r && b > g) return 'blue';
  if (r > 100 && g > 100 && b < 0.6 * Math.min(r, g)) return 'yellow';
  if (g > r && g > b) return 'green';
  return 'other';
}

describe('graph view', function () {
  this.timeout(60_000);
  const browser = useBrowser();

  it('draws every traced node of examples/mlp.ts in the lecture colours, shapes on edges, op names on nodes', async () => {
    const p = await openPanel(browser);
    const [graph] = fixture('mlp.json') as [{ models: { graph: { nodes: { id: string; kind: string; op?: string; name?: string }[]; edges: unknown[] } }[] }];
    await p.send(graph);
    await graphDrawn(p);
    const nodes = graph.models[0].graph.nodes;
    assert.equal(await p.page.locator('.node').count(), nodes.length);
    for (const n of nodes) {
      const { fill, stroke } = await boxColours(p, n.id);
      const expected = n.kind === 'output' ? 'yellow' : n.kind === 'intermediate' ? 'blue' : 'green';
      assert.equal(hue(stroke), expected, `${n.kind} ${n.id} stroke ${stroke}`);
      assert.equal(hue(fill), expected, `${n.kind} ${n.id} fill ${fill}`);
      const label = await p.page.locator(`.node[data-node-id="${n.id}"] .node-label`).textContent();
      assert.equal(label, n.kind === 'input' || n.kind === 'param' ? n.name : n.op);
    }
    // Parameters are told apart from data inputs by an inner frame and a square corner.
    const param = nodes.find((n) => n.kind === 'param')!;
    const input = nodes.find((n) => n.kind === 'input')!;
    assert.equal(await p.page.locator(`.node[data-node-id="${param.id}"] .param-frame`).count(), 1);
    assert.equal(await p.page.locator(`.node[data-node-id="${input.id}"] .param-frame`).count(), 0);
    assert.equal(await p.page.locator('.edge').count(), graph.models[0].graph.edges.length);
    const edgeLabels = await p.page.locator('.edge-label').allTextContents();
    // Each edge carries the shape of the value flowing along it: X [8×5] in, logits [8×3] into the loss.
    assert.ok(edgeLabels.includes('[8×5]') && edgeLabels.includes('[8×3]'), edgeLabels.join(' '));
    // Parameter counts: W1 4×5 and W2 3×4.
    assert.equal(await p.page.locator('.params-table [data-total]').getAttribute('data-total'), '32');
    assert.deepEqual(p.problems, []);
    await p.page.screenshot({ path: screenshotPath('webview-graph-mlp.png') });
  });

  it('posts a reveal message with the source location when a node is clicked or activated by keyboard', async () => {
    const p = await openPanel(browser);
    const messages = fixture('mlp.json');
    const traced = (messages[0] as { models: { graph: { nodes: { op?: string; kind: string; loc?: unknown }[] } }[] }).models[0].graph.nodes;
    await sendAll(p, messages);
    await graphDrawn(p);
    const sigmoid = p.page.locator('.node.kind-intermediate', { hasText: 'sigmoid' });
    await sigmoid.click();
    let reveal = (await p.posted()).filter((m) => m.type === 'graph/revealNode');
    assert.equal(reveal.length, 1);
    // examples/mlp.ts line 43: `const a1 = F.sigmoid(z1);`, at the call's start.
    const line43 = fs.readFileSync(path.join(ROOT, 'examples/mlp.ts'), 'utf8').split('\n')[42];
    assert.deepEqual(reveal[0].loc, { file: 'examples/mlp.ts', line: 43, column: line43.indexOf('F.sigmoid(') + 1 });
    assert.deepEqual(reveal[0].loc, traced.find((n) => n.op === 'sigmoid')!.loc);
    // The hover shows the shape.
    await sigmoid.hover();
    assert.match((await p.page.locator('.tooltip').textContent()) ?? '', /shape\[8×4\] \(32 values\)/);
    // Keyboard: focus the output node and press Enter.
    await p.page.locator('.node.kind-output').focus();
    await p.page.keyboard.press('Enter');
    reveal = (await p.posted()).filter((m) => m.type === 'graph/revealNode');
    assert.equal(reveal.length, 2);
    assert.deepEqual(reveal[1].loc, traced.find((n) => n.kind === 'output')!.loc);
    assert.equal((reveal[1].loc as { line: number }).line, 45); // `return F.crossEntropy(z2, y);`
  });

  it('collapses and expands an nn layer, with parameter counts per layer (examples/cnn.ts)', async () => {
    const p = await openPanel(browser);
    await sendAll(p, fixture('cnn.json'));
    await graphDrawn(p);
    const before = await p.page.locator('.node').count();
    assert.equal(before, 16);
    const label = await p.page.locator('.group[data-group-id="SmallCnn/conv"] .group-label').textContent();
    assert.equal(label, 'conv · 40 params'); // 4·1·3·3 weights + 4 biases
    // The graph opens on its loss (it is too big to show whole at a legible zoom): the layer's
    // toggle is reached by keyboard, which brings it into view, and then clicked.
    const toggle = p.page.locator('.group-toggle[data-group-id="SmallCnn/conv"]');
    await toggle.focus();
    await toggle.click();
    await p.page.waitForSelector('.node[data-node-id="group:SmallCnn/conv"]');
    // conv2d, reshape, add and the two parameters fold into one box.
    assert.equal(await p.page.locator('.node').count(), before - 5 + 1);
    await p.page.screenshot({ path: screenshotPath('webview-graph-cnn-collapsed.png') });
    const folded = p.page.locator('.node[data-node-id="group:SmallCnn/conv"]');
    await folded.focus();
    await folded.click();
    await p.page.waitForFunction(() => document.querySelectorAll('.node').length === 16);
    assert.deepEqual(p.problems, []);
  });

  it('colours nodes by gradient error after a check: a wrong hand-written backward is marked as such (examples/buggy-backward.ts)', async () => {
    const p = await openPanel(browser);
    const messages = fixture('buggy.json');
    await sendAll(p, messages);
    await graphDrawn(p);
    await p.page.waitForSelector('.node.has-error');
    // W1's autograd gradient passes; its hand-written one fails: marked 'manual', not a plain failure.
    const model = (messages[1] as { models: { params: Check[]; manual: (Check & { method?: string; blameLoc: { line: number } })[] }[] }).models[0];
    const bad = model.manual.find((c) => !c.passed)!;
    assert.equal(model.params.find((c) => c.name === bad.name)!.passed, true);
    assert.deepEqual(await p.page.locator('.node.err-manual .node-label').allTextContents(), [bad.name]);
    assert.equal(await p.page.locator('.node.err-fail').count(), 0);
    assert.equal(await p.page.locator('.node.err-pass .node-label').allTextContents().then((t) => t.join()), 'W2');
    const node = p.page.locator('.node.err-manual');
    assert.equal(await node.locator('.node-flag').textContent(), '✗ backward');
    // The box is drawn dashed in the failure colour.
    const box = await node.locator('.node-box').evaluate((el) => ({ dash: getComputedStyle(el).strokeDasharray, stroke: getComputedStyle(el).stroke }));
    assert.notEqual(box.dash, 'none');
    assert.equal(hue(box.stroke), 'other');
    // Screen readers and the tooltip say which backward is wrong, where, and the two values.
    // 4 significant digits; below 1e-3, 3 in exponent form (5.76e-4).
    const sig = (x: number) => (Math.abs(x) < 1e-3 ? x.toExponential(2).replace(/\.?0+e/, 'e') : String(Number(x.toPrecision(4))));
    // Compared with autograd, exactly, where the forward tapes (as buggy-backward's does); else with the numeric gradient.
    const reference = bad.method === 'exact' ? 'autograd' : 'numeric';
    const expected = `hand-written backward wrong at ${bad.name}[${bad.worst.index.join(', ')}]: ${sig(bad.worst.analytic)} vs ${sig(bad.worst.numeric)} (${reference})`;
    assert.ok(((await node.getAttribute('aria-label')) ?? '').includes(`FAILS: ${expected}`), (await node.getAttribute('aria-label')) ?? '');
    await node.hover();
    const tip = (await p.page.locator('.tooltip').textContent()) ?? '';
    assert.ok(tip.includes(expected) && /autograd passes/.test(tip), tip);
    assert.ok(tip.includes(`located at line ${bad.blameLoc.line}`), tip);
    assert.ok(await p.page.locator('.legend .legend-item', { hasText: 'fails: hand-written backward only' }).isVisible());
    await p.page.screenshot({ path: screenshotPath('webview-graph-buggy-errors.png') });
  });

  it('marks an autograd failure differently from a hand-written-backward failure', async () => {
    const p = await openPanel(browser);
    const [graph, results] = fixture('buggy.json') as [unknown, { models: { params: Check[] }[] }];
    // The same check, with W2's autograd comparison failing (a wrong VJP in the engine would do this).
    const w2 = results.models[0].params.find((c) => c.name === 'W2')!;
    const broken = { ...results, models: [{ ...results.models[0], passed: false, params: results.models[0].params.map((c) => (c === w2 ? { ...c, passed: false, maxRelError: 0.5, worst: { ...c.worst, analytic: 2 * c.worst.numeric } } : c)) }] };
    await sendAll(p, [graph, broken]);
    await graphDrawn(p);
    await p.page.waitForSelector('.node.err-fail');
    assert.deepEqual(await p.page.locator('.node.err-fail .node-label').allTextContents(), ['W2']);
    assert.deepEqual(await p.page.locator('.node.err-manual .node-label').allTextContents(), ['W1']);
    assert.equal(await p.page.locator('.node.err-fail .node-flag').textContent(), '✗');
    assert.match((await p.page.locator('.node.err-fail').getAttribute('aria-label')) ?? '', /FAILS: autograd wrong at W2\[2, 2\]/);
  });

  it('keeps the last good graph and shows the error when the buffer breaks', async () => {
    const p = await openPanel(browser);
    const [graph] = fixture('mlp.json') as [{ file: string }];
    await p.send(graph);
    await graphDrawn(p);
    await p.send({ type: 'graph/didChange', file: graph.file, models: [], error: { kind: 'syntax', message: "';' expected.", file: graph.file, line: 44, column: 12 } });
    await p.page.waitForSelector('.banner-error:not([hidden])');
    assert.match((await p.page.locator('.banner-error').textContent()) ?? '', /Showing the last graph that ran\..*';' expected\. \(line 44:12\)/);
    assert.equal(await p.page.locator('.node').count(), 10);
    await p.page.screenshot({ path: screenshotPath('webview-graph-broken-buffer.png') });
  });

  it('drops malformed and hostile messages without drawing them', async () => {
    const p = await openPanel(browser);
    await p.send({ type: 'graph/didChange', file: 'x.ts', models: [{ name: 'm', graph: { nodes: [{ id: 'a', kind: 'input', shape: [2] }], edges: [{ from: 'a', to: 'nowhere', shape: [2] }], groups: [] } }] });
    await p.send({ type: 'graph/didChange', file: 'x.ts', models: [{ name: '<img src=x onerror=alert(1)>', graph: { nodes: [{ id: 'a', kind: 'evil', shape: [2] }], edges: [], groups: [] } }] });
    await p.send({ type: 'results/didChange', file: 'x.ts', models: 'nope' });
    await p.page.waitForTimeout(200);
    assert.equal(await p.page.locator('.node').count(), 0);
    assert.equal(await p.page.locator('img').count(), 0);
  });

  it('follows the VS Code theme: light and high-contrast colours come from the theme variables', async () => {
    // What VS Code sets on the webview's <html> for Light+ and for High Contrast.
    const themes: Record<string, Record<string, string>> = {
      light: { '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#3b3b3b', '--vscode-charts-green': '#388a34', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-blue': '#1a85ff', '--vscode-descriptionForeground': '#717171' },
      'high-contrast': { '--vscode-editor-background': '#000000', '--vscode-foreground': '#ffffff', '--vscode-charts-green': '#89d185', '--vscode-charts-yellow': '#ffd700', '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#f38518' },
    };
    for (const [name, vars] of Object.entries(themes)) {
      const p = await openPanel(browser);
      await p.page.evaluate((v) => {
        for (const [k, val] of Object.entries(v)) document.documentElement.style.setProperty(k, val);
      }, vars);
      await sendAll(p, fixture('buggy.json'));
      await graphDrawn(p);
      const bg = await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const label = await p.page.$eval('.node-label', (el) => getComputedStyle(el).fill);
      const toRgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      assert.equal(bg, toRgb(vars['--vscode-editor-background']));
      assert.equal(label, toRgb(vars['--vscode-foreground']));
      const output = await boxColours(p, (await p.page.locator('.node.kind-output').getAttribute('data-node-id'))!);
      assert.equal(hue(output.stroke), 'yellow', `${name}: ${output.stroke}`);
      await p.page.screenshot({ path: screenshotPath(`webview-graph-${name}.png`) });
    }
  });
});
