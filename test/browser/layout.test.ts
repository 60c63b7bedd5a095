/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// The panel at the widths it really gets: beside the editor (≈500 px) and full width (1300 px),
// in light, dark and high-contrast themes. The graph must be fitted to its canvas, the legend must
// not eat the canvas in a narrow panel, and no view may overflow sideways.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { LEGIBLE_ZOOM } from '../../webview/graph/fit';
import { assertWholeOrOverview, drawn, settled } from './fitRule';
import { fixture, graphDrawn, openPanel, type PanelPage, screenshotPath, sendAll, useBrowser } from './harness';
import { applyTheme, THEMES } from './themes';

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The canvas's rectangle and every node's, in page pixels. */
async function nodeBoxes(p: PanelPage): Promise<{ canvas: Rect; nodes: (Rect & { id: string })[] }> {
  return p.page.evaluate(() => {
    const r = (e: Element) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
    };
    return {
      canvas: r(document.querySelector('.graph-canvas')!),
      nodes: [...document.querySelectorAll('.node')].map((n) => ({ id: (n as SVGElement).dataset.nodeId!, ...r(n.querySelector('.node-box')!) })),
    };
  });
}

function assertAllInside(where: string, b: { canvas: Rect; nodes: (Rect & { id: string })[] }): void {
  assert.ok(b.nodes.length > 0, `${where}: no nodes`);
  for (const n of b.nodes) {
    const inside = n.left >= b.canvas.left && n.right <= b.canvas.right && n.top >= b.canvas.top && n.bottom <= b.canvas.bottom;
    assert.ok(inside, `${where}: node ${n.id} ${JSON.stringify(n)} is outside the canvas ${JSON.stringify(b.canvas)}`);
  }
}

/** The zoom the graph is drawn at (the viewport's scale). */
async function zoom(p: PanelPage): Promise<number> {
  const t = (await p.page.locator('.viewport').getAttribute('transform')) ?? '';
  return Number(/scale\(([\d.]+)\)/.exec(t)?.[1]);
}

const waitForFitted = (p: PanelPage): Promise<void> => settled(p.page);

