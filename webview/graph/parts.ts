// A large graph laid out by parts. ELK's layered layout of a whole compound graph at once
// (hierarchyHandling INCLUDE_CHILDREN) costs most of a second at 2,000 nodes. Here each part — the
// root, and every layer drawn as a box — is laid out on its own, innermost first, with the layers
// inside it as fixed boxes: an edge that crosses a layer's border is cut at a port on that border
// (its inputs on the side the graph flows from, its outputs on the other), ELK routes each piece
// within its part, and the pieces are joined again. A part's layout depends only on what is in it
// (sizes, ports, edges, options), so parts alike — the repeated blocks of a network — are laid out
// once, and a part seen in an earlier layout of the same graph is not laid out again.
import type { ElkNode, ElkPoint } from 'elkjs/lib/elk-api';
import type { Direction } from './fit';
import { elkOptions, groupLabel, NODE_HEIGHT, nodeWidth, type VisibleGraph } from './model';

/** Runs ELK on one graph (the worker's or the page's instance). */
export type RunElk = (graph: ElkNode) => Promise<ElkNode>;

/** A part's own layout, relative to its top-left corner, by member, port and piece index. */
export interface PartLayout {
  width: number;
  height: number;
  members: ElkPoint[];
  ports: ElkPoint[];
  /** Each piece's points: a start, then cubic Bézier triples (control, control, end). */
  pieces: ElkPoint[][];
}

/** Layouts by a part's signature; kept by the caller for as long as it draws the same graph. */
export type PartCache = Map<string, PartLayout>;

interface Port {
  id: string;
  side: 'in' | 'out';
}

interface Part {
  /** 'root', or the group's id. */
  id: string;
  elkId: string;
  label?: string;
  /** Sub-parts first, then nodes, in the order of the graph (as toElk orders a container's children). */
  members: ({ part: Part } | { node: string; width: number })[];
  ports: Port[];
  portIds: Map<string, Port>;
  /** Edge pieces inside this part, between members, members' ports and the part's own ports. */
  pieces: { id: string; from: string; to: string }[];
  pieceIds: Map<string, string>;
  /** How many levels of parts lie inside this one (0: only nodes). */
  depth: number;
  signature?: string;
}

function partsOf(v: VisibleGraph): { root: Part; parts: Part[]; containerOf: (node: string) => Part; parentOf: Map<Part, Part> } {
  const make = (id: string, elkId: string, label?: string): Part => ({ id, elkId, ...(label !== undefined ? { label } : {}), members: [], ports: [], portIds: new Map(), pieces: [], pieceIds: new Map(), depth: 0 });
  const root = make('root', 'root');
  const byGroup = new Map(v.groups.map((g) => [g.id, make(g.id, `g:${g.id}`, g.label)]));
  const parentOf = new Map<Part, Part>();
  const container = (group: string | undefined): Part => (group !== undefined ? byGroup.get(group) : undefined) ?? root;
  for (const g of v.groups) {
    const part = byGroup.get(g.id)!;
    const parent = container(g.parent);
    parentOf.set(part, parent);
    parent.members.push({ part });
  }
  const nodeIn = new Map<string, Part>();
  for (const n of v.nodes) {
    const part = container(n.group);
    nodeIn.set(n.id, part);
    part.members.push({ node: n.id, width: nodeWidth(n) });
  }
  const parts = [...byGroup.values(), root];
  // A part's depth is one more than its deepest sub-part's.
  const depthOf = (p: Part): number => p.members.reduce((d, m) => ('part' in m ? Math.max(d, depthOf(m.part) + 1) : d), 0);
  for (const part of parts) part.depth = depthOf(part);
  return { root, parts, containerOf: (node) => nodeIn.get(node) ?? root, parentOf };
}

/** The parts from a node's own up to the root. */
function chain(start: Part, parentOf: Map<Part, Part>): Part[] {
  const out = [start];
  for (let at = parentOf.get(start); at; at = parentOf.get(at)) out.push(at);
  return out;
}

function port(part: Part, side: 'in' | 'out', source: string): string {
  const key = `${side}:${source}`;
  let p = part.portIds.get(key);
  if (!p) {
    p = { id: `${part.elkId}|${key}`, side };
    part.portIds.set(key, p);
    part.ports.push(p);
  }
  return p.id;
}

function piece(part: Part, from: string, to: string): string {
  const key = `${from}->${to}`;
  let id = part.pieceIds.get(key);
  if (id === undefined) {
    id = `${part.elkId}#${part.pieces.length}`;
    part.pieceIds.set(key, id);
    part.pieces.push({ id, from, to });
  }
  return id;
}

