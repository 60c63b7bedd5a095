// Pure graph logic, no DOM: which group a node belongs to (parameters join the layer that uses
// them), parameter counts per layer, the visible graph after collapsing groups, and the ELK input.
import type { GraphNodeView, GraphView } from '../../src/shared/protocol';
import type { Direction } from './fit';

export type NodeClass = 'input' | 'param' | 'constant' | 'intermediate' | 'output';

export function nodeClass(n: GraphNodeView): NodeClass {
  if (n.kind === 'input' && n.constant) return 'constant';
  return n.kind;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
export const fmtShape = (shape: readonly number[]): string => `[${shape.join('×')}]`;

/** The label drawn on a node: a value's name, or the op that produced it. */
export function nodeLabel(n: GraphNodeView): string {
  if (n.kind === 'input' || n.kind === 'param') return n.name ?? n.id;
  return n.op ?? n.name ?? n.id;
}

/**
 * Each node's group for drawing. The tracer records groups for op nodes only; a parameter is placed
 * in the group of the ops that consume it when they all share one (conv.weight → SmallCnn/conv).
 */
export function effectiveGroups(g: GraphView): Map<string, string | undefined> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const out = new Map<string, string | undefined>();
  for (const n of g.nodes) out.set(n.id, n.group);
  const consumers = new Map<string, Set<string | undefined>>();
  for (const e of g.edges) {
    const from = byId.get(e.from);
    if (from?.kind !== 'param') continue;
    let s = consumers.get(e.from);
    if (!s) consumers.set(e.from, (s = new Set()));
    s.add(byId.get(e.to)?.group);
  }
  for (const [id, groups] of consumers) if (groups.size === 1) out.set(id, [...groups][0]);
  return out;
}

export interface ParamCounts {
  total: number;
  /** Elements per group id, including everything nested below it. */
  perGroup: Map<string, number>;
  /** Top-level rows for the panel: a layer (group) or a parameter outside any layer. */
  rows: { label: string; count: number; params: string[] }[];
}

function ancestors(group: string | undefined, parents: Map<string, string | undefined>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (let g = group; g !== undefined && !seen.has(g); g = parents.get(g)) {
    seen.add(g);
    out.push(g);
  }
  return out;
}

export function paramCounts(g: GraphView): ParamCounts {
  const groupOf = effectiveGroups(g);
  const parents = new Map(g.groups.map((x) => [x.id, x.parent]));
  const perGroup = new Map<string, number>();
  const rowMap = new Map<string, { label: string; count: number; params: string[] }>();
  let total = 0;
  for (const n of g.nodes) {
    if (n.kind !== 'param') continue;
    const size = sizeOf(n.shape);
    total += size;
    const chain = ancestors(groupOf.get(n.id), parents);
    for (const a of chain) perGroup.set(a, (perGroup.get(a) ?? 0) + size);
    // One row per innermost layer; parameters outside layers get a row of their own.
    const key = chain[0] ?? `param:${n.id}`;
    const label = chain[0] ?? n.name ?? n.id;
    const row = rowMap.get(key) ?? { label, count: 0, params: [] };
    row.count += size;
    row.params.push(n.name ?? n.id);
    rowMap.set(key, row);
  }
  return { total, perGroup, rows: [...rowMap.values()] };
}

export interface VisibleNode {
  id: string;
  /** The traced node, or null for a collapsed group drawn as one box. */
  node: GraphNodeView | null;
  group?: string;
  /** For a collapsed group: its id and how many traced nodes it hides. */
  collapsedGroup?: { id: string; label: string; hidden: number; params: number };
}

export interface VisibleEdge {
  id: string;
  from: string;
  to: string;
  shape: number[];
}

export interface VisibleGroup {
  id: string;
  label: string;
  parent?: string;
}

export interface VisibleGraph {
  nodes: VisibleNode[];
  /** Traced node id → the visible node that draws it (itself, or its collapsed layer). */
  drawnAs: Map<string, string>;
  edges: VisibleEdge[];
  groups: VisibleGroup[];
}

