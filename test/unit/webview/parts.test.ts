// The layout by parts (webview/graph/parts.ts) through the real elkjs, in Node: layers nested three
// deep with edges that cross several borders must come out as sound as a whole layout — every node
// in its layer's box, layers inside their parents, no sibling overlapping another, every edge from
// its source's border to its target's along the flow — and parts alike are laid out once.
import { strict as assert } from 'node:assert';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GraphView } from '../../../src/shared/protocol';
import type { Direction } from '../../../webview/graph/fit';
import { visibleGraph, type VisibleGraph } from '../../../webview/graph/model';
import { layoutByParts, type PartCache } from '../../../webview/graph/parts';

const elk = new ELK();
let calls = 0;
const run = (g: ElkNode): Promise<ElkNode> => {
  calls++;
  return elk.layout(g);
};

/** Two blocks alike in A (B1 and B2, each with a layer C inside, wired alike), a layer D/E elsewhere, and edges across them all. */
function nested(): GraphView {
  const op = (id: string, group?: string) => ({ id, kind: 'intermediate' as const, op: 'add', shape: [4], ...(group ? { group } : {}) });
  return {
    nodes: [
      { id: 'x', kind: 'input', name: 'X', shape: [4] },
      op('b1', 'A/B1'),
      op('c1', 'A/B1/C'),
      op('c1b', 'A/B1/C'),
      op('b2', 'A/B2'),
      op('c2', 'A/B2/C'),
      op('c2b', 'A/B2/C'),
      op('e', 'D/E'),
      op('d', 'D'),
      { id: 'loss', kind: 'output', op: 'mean', shape: [] },
    ],
    edges: [
      ['x', 'b1'], ['b1', 'c1'], ['c1', 'c1b'], ['c1b', 'b2'], ['x', 'c1'], // into A/B1/C from the root: two borders
      ['b2', 'c2'], ['c2', 'c2b'], ['c2b', 'e'], ['c1b', 'c2'], // from deep in A to deep in D: three borders up, two down
      ['e', 'd'], ['d', 'loss'], ['c1b', 'loss'],
    ].map(([from, to]) => ({ from, to, shape: [4] })),
    groups: [
      { id: 'A', label: 'A' },
      { id: 'A/B1', label: 'B', parent: 'A' },
      { id: 'A/B1/C', label: 'C', parent: 'A/B1' },
      { id: 'A/B2', label: 'B', parent: 'A' },
      { id: 'A/B2/C', label: 'C', parent: 'A/B2' },
      { id: 'D', label: 'D' },
      { id: 'D/E', label: 'E', parent: 'D' },
    ],
  };
}

type Box = { left: number; top: number; right: number; bottom: number };
const box = (s: ElkNode): Box => ({ left: s.x!, top: s.y!, right: s.x! + s.width!, bottom: s.y! + s.height! });
const within = (a: Box, b: Box): boolean => a.left >= b.left - 0.01 && a.right <= b.right + 0.01 && a.top >= b.top - 0.01 && a.bottom <= b.bottom + 0.01;
const overlap = (a: Box, b: Box): boolean => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;

