/// <reference lib="dom" />
// Expanding one layer of a large graph lays out only that layer, in place (webview/graph/incremental.ts):
// what came before it keeps its position, nothing overlaps, and the layer's contents are drawn.
// Expanding every layer lays the graph out by parts (webview/graph/parts.ts): the drawing must be
// as sound as a whole layout's — no overlaps, every node in its layer's box, every edge from its
// source to its target along the flow, and the fit rule of issue 12.
import * as assert from 'node:assert/strict';
import { syntheticGraph } from '../../bench/graph-render';
import { assertWholeOrOverview, drawn, settled } from './fitRule';
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

/** The panel beside the source (the graph flows down) and a wide one (it flows right). */
const PANELS = [
  [500, 800, 'down'],
  [1200, 600, 'right'],
] as const;

function assertNoOverlap(boxes: Box[]): void {
  const sorted = [...boxes].sort((a, b) => a.left - b.left);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].left < sorted[i].right; j++) {
      const [a, b] = [sorted[i], sorted[j]];
      const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
      assert.ok(!overlap, `${a.id} ${JSON.stringify(a)} overlaps ${b.id} ${JSON.stringify(b)}`);
    }
  }
}

describe('expanding one layer of a 2,000-node graph', function () {
  this.timeout(120_000);
  const browser = useBrowser();

  for (const [width, height, flow] of PANELS) {
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
      assertNoOverlap(after);
      await p.page.screenshot({ path: screenshotPath(`webview-graph-expand-one-${flow}.png`) });
      assert.deepEqual(p.problems, []);
    });
  }
});

/** In graph units (the SVG's own attributes): node boxes, layer boxes, and each edge's first and last point. */
const geometry = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    const rect = (r: Element) => {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(r.getAttribute(a)));
      return { left: x, top: y, right: x + w, bottom: y + h };
    };
    const nodes = [...document.querySelectorAll('.node')].map((n) => ({ id: (n as SVGElement).dataset.nodeId!, ...rect(n.querySelector('.node-box')!) }));
    const groups = [...document.querySelectorAll('.group')].map((g) => ({ id: (g as SVGElement).dataset.groupId!, ...rect(g.querySelector('rect')!) }));
    const edges = [...document.querySelectorAll('.edge')].map((e) => {
      const nums = (e.getAttribute('d') ?? '').match(/-?[\d.]+/g)!.map(Number);
      return { start: { x: nums[0], y: nums[1] }, end: { x: nums[nums.length - 2], y: nums[nums.length - 1] } };
    });
    return { nodes, groups, edges };
  });

describe('expanding every layer of a 2,000-node graph', function () {
  this.timeout(120_000);
  const browser = useBrowser();

  for (const [width, height, flow] of PANELS) {
    it(`lays it out by parts, legibly, flowing ${flow}`, async () => {
      const p = await openPanel(browser, { width, height });
      const msg = syntheticGraph(2000);
      const graph = msg.models[0].graph!;
      await p.send(msg);
      await graphDrawn(p, 100);
      await settled(p.page);
      await p.page.click('button[aria-label="Expand all layers"]');
      await p.page.waitForFunction((n) => document.querySelectorAll('.node').length === n, graph.nodes.length);
      assertWholeOrOverview(`expanded, ${flow}`, await drawn(p.page));
      assert.match((await p.page.locator('.graph-status').textContent()) ?? '', /by parts/);
      const g = await geometry(p.page);
      assert.equal(g.nodes.length, graph.nodes.length);
      assertNoOverlap(g.nodes);
      // Every node of a block inside that block's box, and every block inside Net's.
      const group = new Map(g.groups.map((x) => [x.id, x]));
      assert.equal(group.size, graph.groups.length);
      const within = (a: Box, b: Box) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
      for (const n of g.nodes) {
        const block = /^b(\d+)\./.exec(n.id);
        if (block) assert.ok(within(n, group.get(`Net/block${block[1]}`)!), `${n.id} is outside its layer's box`);
      }
      for (const x of g.groups) if (x.id !== 'Net') assert.ok(within(x, group.get('Net')!), `${x.id} is outside Net`);
      // Every edge leaves its source on the side the graph flows to and enters its target from the other.
      const byId = new Map(g.nodes.map((n) => [n.id, n]));
      assert.equal(g.edges.length, graph.edges.length);
      const near = (a: number, b: number) => Math.abs(a - b) <= 1.5;
      for (const e of graph.edges) {
        const [from, to] = [byId.get(e.from)!, byId.get(e.to)!];
        assert.ok(flow === 'down' ? to.top >= from.bottom : to.left >= from.right, `${e.to} is not past ${e.from} along the flow`);
        const drawnEdge = g.edges.find((d) =>
          flow === 'down'
            ? near(d.start.y, from.bottom) && d.start.x >= from.left - 1 && d.start.x <= from.right + 1 && near(d.end.y, to.top) && d.end.x >= to.left - 1 && d.end.x <= to.right + 1
            : near(d.start.x, from.right) && d.start.y >= from.top - 1 && d.start.y <= from.bottom + 1 && near(d.end.x, to.left) && d.end.y >= to.top - 1 && d.end.y <= to.bottom + 1,
        );
        assert.ok(drawnEdge, `no edge drawn from ${e.from} to ${e.to}`);
      }
      await p.page.screenshot({ path: screenshotPath(`webview-graph-expand-all-${flow}.png`) });
      assert.deepEqual(p.problems, []);
    });
  }
});
