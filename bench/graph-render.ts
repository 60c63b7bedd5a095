/// <reference lib="dom" />
// Benchmark: layout (ELK, in its web worker) and SVG render of a 2,000-node traced graph in
// headless Chromium, through the real webview bundle in the panel's real HTML and CSP.
// Run: npx tsx bench/graph-render.ts [nodes=2000] [runs=5]. Target: median under 1 s.
import { launch, openPanel } from '../test/browser/harness';
import type { GraphDidChange, GraphNodeView } from '../src/shared/protocol';

/** A deep residual MLP as the tracer would record it: per block a matmul, add, relu and a skip add, in nn groups. */
export function syntheticGraph(target: number): GraphDidChange {
  const nodes: GraphNodeView[] = [{ id: 'x', kind: 'input', name: 'X', shape: [32, 64] }];
  const edges: GraphDidChange['models'][0]['graph'] extends infer G ? (G extends { edges: infer E } ? E : never) : never = [];
  const groups: { id: string; label: string; parent?: string }[] = [];
  let prev = 'x';
  let block = 0;
  const loc = (line: number) => ({ file: '/bench/model.ts', line, column: 5 });
  while (nodes.length + 7 <= target - 1) {
    const g = `Net/block${block}`;
    groups.push({ id: g, label: `block${block}`, parent: 'Net' });
    const id = (s: string) => `b${block}.${s}`;
    nodes.push(
      { id: id('W'), kind: 'param', name: `block${block}.weight`, shape: [64, 64] },
      { id: id('b'), kind: 'param', name: `block${block}.bias`, shape: [64] },
      { id: id('t'), kind: 'intermediate', op: 'transpose', shape: [64, 64], group: g, loc: loc(10) },
      { id: id('mm'), kind: 'intermediate', op: 'matmul', shape: [32, 64], group: g, loc: loc(11) },
      { id: id('add'), kind: 'intermediate', op: 'add', shape: [32, 64], group: g, loc: loc(12) },
      { id: id('act'), kind: 'intermediate', op: 'relu', shape: [32, 64], group: g, loc: loc(13) },
      { id: id('res'), kind: 'intermediate', op: 'add', shape: [32, 64], group: g, loc: loc(14) },
    );
    edges.push(
      { from: id('W'), to: id('t'), shape: [64, 64] },
      { from: prev, to: id('mm'), shape: [32, 64] },
      { from: id('t'), to: id('mm'), shape: [64, 64] },
      { from: id('mm'), to: id('add'), shape: [32, 64] },
      { from: id('b'), to: id('add'), shape: [64] },
      { from: id('add'), to: id('act'), shape: [32, 64] },
      { from: id('act'), to: id('res'), shape: [32, 64] },
      { from: prev, to: id('res'), shape: [32, 64] },
    );
    prev = id('res');
    block++;
  }
  nodes.push({ id: 'loss', kind: 'output', op: 'mean', shape: [], loc: loc(20) });
  edges.push({ from: prev, to: 'loss', shape: [32, 64] });
  return { type: 'graph/didChange', file: '/bench/model.ts', models: [{ name: 'deep', graph: { nodes, edges, groups: [{ id: 'Net', label: 'Net' }, ...groups] } }] };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const target = Number(process.argv[2] ?? 2000);
  const runs = Number(process.argv[3] ?? 5);
  const msg = syntheticGraph(target);
  const g = msg.models[0].graph!;
  const browser = await launch();
  try {
    // The panel beside the source (tall: the layout flows down), as the issue measured it.
    const p = await openPanel(browser, { width: 500, height: 900 });
    /** Time from the trigger to the painted SVG, measured in the page. */
    const timed = (trigger: { send?: unknown; expandAll?: boolean; expandOne?: boolean }) =>
      p.page.evaluate(async (t) => {
        const root = document.querySelector('.graph-view') as HTMLElement;
        const before = root.dataset.rendered;
        const started = performance.now();
        if (t.send) window.postMessage(t.send, '*');
        if (t.expandAll) (document.querySelector('button[aria-label="Expand all layers"]') as HTMLElement).click();
        // One collapsed layer, as a click on its box (wherever the view is).
        if (t.expandOne) document.querySelector('.node[data-node-id^="group:"]')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
        await new Promise<void>((resolve) => {
          const poll = (): void => (root.dataset.rendered !== before && document.querySelectorAll('.node').length > 0 ? resolve() : void requestAnimationFrame(poll));
          poll();
        });
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        return { ms: performance.now() - started, status: document.querySelector('.graph-status')?.textContent ?? '', nodes: document.querySelectorAll('.node').length };
      }, trigger);
    // Run 0 warms up (starts the worker, initialises ELK); each run is a new file, drawn from scratch.
    const opened: number[] = [];
    const expandedOne: number[] = [];
    const expanded: number[] = [];
    let openedStatus = '';
    let expandedStatus = '';
    for (let i = 0; i <= runs; i++) {
      const a = await timed({ send: { ...msg, file: `/bench/model-${i}.ts` } });
      const one = await timed({ expandOne: true });
      const b = await timed({ expandAll: true });
      if (i === 0) {
        console.log(`cold: open ${a.ms.toFixed(0)} ms, expand all ${b.ms.toFixed(0)} ms (includes worker start-up)`);
        continue;
      }
      opened.push(a.ms);
      expandedOne.push(one.ms);
      expanded.push(b.ms);
      openedStatus = `${a.nodes} boxes; ${a.status}`;
      expandedStatus = `${b.nodes} boxes; ${b.status}`;
    }
    console.log(`graph-render: ${g.nodes.length} traced nodes, ${g.edges.length} edges, ${g.groups.length} nn groups, ${runs} runs`);
    console.log(`  open (layers auto-collapsed): median ${median(opened).toFixed(0)} ms [${opened.map((t) => t.toFixed(0)).join(', ')}]  ${openedStatus}`);
    console.log(`  expand one layer: median ${median(expandedOne).toFixed(0)} ms [${expandedOne.map((t) => t.toFixed(0)).join(', ')}]  (target: under 100 ms)`);
    console.log(`  expand all (every node laid out): median ${median(expanded).toFixed(0)} ms [${expanded.map((t) => t.toFixed(0)).join(', ')}]  ${expandedStatus}`);
    console.log('  target: under 1000 ms');
    if (p.problems.length) console.log('page problems:', p.problems);
  } finally {
    await browser.close();
  }
}

if (require.main === module) void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
