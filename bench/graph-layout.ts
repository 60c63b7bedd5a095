// Benchmark: ELK alone (in Node, no browser) on the 2,000-node graph of bench/graph-render.ts with
// every layer expanded, flowing down: the whole graph at once with each option tried one by one,
// against the layout by parts (webview/graph/parts.ts). Contenders take turns, round by round.
// Run: npx tsx bench/graph-layout.ts [rounds=3].
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { layoutVisible } from '../webview/graph/layout';
import { groupLabel, toElk, visibleGraph, type VisibleGraph } from '../webview/graph/model';
import { layoutByParts } from '../webview/graph/parts';
import { syntheticGraph } from './graph-render';

const elk = new ELK();
const graph = syntheticGraph(2000).models[0].graph!;
const expanded = visibleGraph(graph, new Set());

/** The same graph with no two blocks alike: parameter names of a different length in every block. */
function distinctBlocks(): VisibleGraph {
  const g = structuredClone(graph);
  for (const n of g.nodes) {
    const m = /^b(\d+)\.(W|b)$/.exec(n.id);
    if (m) n.name = m[2] === 'W' ? 'w'.repeat(10 + (Number(m[1]) % 40)) : 'b'.repeat(10 + Math.floor(Number(m[1]) / 40));
  }
  return visibleGraph(g, new Set());
}

/** The fast options a large graph's root had before; ELK does not pass a root's options down to the layers inside it. */
const FAST: Record<string, string> = {
  'elk.layered.thoroughness': '1',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
};

/** The whole graph at once (toElk), with `layers` as the only layout options of each layer besides its label's. */
type Whole = { root?: Record<string, string>; layers?: Record<string, string> };
function whole(o: Whole): () => Promise<ElkNode> {
  return () => {
    const input = toElk(expanded, 'DOWN');
    Object.assign(input.layoutOptions!, o.root ?? {});
    const visit = (n: { children?: { children?: unknown[]; labels?: { text: string }[]; layoutOptions?: Record<string, string> }[] }): void => {
      for (const c of n.children ?? []) {
        if (!c.children) continue;
        c.layoutOptions = { ...groupLabel(c.labels![0].text).layoutOptions, ...(o.layers ?? {}) };
        visit(c as never);
      }
    };
    visit(input);
    return elk.layout(input as ElkNode);
  };
}

const distinct = distinctBlocks();
const warm = new Map();
const contenders: [string, () => Promise<ElkNode>][] = [
  ['whole: before (fast options on the root only)', whole({})],
  ['whole: + layers get the fast options too', whole({ layers: FAST })],
  ['whole: + layers thoroughness 1 only', whole({ layers: { 'elk.layered.thoroughness': '1' } })],
  ['whole: + layers greedy switch OFF only', whole({ layers: { 'elk.layered.crossingMinimization.greedySwitch.type': 'OFF' } })],
  ['whole: + layers longest-path layering only', whole({ layers: { 'elk.layered.layering.strategy': 'LONGEST_PATH' } })],
  ['whole: + layers SIMPLE placement only', whole({ layers: { 'elk.layered.nodePlacement.strategy': 'SIMPLE' } })],
  ['whole: + layers POLYLINE only', whole({ layers: { 'elk.edgeRouting': 'POLYLINE' } })],
  ['whole: fast layers, ORTHOGONAL everywhere', whole({ layers: { ...FAST, 'elk.edgeRouting': 'ORTHOGONAL' }, root: { 'elk.edgeRouting': 'ORTHOGONAL' } })],
  ['whole: fast layers, SPLINES everywhere', whole({ layers: { ...FAST, 'elk.edgeRouting': 'SPLINES' }, root: { 'elk.edgeRouting': 'SPLINES' } })],
  ['whole: fast layers, BRANDES_KOEPF placement', whole({ layers: { ...FAST, 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF' }, root: { 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF' } })],
  ['whole: fast layers, LINEAR_SEGMENTS placement', whole({ layers: { ...FAST, 'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS' }, root: { 'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS' } })],
  ['whole: fast layers, NETWORK_SIMPLEX placement', whole({ layers: { ...FAST, 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX' }, root: { 'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX' } })],
  ['whole: fast layers, hierarchicalSweepiness -1', whole({ layers: FAST, root: { 'elk.layered.crossingMinimization.hierarchicalSweepiness': '-1' } })],
  ['whole: fast layers, omitNodeMicroLayout', whole({ layers: { ...FAST, 'elk.omitNodeMicroLayout': 'true' }, root: { 'elk.omitNodeMicroLayout': 'true' } })],
  ['whole: fast layers, post-compaction EDGE_LENGTH', whole({ layers: FAST, root: { 'elk.layered.compaction.postCompaction.strategy': 'EDGE_LENGTH' } })],
  ['whole: fast layers, no component separation', whole({ layers: FAST, root: { 'elk.separateConnectedComponents': 'false' } })],
  ['whole: fast layers + model order in layers', whole({ layers: { ...FAST, 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' } })],
  ['now (layoutVisible): by parts, layers alike laid out once', async () => (await layoutVisible(expanded, 'DOWN', new Map())).graph],
  ['now, again (parts cached from the last layout)', async () => (await layoutVisible(expanded, 'DOWN', warm)).graph],
  ['by parts, no two blocks alike', async () => (await layoutByParts(distinct, 'DOWN', (g) => elk.layout(g)))!.graph],
  ['now, no two blocks alike (too many parts: whole)', async () => (await layoutVisible(distinct, 'DOWN', new Map())).graph],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const times = new Map<string, number[]>();
  const sizes = new Map<string, string>();
  // Round 0 warms V8 up on every contender.
  for (let r = 0; r <= rounds; r++) {
    for (const [name, run] of contenders) {
      const t = performance.now();
      try {
        const out = await run();
        sizes.set(name, `${Math.round(out.width ?? 0)} × ${Math.round(out.height ?? 0)}`);
      } catch (err) {
        sizes.set(name, `fails: ${String(err).split('\n')[0].slice(0, 60)}`);
      }
      if (r > 0) times.set(name, [...(times.get(name) ?? []), performance.now() - t]);
    }
  }
  console.log(`graph-layout: ${expanded.nodes.length} boxes, ${expanded.edges.length} edges, ${expanded.groups.length} layers, flowing down; median of ${rounds} rounds`);
  for (const [name] of contenders) console.log(`  ${name.padEnd(56)} ${median(times.get(name)!).toFixed(0).padStart(5)} ms   ${sizes.get(name)}`);
}

void main();
