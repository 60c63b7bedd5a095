/// <reference lib="dom" />
// Reads the graph's first view from the drawn boxes, and the rule every fit must keep (issue 12):
// either every node is inside the canvas with labels at least 11 px high, or the overview
// (minimap) is shown and the loss is in view, legible.
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/**
 * Waits until the view has settled after a message or a resize: the fit follows a ResizeObserver
 * callback (two frames), and a canvas that changed shape is laid out again (the render promise).
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const frames = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    await frames();
    await (window as unknown as { gradlens: { graph: { lastRender: Promise<void> } } }).gradlens.graph.lastRender;
    await frames();
  });
}

export interface Drawn {
  canvas: { left: number; top: number; right: number; bottom: number };
  nodes: { id: string; kind: string; left: number; top: number; right: number; bottom: number; label: number }[];
  minimap: boolean;
  direction: string;
}

export async function drawn(page: Page): Promise<Drawn> {
  await settled(page);
  return page.evaluate(() => {
    const r = (e: Element) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
    };
    const minimap = document.querySelector('.minimap');
    return {
      canvas: r(document.querySelector('.graph-canvas')!),
      nodes: [...document.querySelectorAll('.node')].map((n) => ({
        id: (n as SVGElement).dataset.nodeId!,
        kind: [...n.classList].find((c) => c.startsWith('kind-')) ?? '',
        ...r(n.querySelector('.node-box')!),
        label: n.querySelector('.node-label')!.getBoundingClientRect().height,
      })),
      minimap: !!minimap && !minimap.hasAttribute('hidden') && minimap.getBoundingClientRect().width > 0,
      direction: (document.querySelector('.graph-view') as HTMLElement).dataset.direction ?? '',
    };
  });
}

/** Asserts the rule above and the layout's direction; says which case held. */
export function assertWholeOrOverview(where: string, d: Drawn): 'whole' | 'overview' {
  assert.ok(d.nodes.length > 0, `${where}: no nodes`);
  const tall = d.canvas.bottom - d.canvas.top > d.canvas.right - d.canvas.left;
  assert.equal(d.direction, tall ? 'DOWN' : 'RIGHT', `${where}: the layout flows ${tall ? 'down a tall' : 'right in a wide'} canvas`);
  const inside = (n: Drawn['nodes'][0]) => n.left >= d.canvas.left - 0.5 && n.right <= d.canvas.right + 0.5 && n.top >= d.canvas.top - 0.5 && n.bottom <= d.canvas.bottom + 0.5;
  if (d.nodes.every(inside) && d.nodes.every((n) => n.label >= 11)) {
    assert.equal(d.minimap, false, `${where}: the whole graph is in view, yet the overview is shown`);
    return 'whole';
  }
  assert.ok(d.minimap, `${where}: part of the graph is out of view or too small, and no overview is shown`);
  const loss = d.nodes.find((n) => n.kind === 'kind-output');
  assert.ok(loss, `${where}: no loss node drawn`);
  assert.ok(inside(loss), `${where}: the loss ${JSON.stringify(loss)} is out of view ${JSON.stringify(d.canvas)}`);
  assert.ok(loss.label >= 11, `${where}: the loss's label is ${loss.label} px high`);
  return 'overview';
}