/** Cuts every edge at the borders it crosses: up out of the source's parts, across, down into the target's. */
function cutEdges(v: VisibleGraph, containerOf: (node: string) => Part, parentOf: Map<Part, Part>): Map<string, { part: Part; id: string }[]> {
  const pieces = new Map<string, { part: Part; id: string }[]>();
  for (const e of v.edges) {
    const up = chain(containerOf(e.from), parentOf);
    const down = chain(containerOf(e.to), parentOf);
    const common = up.find((p) => down.includes(p))!;
    const path: { part: Part; id: string }[] = [];
    let at = e.from;
    for (const p of up.slice(0, up.indexOf(common))) {
      const out = port(p, 'out', e.from);
      path.push({ part: p, id: piece(p, at, out) });
      at = out;
    }
    // Into the target's parts, outermost first; each piece lies in the part around the port.
    let outer = common;
    for (const p of down.slice(0, down.indexOf(common)).reverse()) {
      const into = port(p, 'in', e.from);
      path.push({ part: outer, id: piece(outer, at, into) });
      at = into;
      outer = p;
    }
    path.push({ part: outer, id: piece(outer, at, e.to) });
    pieces.set(e.id, path);
  }
  return pieces;
}

/**
 * What decides a part's layout, as a string: its options, label, members (a node's size, a
 * sub-part's signature), ports and pieces (by index, not id). Parts with the same signature get
 * the same layout.
 */
function signature(part: Part, direction: Direction): string {
  const ref = new Map<string, string>();
  const members = part.members.map((m, i) => {
    if ('node' in m) {
      ref.set(m.node, `m${i}`);
      return `${m.width}`;
    }
    m.part.ports.forEach((p, k) => ref.set(p.id, `m${i}.${k}`));
    return `(${m.part.signature!})`;
  });
  part.ports.forEach((p, k) => ref.set(p.id, `p${k}`));
  const label = part.label !== undefined ? groupLabel(part.label).width : '-';
  return `${direction}|${label}|${members.join(',')}|${part.ports.map((p) => p.side[0]).join('')}|${part.pieces.map((s) => `${ref.get(s.from)}>${ref.get(s.to)}`).join(',')}`;
}

const SIDES: Record<Direction, Record<Port['side'], string>> = { DOWN: { in: 'NORTH', out: 'SOUTH' }, RIGHT: { in: 'WEST', out: 'EAST' } };

/** Layout options for one part: those of a whole graph its size, splines always (pieces join as Bézier curves). */
function partOptions(part: Part, direction: Direction): Record<string, string> {
  const options = elkOptions(part.members.length, direction);
  delete options['elk.hierarchyHandling'];
  delete options['elk.json.shapeCoords'];
  delete options['elk.json.edgeCoords'];
  options['elk.edgeRouting'] = 'SPLINES';
  options['elk.portConstraints'] = 'FIXED_SIDE';
  // A layer's ports sit where its own layout put them, rarely in line: placement that draws every
  // edge straight (Brandes-Köpf) would step each box of a chain of layers sideways, thousands of
  // pixels over a deep network. Linear segments keeps the chain in line.
  if (part.depth > 0) options['elk.layered.nodePlacement.strategy'] = 'LINEAR_SEGMENTS';
  if (part.label !== undefined) Object.assign(options, groupLabel(part.label).layoutOptions);
  return options;
}

/** The part as ELK input: its nodes, its sub-parts as boxes with their ports fixed where their own layouts put them. */
function elkPart(part: Part, direction: Direction, cache: PartCache): ElkNode {
  const side = SIDES[direction];
  const children = part.members.map((m): ElkNode => {
    if ('node' in m) return { id: m.node, width: m.width, height: NODE_HEIGHT };
    const inner = cache.get(m.part.signature!)!;
    return {
      id: m.part.elkId,
      width: inner.width,
      height: inner.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: m.part.ports.map((p, k) => ({ id: p.id, x: inner.ports[k].x, y: inner.ports[k].y, width: 0, height: 0, layoutOptions: { 'elk.port.side': side[p.side] } })),
    };
  });
  return {
    id: part.elkId,
    layoutOptions: partOptions(part, direction),
    ...(part.label !== undefined ? { labels: [{ text: part.label, width: groupLabel(part.label).width, height: groupLabel(part.label).height }] } : {}),
    ports: part.ports.map((p) => ({ id: p.id, width: 0, height: 0, layoutOptions: { 'elk.port.side': side[p.side] } })),
    children,
    edges: part.pieces.map((s) => ({ id: s.id, sources: [s.from], targets: [s.to] })),
  };
}

/** Points as a start and cubic triples: ELK's splines already are; anything else becomes straight cubic pieces. */
function asCubic(points: ElkPoint[]): ElkPoint[] {
  if ((points.length - 1) % 3 === 0 && points.length > 1) return points;
  const out = [points[0]];
  for (let i = 1; i < points.length; i++) out.push(points[i - 1], points[i], points[i]);
  return out;
}