/** Replaces every collapsed group (outermost wins) by one node, re-routing and merging its edges. */
export function visibleGraph(g: GraphView, collapsed: ReadonlySet<string>): VisibleGraph {
  const groupOf = effectiveGroups(g);
  const parents = new Map(g.groups.map((x) => [x.id, x.parent]));
  const labels = new Map(g.groups.map((x) => [x.id, x.label]));
  const known = new Set(g.groups.map((x) => x.id));
  /** The outermost collapsed ancestor of a group, if any. */
  const collapsedRoot = (group: string | undefined): string | undefined => {
    let found: string | undefined;
    for (const a of ancestors(group, parents)) if (collapsed.has(a)) found = a;
    return found;
  };
  const rep = new Map<string, string>();
  const nodes: VisibleNode[] = [];
  const hidden = new Map<string, number>();
  for (const n of g.nodes) {
    const group = groupOf.get(n.id);
    const root = collapsedRoot(group);
    if (root !== undefined) {
      rep.set(n.id, `group:${root}`);
      hidden.set(root, (hidden.get(root) ?? 0) + 1);
    } else {
      rep.set(n.id, n.id);
      nodes.push({ id: n.id, node: n, group: group !== undefined && known.has(group) ? group : undefined });
    }
  }
  const params = new Map<string, number>();
  for (const n of g.nodes) if (n.kind === 'param' && rep.get(n.id) !== n.id) params.set(rep.get(n.id)!, (params.get(rep.get(n.id)!) ?? 0) + sizeOf(n.shape));
  for (const [root, count] of hidden) {
    const parent = parents.get(root);
    const id = `group:${root}`;
    nodes.push({ id, node: null, group: parent, collapsedGroup: { id: root, label: labels.get(root) ?? root, hidden: count, params: params.get(id) ?? 0 } });
  }
  const edges: VisibleEdge[] = [];
  const seen = new Set<string>();
  for (const e of g.edges) {
    const from = rep.get(e.from)!;
    const to = rep.get(e.to)!;
    const key = `${from}->${to}`;
    if (from === to || seen.has(key)) continue;
    seen.add(key);
    edges.push({ id: `e${edges.length}`, from, to, shape: e.shape });
  }
  // Groups drawn as containers: not collapsed, not inside a collapsed one, and not empty.
  const occupied = new Set<string>();
  for (const n of nodes) for (const a of ancestors(n.group, parents)) occupied.add(a);
  const groups = g.groups.filter((x) => occupied.has(x.id) && collapsedRoot(x.id) === undefined).map((x) => ({ id: x.id, label: x.label, ...(x.parent !== undefined ? { parent: x.parent } : {}) }));
  return { nodes, drawnAs: rep, edges, groups };
}

// ---- ELK input ------------------------------------------------------------------------------

export interface ElkInputNode {
  id: string;
  width?: number;
  height?: number;
  children?: ElkInputNode[];
  layoutOptions?: Record<string, string>;
  labels?: { text: string; width: number; height: number }[];
}

export interface ElkInputGraph extends ElkInputNode {
  edges: { id: string; sources: string[]; targets: string[]; labels?: { text: string; width: number; height: number }[] }[];
}

export const NODE_HEIGHT = 40;
const CHAR_WIDTH = 7.2;

/** The two lines drawn in a node's box. */
export function nodeText(v: VisibleNode): [string, string] {
  if (v.node) return [nodeLabel(v.node), fmtShape(v.node.shape)];
  const c = v.collapsedGroup!;
  return [`▸ ${c.label}`, `${c.hidden} nodes${c.params ? ` · ${c.params.toLocaleString('en-US')} params` : ''}`];
}

export function nodeWidth(v: VisibleNode): number {
  const [main, sub] = nodeText(v);
  return Math.max(64, Math.ceil(Math.max(main.length, sub.length) * CHAR_WIDTH) + 24);
}

/** Past this many traced nodes, a new graph opens with its layers collapsed (see autoCollapse). */
export const AUTO_COLLAPSE_ABOVE = 500;
/** The most nodes auto-collapse aims to leave visible. */
const AUTO_COLLAPSE_TARGET = 400;

function depthOf(id: string, parents: Map<string, string | undefined>): number {
  return ancestors(id, parents).length - 1;
}

/**
 * The groups to collapse when a big graph opens: every group at the deepest nesting level that
 * brings the visible count within the target (all top-level groups when none does). A 2,000-node
 * network is read layer by layer anyway, and ELK lays out a few hundred boxes in well under a second.
 */