function assertSound(v: VisibleGraph, g: GraphView, layout: ElkNode, direction: Direction): void {
  const shapes = new Map((layout.children ?? []).map((s) => [s.id, box(s)]));
  const parentOf = new Map(g.groups.map((x) => [x.id, x.parent]));
  for (const n of v.nodes) {
    assert.ok(shapes.has(n.id), `${n.id} is placed`);
    if (n.group) assert.ok(within(shapes.get(n.id)!, shapes.get(`g:${n.group}`)!), `${n.id} is inside ${n.group}`);
  }
  for (const x of v.groups) if (x.parent) assert.ok(within(shapes.get(`g:${x.id}`)!, shapes.get(`g:${x.parent}`)!), `${x.id} is inside ${x.parent}`);
  // Siblings (nodes and layers with the same container) never overlap.
  const containerOf = (id: string): string | undefined => (id.startsWith('g:') ? parentOf.get(id.slice(2)) : v.nodes.find((n) => n.id === id)?.group);
  const ids = [...shapes.keys()];
  for (const a of ids) for (const b of ids) if (a < b && containerOf(a) === containerOf(b)) assert.ok(!overlap(shapes.get(a)!, shapes.get(b)!), `${a} overlaps ${b}`);
  // Each edge is one curve (a start and cubic triples) from its source's border to its target's, along the flow.
  assert.equal(layout.edges?.length, v.edges.length);
  for (const e of layout.edges as { sources: string[]; targets: string[]; sections: { startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: unknown[] }[] }[]) {
    const [from, to] = [shapes.get(e.sources[0])!, shapes.get(e.targets[0])!];
    const s = e.sections[0];
    assert.equal(((s.bendPoints?.length ?? 0) + 1) % 3, 0, `${e.sources[0]}→${e.targets[0]} is a chain of cubic curves`);
    const [a, b] = direction === 'DOWN' ? [s.startPoint.y, s.endPoint.y] : [s.startPoint.x, s.endPoint.x];
    const [out, into] = direction === 'DOWN' ? [from.bottom, to.top] : [from.right, to.left];
    assert.ok(Math.abs(a - out) < 1 && Math.abs(b - into) < 1, `${e.sources[0]}→${e.targets[0]} runs from ${a} to ${b}, not from ${out} to ${into}`);
    assert.ok(into >= out, `${e.targets[0]} is past ${e.sources[0]} along the flow`);
  }
}

describe('layout by parts', () => {
  for (const direction of ['DOWN', 'RIGHT'] as const) {
    it(`lays out layers nested three deep, with edges across several borders, soundly (${direction})`, async () => {
      const g = nested();
      const v = visibleGraph(g, new Set());
      const r = (await layoutByParts(v, direction, run))!;
      assertSound(v, g, r.graph, direction);
      // Root, A, D, D/E, and one each of the blocks alike: A/B1 = A/B2 and A/B1/C = A/B2/C.
      assert.deepEqual([r.parts, r.laidOut], [8, 6]);
      const at = (id: string) => r.graph.children!.find((s) => s.id === id)!;
      const rel = (id: string, group: string) => [at(id).x! - at(group).x!, at(id).y! - at(group).y!];
      const [p, q] = [rel('c2', 'g:A/B2'), rel('c1', 'g:A/B1')];
      assert.ok(Math.abs(p[0] - q[0]) < 1e-6 && Math.abs(p[1] - q[1]) < 1e-6, `blocks alike are drawn alike: ${p} against ${q}`);
    });
  }

  it('lays out parts alike once, and nothing again from its cache', async () => {
    const v = visibleGraph(nested(), new Set());
    const cache: PartCache = new Map();
    calls = 0;
    const first = (await layoutByParts(v, 'DOWN', run, cache))!;
    // One ELK call per depth: C and E; B and D; A; the root.
    assert.equal(calls, 4);
    const again = (await layoutByParts(v, 'DOWN', run, cache))!;
    assert.equal(calls, 4);
    assert.equal(again.laidOut, 0);
    assert.deepEqual(again.graph, first.graph);
  });

  it('gives up before any ELK call when more parts need laying out than allowed', async () => {
    calls = 0;
    assert.equal(await layoutByParts(visibleGraph(nested(), new Set()), 'DOWN', run, new Map(), 5), undefined);
    assert.equal(calls, 0);
  });

  it('draws a collapsed layer as a box like any node', async () => {
    const g = nested();
    const v = visibleGraph(g, new Set(['A/B2']));
    const r = (await layoutByParts(v, 'DOWN', run))!;
    assertSound(v, g, r.graph, 'DOWN');
    assert.ok(r.graph.children!.some((s) => s.id === 'group:A/B2'));
  });
});
