// Expanding one collapsed layer without laying out the whole graph again: the layer's contents are
// laid out alone (a few boxes, milliseconds), put where its box was, and everything past it is
// moved out of the way along the flow (down, or right) and across it; what did not change keeps
// its position. ELK takes hundreds of milliseconds on a few hundred boxes; this takes a few.
// Edges between the layer's contents and the rest are drawn straight; the next full layout
// (a new graph, Fit, collapse or expand all) routes them properly again.
import type { ElkEdgeSection, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { Direction } from './fit';
import type { VisibleGraph } from './model';

type Pt = { x: number; y: number };

function flatten(n: ElkNode, out: ElkNode[] = []): ElkNode[] {
  for (const c of n.children ?? []) {
    out.push(c);
    flatten(c, out);
  }
  return out;
}

function allEdges(n: ElkNode, out: ElkExtendedEdge[] = []): ElkExtendedEdge[] {
  out.push(...((n.edges ?? []) as ElkExtendedEdge[]));
  for (const c of n.children ?? []) allEdges(c, out);
  return out;
}

/** The visible graph of one group's contents (the group, its sub-groups, their nodes and inner edges). */
export function groupContents(next: VisibleGraph, group: string): VisibleGraph {
  const parents = new Map(next.groups.map((g) => [g.id, g.parent]));
  const within = (g: string | undefined): boolean => {
    for (let at = g; at !== undefined; at = parents.get(at)) if (at === group) return true;
    return false;
  };
  const nodes = next.nodes.filter((n) => within(n.group));
  const ids = new Set(nodes.map((n) => n.id));
  const groups = next.groups.filter((g) => within(g.id)).map((g) => (g.id === group ? { id: g.id, label: g.label } : g));
  return { nodes, drawnAs: next.drawnAs, edges: next.edges.filter((e) => ids.has(e.from) && ids.has(e.to)), groups };
}

/**
 * The layout after expanding `group`: `prev` is the drawn layout (group collapsed, its box
 * `group:<id>`), `inner` the contents' own layout (groupContents through ELK). Undefined when the
 * layouts do not fit together (then the caller lays out the whole graph).
 */
export function expandInPlace(prev: { layout: ElkNode; visible: VisibleGraph }, next: VisibleGraph, group: string, inner: ElkNode, direction: Direction): ElkNode | undefined {
  const old = flatten(prev.layout);
  const box = old.find((s) => s.id === `group:${group}`);
  const container = flatten(inner).find((s) => s.id === `g:${group}`);
  if (!box || !container) return undefined;
  const main: 'x' | 'y' = direction === 'DOWN' ? 'y' : 'x';
  const cross: 'x' | 'y' = main === 'y' ? 'x' : 'y';
  const size = (a: 'x' | 'y'): 'width' | 'height' => (a === 'x' ? 'width' : 'height');
  const m0 = box[main] ?? 0;
  const m1 = m0 + (box[size(main)] ?? 0);
  const c1 = (box[cross] ?? 0) + (box[size(cross)] ?? 0);
  const dMain = Math.max(0, (container[size(main)] ?? 0) - (box[size(main)] ?? 0));
  const dCross = Math.max(0, (container[size(cross)] ?? 0) - (box[size(cross)] ?? 0));
  const eps = 0.5;
  /** Past the box along the flow: moved along it; beside it, across the flow: moved across. */
  const movePoint = (p: Pt): Pt => {
    const q = { ...p };
    if (p[main] >= m1 - eps) q[main] += dMain;
    else if (p[main] > m0 - eps && p[cross] >= c1 - eps) q[cross] += dCross;
    return q;
  };
  const offset = { x: (box.x ?? 0) - (container.x ?? 0), y: (box.y ?? 0) - (container.y ?? 0) };
  const shift = (p: Pt): Pt => ({ x: p.x + offset.x, y: p.y + offset.y });

  const shapes: ElkNode[] = [];
  for (const s of old) {
    if (s.id === box.id) continue;
    const start = { x: s.x ?? 0, y: s.y ?? 0 };
    const end = { x: start.x + (s.width ?? 0), y: start.y + (s.height ?? 0) };
    const at = movePoint(start);
    if (!s.id.startsWith('g:')) {
      shapes.push({ id: s.id, x: at.x, y: at.y, width: s.width, height: s.height });
      continue;
    }
    // A container grows with what it holds: past the box if it reaches past it, across if it is beside it.
    const to = { ...end };
    if (end[main] >= m1 - eps) to[main] += dMain;
    if (start[main] < m1 && end[main] > m0 && end[cross] >= c1 - eps) to[cross] += dCross;
    shapes.push({ id: s.id, x: at.x, y: at.y, width: to.x - at.x, height: to.y - at.y });
  }
  for (const s of flatten(inner)) {
    const at = shift({ x: s.x ?? 0, y: s.y ?? 0 });
    shapes.push({ id: s.id, x: at.x, y: at.y, width: s.width, height: s.height });
  }

  const byId = new Map(shapes.map((s) => [s.id, s]));
  const key = (from: string, to: string): string => `${from}->${to}`;
  const prevIds = new Map(prev.visible.edges.map((e) => [e.id, key(e.from, e.to)]));
  const prevEdges = new Map(allEdges(prev.layout).map((e) => [prevIds.get(e.id), e]));
  const innerIds = new Map(groupContents(next, group).edges.map((e) => [e.id, e.id]));
  const innerEdges = new Map(allEdges(inner).filter((e) => innerIds.has(e.id)).map((e) => [e.id, e]));
  const section = (s: ElkEdgeSection, f: (p: Pt) => Pt, id: string): ElkEdgeSection => ({ id, startPoint: f(s.startPoint), endPoint: f(s.endPoint), ...(s.bendPoints ? { bendPoints: s.bendPoints.map(f) } : {}) });
  const edges: ElkExtendedEdge[] = [];
  for (const e of next.edges) {
    const k = key(e.from, e.to);
    const kept = innerEdges.get(e.id) ?? prevEdges.get(k);
    const f = innerEdges.has(e.id) ? shift : movePoint;
    if (kept?.sections?.[0]) {
      const label = kept.labels?.[0];
      const placed = label?.x !== undefined ? f({ x: label.x, y: label.y ?? 0 }) : undefined;
      edges.push({ id: e.id, sources: [e.from], targets: [e.to], sections: [section(kept.sections[0], f, `${e.id}s`)], ...(placed && label ? { labels: [{ ...label, x: placed.x, y: placed.y }] } : {}) });
      continue;
    }
    // A new edge between the layer's contents and the rest: straight, from side to side along the flow.
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) return undefined;
    const out = (s: ElkNode, end: boolean): Pt => {
      const c = { x: (s.x ?? 0) + (s.width ?? 0) / 2, y: (s.y ?? 0) + (s.height ?? 0) / 2 };
      c[main] = (s[main] ?? 0) + (end ? 0 : (s[size(main)] ?? 0));
      return c;
    };
    edges.push({ id: e.id, sources: [e.from], targets: [e.to], sections: [{ id: `${e.id}s`, startPoint: out(a, false), endPoint: out(b, true) }] });
  }
  const width = (prev.layout.width ?? 0) + (main === 'x' ? dMain : dCross);
  const height = (prev.layout.height ?? 0) + (main === 'y' ? dMain : dCross);
  return { id: 'root', x: 0, y: 0, width, height, children: shapes, edges };
}