function readLayout(part: Part, placed: ElkNode): PartLayout {
  const at = (n: { x?: number; y?: number }): ElkPoint => ({ x: n.x ?? 0, y: n.y ?? 0 });
  const byId = new Map((placed.children ?? []).map((c) => [c.id, c]));
  const ports = new Map((placed.ports ?? []).map((p) => [p.id, p]));
  const edges = new Map((placed.edges ?? []).map((e) => [e.id, e]));
  return {
    width: placed.width ?? 0,
    height: placed.height ?? 0,
    members: part.members.map((m) => at(byId.get('node' in m ? m.node : m.part.elkId) ?? {})),
    ports: part.ports.map((p) => at(ports.get(p.id) ?? {})),
    pieces: part.pieces.map((s) => {
      const section = (edges.get(s.id) as { sections?: { startPoint: ElkPoint; endPoint: ElkPoint; bendPoints?: ElkPoint[] }[] } | undefined)?.sections?.[0];
      return section ? asCubic([section.startPoint, ...(section.bendPoints ?? []), section.endPoint]) : [];
    }),
  };
}

/** Joins an edge's pieces into one curve: where two do not meet exactly, a straight cubic bridges them. */
function join(pieces: ElkPoint[][]): ElkPoint[] {
  const out: ElkPoint[] = [];
  for (const points of pieces) {
    if (!points.length) continue;
    const last = out[out.length - 1];
    if (!last) out.push(...points);
    else if (Math.abs(last.x - points[0].x) < 0.01 && Math.abs(last.y - points[0].y) < 0.01) out.push(...points.slice(1));
    else out.push(last, points[0], ...points);
  }
  return out;
}

export interface PartsResult {
  graph: ElkNode;
  /** Parts laid out by ELK in this call (the others came from parts alike, or from the cache). */
  laidOut: number;
  parts: number;
}

/**
 * Lays out `v` part by part, in as many ELK calls as parts nest deep (all the parts of one depth
 * go in one call). The result is in the shape the renderer reads: every shape and edge in root
 * coordinates. Undefined, before any ELK call, when more than `maxParts` parts would need ELK.
 */
export async function layoutByParts(v: VisibleGraph, direction: Direction, run: RunElk, cache: PartCache = new Map(), maxParts = Infinity): Promise<PartsResult | undefined> {
  const { root, parts, containerOf, parentOf } = partsOf(v);
  const cut = cutEdges(v, containerOf, parentOf);
  // Innermost first (a part's signature holds its sub-parts'); one layout for each new signature.
  const byDepth = [...parts].sort((a, b) => a.depth - b.depth);
  const phases: Map<string, Part>[] = [];
  const wanted = new Set<string>();
  for (const part of byDepth) {
    part.signature = signature(part, direction);
    if (cache.has(part.signature) || wanted.has(part.signature)) continue;
    wanted.add(part.signature);
    (phases[part.depth] ??= new Map()).set(part.signature, part);
  }
  if (wanted.size > maxParts) return undefined;
  let laidOut = 0;
  for (const todo of phases) {
    if (!todo) continue;
    // A wrapper whose own layout does nothing: ELK lays out each part inside it on its own.
    const wrapper = await run({
      id: '~parts',
      layoutOptions: { 'elk.algorithm': 'fixed', 'elk.hierarchyHandling': 'SEPARATE_CHILDREN', 'elk.json.shapeCoords': 'PARENT', 'elk.json.edgeCoords': 'CONTAINER' },
      children: [...todo.values()].map((p) => elkPart(p, direction, cache)),
    });
    const placed = new Map((wrapper.children ?? []).map((c) => [c.id, c]));
    for (const [sig, part] of todo) cache.set(sig, readLayout(part, placed.get(part.elkId)!));
    laidOut += todo.size;
  }

  // Every part where its parent put it, from the root down; pieces in root coordinates.
  const shapes: ElkNode[] = [];
  const piecePoints = new Map<string, ElkPoint[]>();
  const place = (part: Part, x: number, y: number): void => {
    const own = cache.get(part.signature!)!;
    if (part !== root) shapes.push({ id: part.elkId, x, y, width: own.width, height: own.height });
    part.members.forEach((m, k) => {
      const at = { x: x + own.members[k].x, y: y + own.members[k].y };
      if ('node' in m) shapes.push({ id: m.node, x: at.x, y: at.y, width: m.width, height: NODE_HEIGHT });
      else place(m.part, at.x, at.y);
    });
    part.pieces.forEach((s, k) => piecePoints.set(s.id, own.pieces[k].map((p) => ({ x: p.x + x, y: p.y + y }))));
  };
  place(root, 0, 0);
  const edges = v.edges.map((e) => {
    const points = join(cut.get(e.id)!.map((s) => piecePoints.get(s.id) ?? []));
    const sections = points.length > 1 ? [{ id: `${e.id}s`, startPoint: points[0], endPoint: points[points.length - 1], bendPoints: points.slice(1, -1) }] : [];
    return { id: e.id, sources: [e.from], targets: [e.to], sections };
  });
  const size = cache.get(root.signature!)!;
  return { graph: { id: 'root', x: 0, y: 0, width: size.width, height: size.height, children: shapes, edges }, laidOut, parts: parts.length };
}