describe('panel layout beside the editor', function () {
  this.timeout(120_000);
  const browser = useBrowser();

  it('fits the mlp graph into a 500 px panel on first render (whole and legible, or the overview), with the legend folded away, and refits on resize', async () => {
    const p = await openPanel(browser, { width: 500, height: 700 });
    const [graph] = fixture('mlp.json');
    await p.send(graph);
    await graphDrawn(p, 10);
    await waitForFitted(p);
    // Tall: the graph flows down, and fits whole with labels of 11 px or more.
    assert.equal(assertWholeOrOverview('500 px', await drawn(p.page)), 'whole');
    assertAllInside('500 px', await nodeBoxes(p));
    const k = await zoom(p);
    assert.ok(k >= LEGIBLE_ZOOM, `zoom ${k}`);
    // The legend and parameter counts are folded into the toolbar toggle, which still tells the size.
    const toggle = p.page.locator('.side-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await p.page.locator('.side').isVisible(), false);
    assert.match((await toggle.textContent()) ?? '', /Legend · 32 params/);
    // The canvas has the panel's whole width.
    const canvas = (await nodeBoxes(p)).canvas;
    assert.ok(canvas.right - canvas.left >= 495, `canvas ${canvas.right - canvas.left} px wide`);

    // Wider: the legend becomes a column beside the canvas (not over it), and the graph refits.
    await p.page.setViewportSize({ width: 1300, height: 700 });
    await waitForFitted(p);
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const side = await p.page.locator('.side').boundingBox();
    const wide = await nodeBoxes(p);
    assert.ok(side && side.x >= wide.canvas.right - 1, `side ${JSON.stringify(side)} overlaps the canvas ${JSON.stringify(wide.canvas)}`);
    // Wide: laid out again, flowing right.
    assertWholeOrOverview('1300 px', await drawn(p.page));

    // Back to 560 px: refitted by the ResizeObserver.
    await p.page.setViewportSize({ width: 560, height: 700 });
    await waitForFitted(p);
    assertAllInside('560 px', await nodeBoxes(p));
    // Too small to fit at a legible zoom (380×420): the overview is shown, the loss is in view, and
    // the rest is reached by panning.
    await p.page.setViewportSize({ width: 380, height: 420 });
    await waitForFitted(p);
    assert.equal(assertWholeOrOverview('380×420', await drawn(p.page)), 'overview');
    const small = await nodeBoxes(p);
    assert.ok(small.nodes.some((n) => n.bottom > small.canvas.bottom || n.top < small.canvas.top || n.right > small.canvas.right || n.left < small.canvas.left), 'the rest is reached by panning');
    assert.ok((await zoom(p)) >= LEGIBLE_ZOOM);
    assert.deepEqual(p.problems, []);
  });

  it('stops refitting once the user zooms, and fits again on 0', async () => {
    const p = await openPanel(browser, { width: 500, height: 700 });
    await p.send(fixture('mlp.json')[0]);
    await graphDrawn(p, 10);
    await waitForFitted(p);
    const fitted = await zoom(p);
    await p.page.locator('.graph-canvas').focus();
    await p.page.keyboard.press('+');
    assert.ok(Math.abs((await zoom(p)) - fitted * 1.25) < 1e-3);
    // A resize keeps the user's zoom.
    await p.page.setViewportSize({ width: 560, height: 700 });
    await waitForFitted(p);
    assert.ok(Math.abs((await zoom(p)) - fitted * 1.25) < 1e-3);
    await p.page.keyboard.press('0');
    assertAllInside('after 0', await nodeBoxes(p));
  });

  it('opens the legend overlay from the keyboard and closes it with Escape', async () => {
    const p = await openPanel(browser, { width: 500, height: 700 });
    await sendAll(p, fixture('buggy.json'));
    await graphDrawn(p, 10);
    const toggle = p.page.locator('.side-toggle');
    // Reach the toggle with Tab from the graph toolbar, as a keyboard user would.
    await p.page.locator('.graph-view .toolbar .icon-button').first().focus();
    for (let i = 0; i < 10 && !(await toggle.evaluate((el) => el === document.activeElement)); i++) await p.page.keyboard.press('Tab');
    assert.ok(await toggle.evaluate((el) => el === document.activeElement), 'the legend toggle is reachable by Tab');
    await p.page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const side = p.page.locator('.side');
    assert.ok(await side.isVisible());
    assert.equal(await side.locator('[data-total]').getAttribute('data-total'), '32');
    assert.ok(await side.locator('.legend-item', { hasText: 'fails: hand-written backward only' }).isVisible());
    await p.page.screenshot({ path: screenshotPath('webview-graph-500-legend-open.png') });
    await p.page.keyboard.press('Escape');
    assert.equal(await side.isVisible(), false);
    assert.ok(await toggle.evaluate((el) => el === document.activeElement), 'focus returns to the toggle');
    // The L key on the canvas toggles it too.
    await p.page.locator('.graph-canvas').focus();
    await p.page.keyboard.press('l');
    assert.ok(await side.isVisible());
  });

  for (const theme of Object.keys(THEMES) as (keyof typeof THEMES)[]) {
    for (const width of [500, 1300]) {
      it(`shows all three views without sideways overflow: ${theme}, ${width} px`, async () => {
        const p = await openPanel(browser, { width, height: 760 });
        await applyTheme(p, theme);
        await sendAll(p, fixture('buggy-elements.json'));
        await sendAll(p, fixture('buggy.json').slice(2)); // the table's rules
        await graphDrawn(p, 10);
        await waitForFitted(p);
        assertAllInside(`${theme} ${width}`, await nodeBoxes(p));
        await p.page.screenshot({ path: screenshotPath(`webview-graph-${theme}-${width}.png`) });
        for (const view of ['table', 'results'] as const) {
          await p.page.locator(`vscode-tab-header[data-view="${view}"]`).click();
          await p.page.waitForSelector(view === 'table' ? '.rule math' : '.model-result');
          const panel = p.page.locator(`vscode-tab-panel[data-view="${view}"]`);
          const { scroll, client } = await panel.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
          assert.ok(scroll <= client + 1, `${view} overflows sideways: ${scroll} > ${client}`);
          await p.page.screenshot({ path: screenshotPath(`webview-${view}-${theme}-${width}.png`) });
        }
        assert.deepEqual(p.problems, []);
      });
    }
  }
});
