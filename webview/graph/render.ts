// Draws a laid-out graph as SVG. Colours come from CSS classes (media/gradlens.css), so themes
// apply; nothing here sets a style attribute (the CSP allows none).
import type { ElkEdgeSection, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { type NodeError, errorBand } from './errors';
import { fmtShape, nodeClass, nodeLabel, nodeText, type VisibleGraph, type VisibleNode } from './model';

const SVG = 'http://www.w3.org/2000/svg';

export function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface RenderInput {
  layout: ElkNode;
  visible: VisibleGraph;
  errors: Map<string, NodeError>;
  paramsPerGroup: Map<string, number>;
  collapsed: ReadonlySet<string>;
}

function flatten(n: ElkNode, out: Map<string, ElkNode>): void {
  for (const c of n.children ?? []) {
    out.set(c.id, c);
    flatten(c, out);
  }
}

function allEdges(n: ElkNode, out: ElkExtendedEdge[]): ElkExtendedEdge[] {
  out.push(...((n.edges ?? []) as ElkExtendedEdge[]));
  for (const c of n.children ?? []) allEdges(c, out);
  return out;
}

function pathOf(s: ElkEdgeSection): string {
  const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
  const p = (q: { x: number; y: number }): string => `${q.x.toFixed(1)},${q.y.toFixed(1)}`;
  // ELK's spline routing gives cubic Bézier control points: start, then (c1, c2, end) triples.
  if (pts.length > 2 && (pts.length - 1) % 3 === 0) {
    let d = `M${p(pts[0])}`;
    for (let i = 1; i < pts.length; i += 3) d += `C${p(pts[i])} ${p(pts[i + 1])} ${p(pts[i + 2])}`;
    return d;
  }
  return `M${pts.map(p).join('L')}`;
}

function midpoint(s: ElkEdgeSection): { x: number; y: number } {
  const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
  const a = pts[Math.floor((pts.length - 1) / 2)];
  const b = pts[Math.ceil((pts.length - 1) / 2)];
  return a === b ? a : { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/** What a screen reader hears on a node: what it is, and after a check, which check says what. */
function describe(v: VisibleNode, err: NodeError | undefined): string {
  const check = err ? `; ${err.passed ? 'check passes' : 'FAILS'}: ${err.lines.join('; ')}` : '';
  if (!v.node) return `layer ${v.collapsedGroup!.label}, collapsed, ${v.collapsedGroup!.hidden} nodes${check}`;
  const n = v.node;
  const kind = nodeClass(n) === 'constant' ? 'constant' : n.kind;
  return `${kind} ${nodeLabel(n)} ${fmtShape(n.shape)}${n.loc ? `, line ${n.loc.line}` : ''}${check}`;
}

export function renderGraph(into: SVGGElement, r: RenderInput): void {
  into.replaceChildren();
  const shapes = new Map<string, ElkNode>();
  flatten(r.layout, shapes);
  const byId = new Map(r.visible.nodes.map((v) => [v.id, v]));

  const groupLayer = el('g', { class: 'groups' });
  const edgeLayer = el('g', { class: 'edges' });
  const labelLayer = el('g', { class: 'edge-labels' });
  const nodeLayer = el('g', { class: 'nodes' });
  into.append(groupLayer, edgeLayer, labelLayer, nodeLayer);

  // Containers, outermost first so inner ones paint on top.
  for (const g of r.visible.groups) {
    const s = shapes.get(`g:${g.id}`);
    if (!s) continue;
    const box = el('g', { class: 'group', 'data-group-id': g.id });
    box.append(el('rect', { x: s.x ?? 0, y: s.y ?? 0, width: s.width ?? 0, height: s.height ?? 0, rx: 8 }));
    const count = r.paramsPerGroup.get(g.id);
    const toggle = el('g', { class: 'group-toggle', tabindex: 0, role: 'button', 'aria-label': `Collapse layer ${g.label}`, 'data-group-id': g.id });
    toggle.append(el('rect', { x: (s.x ?? 0) + 6, y: (s.y ?? 0) + 6, width: 16, height: 16, rx: 3 }), el('text', { x: (s.x ?? 0) + 14, y: (s.y ?? 0) + 18, 'text-anchor': 'middle' }, '−'));
    box.append(toggle, el('text', { class: 'group-label', x: (s.x ?? 0) + 28, y: (s.y ?? 0) + 19 }, `${g.label}${count ? ` · ${count.toLocaleString('en-US')} params` : ''}`));
    groupLayer.append(box);
  }

  const edgeById = new Map(r.visible.edges.map((x) => [x.id, x]));
  for (const e of allEdges(r.layout, [])) {
    const section = e.sections?.[0];
    if (!section) continue;
    const visible = edgeById.get(e.id);
    edgeLayer.append(el('path', { class: 'edge', d: pathOf(section), 'marker-end': 'url(#gl-arrow)', 'data-edge-id': e.id }));
    if (!visible) continue;
    const text = fmtShape(visible.shape);
    const placed = e.labels?.[0];
    const at = placed?.x !== undefined ? { x: placed.x + (placed.width ?? 0) / 2, y: (placed.y ?? 0) + 11 } : midpoint(section);
    labelLayer.append(el('text', { class: 'edge-label', x: at.x.toFixed(1), y: at.y.toFixed(1), 'text-anchor': 'middle' }, text));
  }

  for (const [id, s] of shapes) {
    const v = byId.get(id);
    if (!v) continue;
    const x = s.x ?? 0;
    const y = s.y ?? 0;
    const w = s.width ?? 0;
    const h = s.height ?? 0;
    const cls = v.node ? nodeClass(v.node) : 'collapsed-group';
    const err = r.errors.get(id);
    const classes = ['node', `kind-${cls}`];
    if (err) classes.push('has-error', `err-${errorBand(err)}`);
    const g = el('g', { class: classes.join(' '), 'data-node-id': id, tabindex: 0, role: 'button', 'aria-label': describe(v, err) });
    g.append(el('rect', { class: 'node-box', x, y, width: w, height: h, rx: cls === 'param' ? 2 : 8 }));
    // Parameters get an inner frame: drawn like inputs (they are inputs to the loss) but unmistakable.
    if (cls === 'param') g.append(el('rect', { class: 'param-frame', x: x + 3, y: y + 3, width: w - 6, height: h - 6, rx: 1 }));
    const [main, sub] = nodeText(v);
    g.append(el('text', { class: 'node-label', x: x + w / 2, y: y + 17, 'text-anchor': 'middle' }, main));
    g.append(el('text', { class: 'node-sub', x: x + w / 2, y: y + 31, 'text-anchor': 'middle' }, sub));
    // The flag says which backward is wrong: ✗ for autograd or a custom op, "✗ backward" for the
    // user's hand-written one (autograd passing means the model itself is fine).
    if (err && !err.passed) g.append(el('text', { class: `node-flag${err.source === 'manual' ? ' node-flag-manual' : ''}`, ...(err.source === 'manual' ? { x, y: y - 4 } : { x: x + w - 4, y: y - 4, 'text-anchor': 'end' }) }, err.source === 'manual' ? '✗ backward' : '✗'));
    nodeLayer.append(g);
  }
}

/** The SVG skeleton: arrow marker and the viewport group that zoom and pan transform. */
export function svgSkeleton(): { svg: SVGSVGElement; viewport: SVGGElement } {
  const svg = el('svg', { class: 'graph-svg', role: 'img', 'aria-label': 'Computation graph' });
  const defs = el('defs');
  const marker = el('marker', { id: 'gl-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M0,0L10,5L0,10z', class: 'arrow-head' }));
  defs.append(marker);
  const viewport = el('g', { class: 'viewport' });
  svg.append(defs, viewport);
  return { svg, viewport };
}