export function autoCollapse(g: GraphView): Set<string> {
  if (g.nodes.length <= AUTO_COLLAPSE_ABOVE || g.groups.length === 0) return new Set();
  const parents = new Map(g.groups.map((x) => [x.id, x.parent]));
  const maxDepth = Math.max(...g.groups.map((x) => depthOf(x.id, parents)));
  let chosen = new Set<string>();
  for (let d = maxDepth; d >= 0; d--) {
    chosen = new Set(g.groups.filter((x) => depthOf(x.id, parents) === d).map((x) => x.id));
    if (visibleGraph(g, chosen).nodes.length <= AUTO_COLLAPSE_TARGET) return chosen;
  }
  return chosen;
}

/** Past this many boxes a graph is large: fast layout options, no edge labels in ELK, laid out by parts (parts.ts). */
export const LARGE_GRAPH = 300;

/**
 * The fast strategies of a large graph (longest-path layering and simple placement halve ELK's
 * time on 2,000 nodes), for its root and for every layer drawn as a box in it: ELK lays out each
 * container with its own options, not its root's, so without them every layer fell back to ELK's
 * slow defaults (a third of the time on 2,000 nodes; bench/graph-layout.ts). Model order is left
 * out: elkjs 0.12.1 fails with it inside a container.
 */
const LARGE_LAYER_OPTIONS: Record<string, string> = {
  'elk.layered.thoroughness': '1',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
};

/** Layout options: thorough for small graphs; past a few hundred nodes, the fast strategies. */
export function elkOptions(nodeCount: number, direction: Direction = 'RIGHT'): Record<string, string> {
  const large = nodeCount > LARGE_GRAPH;
  return {
    'elk.algorithm': 'layered',
    'elk.direction': direction,
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.json.edgeCoords': 'ROOT',
    'elk.json.shapeCoords': 'ROOT',
    // Each shape label takes a layer of its own, so this gap counts twice between two ops: 30
    // keeps a small graph's layers close together, so more of it fits at a legible zoom.
    'elk.layered.spacing.nodeNodeBetweenLayers': '30',
    'elk.spacing.nodeNode': '20',
    'elk.spacing.edgeLabel': '2',
    'elk.edgeLabels.inline': 'false',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.edgeRouting': 'SPLINES',
    'elk.layered.thoroughness': '7',
    'elk.layered.crossingMinimization.greedySwitch.type': 'TWO_SIDED',
    ...(large ? LARGE_LAYER_OPTIONS : {}),
    'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  };
}


/** A layer's box: room for its label (toggle, name and parameter count) above its contents. */
export function groupLabel(text: string): { width: number; height: number; layoutOptions: Record<string, string> } {
  return { width: text.length * CHAR_WIDTH + 60, height: 18, layoutOptions: { 'elk.padding': '[top=30,left=12,bottom=12,right=12]', 'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT' } };
}

/** Edge shape labels are kept out of ELK for large graphs (they cost layout time); drawn at edge midpoints instead. */
export function toElk(v: VisibleGraph, direction: Direction = 'RIGHT', withEdgeLabels = v.nodes.length <= LARGE_GRAPH): ElkInputGraph {
  const groupNodes = new Map<string, ElkInputNode>();
  for (const g of v.groups) {
    const label = groupLabel(g.label);
    const layoutOptions = v.nodes.length > LARGE_GRAPH ? { ...LARGE_LAYER_OPTIONS, ...label.layoutOptions } : { ...label.layoutOptions };
    groupNodes.set(g.id, { id: `g:${g.id}`, children: [], labels: [{ text: g.label, width: label.width, height: label.height }], layoutOptions });
  }
  const root: ElkInputGraph = { id: 'root', layoutOptions: elkOptions(v.nodes.length, direction), children: [], edges: [] };
  const containerOf = (group: string | undefined): ElkInputNode => (group !== undefined ? groupNodes.get(group) : undefined) ?? root;
  for (const g of v.groups) containerOf(g.parent).children!.push(groupNodes.get(g.id)!);
  for (const n of v.nodes) containerOf(n.group).children!.push({ id: n.id, width: nodeWidth(n), height: NODE_HEIGHT });
  root.edges = v.edges.map((e) => {
    const text = fmtShape(e.shape);
    return { id: e.id, sources: [e.from], targets: [e.to], ...(withEdgeLabels ? { labels: [{ text, width: text.length * 6.2 + 4, height: 14 }] } : {}) };
  });
  return root;
}
