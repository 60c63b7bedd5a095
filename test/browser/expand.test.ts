/// <reference lib="dom" />
// Expanding one layer of a large graph lays out only that layer, in place (webview/graph/incremental.ts):
// what came before it keeps its position, nothing overlaps, and the layer's contents are drawn.
import * as assert from 'node:assert/strict';
import { syntheticGraph } from '../../bench/graph-render';
import { settled } from './fitRule';
import { graphDrawn, openPanel, screenshotPath, useBrowser } from './harness';

interface Box {
  id: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Node boxes in the canvas's pixels. */
const boxes = (page: import('playwright-core').Page): Promise<Box[]> =>
  page.evaluate(() => {
    // Relative to the canvas: the toolbar's status line may wrap and move the canvas itself.
    const c = document.querySelector('.graph-canvas')!.getBoundingClientRect();
    return [...document.querySelectorAll('.node')].map((n) => {
      const b = n.querySelector('.node-box')!.getBoundingClientRect();
      return { id: (n as SVGElement).dataset.nodeId!, left: b.left - c.left, top: b.top - c.top, right: b.right - c.left, bottom: b.bottom - c.top };
    });
  });

describe('expanding one layer of a 2,000-node graph', function () {
  this.timeout(120_000);
  const browser = useBrowser();

  for (const [width, height, flow] of [
    [500, 800, 'down'],
    [1200, 600, 'right'],
  ] as const) {
    it(`lays out only that layer, in place, flowing ${flow}`, async () => {
      const p = await openPanel(browser, { width, height });
      await p.send(syntheticGraph(2000));
      await graphDrawn(p, 100);
      await settled(p.page);
      const before = await boxes(p.page);
      const layer = 'group:Net/block3';
      const old = before.find((b) => b.id === layer)!;
      assert.ok(old, 'block3 starts collapsed');
      await p.page.evaluate((id) => document.querySelector(`.node[data-node-id="${id}"]`)!.dispatchEvent(new MouseEvent('click', { bubbles: true })), layer);
      await p.page.waitForFunction(() => !document.querySelector('.node[data-node-id="group:Net/block3"]'));
      await settled(p.page);
      const status = (await p.page.locator('.graph-status').textContent()) ?? '';
      assert.match(status, /layer laid out in place/);
      const after = await boxes(p.page);
      assert.equal(after.length, before.length - 1 + 7, 'the box became its 7 nodes');
      for (const id of ['b3.W', 'b3.mm', 'b3.res']) assert.ok(after.some((b) => b.id === id), `${id} is drawn`);
      // Before the layer (above it, or left of it): the same place on screen.
      const earlier = before.filter((b) => (flow === 'down' ? b.bottom <= old.top : b.right <= old.left));
      assert.ok(earlier.length > 0);
      for (const b of earlier) {
        const now = after.find((a) => a.id === b.id)!;
        assert.ok(Math.abs(now.left - b.left) < 0.5 && Math.abs(now.top - b.top) < 0.5, `${b.id} moved from ${JSON.stringify(b)} to ${JSON.stringify(now)}`);
      }
      // No two boxes overlap.
      const sorted = [...after].sort((a, b) => a.left - b.left);
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length && sorted[j].left < sorted[i].right; j++) {
          const [a, b] = [sorted[i], sorted[j]];
          const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
          assert.ok(!overlap, `${a.id} ${JSON.stringify(a)} overlaps ${b.id} ${JSON.stringify(b)}`);
        }
      }
      await p.page.screenshot({ path: screenshotPath(`webview-graph-expand-one-${flow}.png`) });
      assert.deepEqual(p.problems, []);
    });
  }
});
