// The computation graph view: model picker, zoom and pan, collapsible layers, hover details,
// parameter counts, error colouring after a check, and a banner when the buffer does not run.
// The panel opens beside the editor, often only 450–650 px wide: there the legend and parameter
// counts fold into an overlay behind a toolbar toggle (closed by default) so the canvas keeps the
// full width. The graph flows down in a tall canvas and right in a wide one (fit.ts), is laid out
// again when the canvas changes shape, and is refitted whenever it is resized; a minimap gives the
// overview whenever part of the graph is out of view.
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GraphDidChange, ModelGraph, ModelResultView, RevealNode, RunErrorLike } from '../types';
import { fmt, h, icon, infoBanner } from '../dom';
import { type NodeError, nodeErrors } from './errors';
import { type Direction, directionFor, fitTransform, type Point, type Transform, wholeTransform } from './fit';
import { expandInPlace, groupContents } from './incremental';
import { type LayoutInfo, layout, layoutVisible } from './layout';
import { Minimap } from './minimap';
import { autoCollapse, fmtShape, nodeClass, nodeLabel, paramCounts, sizeOf, toElk, type VisibleGraph, visibleGraph } from './model';
import type { PartCache } from './parts';
import { renderGraph, svgSkeleton } from './render';

export interface GraphViewHost {
  post(msg: RevealNode): void;
}

/** Below this width the legend and parameter counts become an overlay, closed by default. */
export const NARROW_BELOW = 700;
/** Below this zoom the shapes on edges would be a few pixels tall: they are hidden. */
export const EDGE_LABEL_MIN_ZOOM = 0.55;
/** Gap between a node and its tooltip, in pixels. */
const TOOLTIP_GAP = 8;

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where a tooltip of `tip` size goes beside `node`, inside `bounds` (all in the same pixels): to
 * the right of the node, else to its left (top-aligned with it, moved to stay inside); in a canvas
 * too narrow for either, below the node, else above it; else wherever it covers least.
 */
export function placeTooltip(node: Box, tip: { width: number; height: number }, bounds: Box, gap = TOOLTIP_GAP): { left: number; top: number } {
  const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(v, hi));
  const maxLeft = bounds.left + bounds.width - tip.width;
  const maxTop = bounds.top + bounds.height - tip.height;
  const level = clamp(node.top, bounds.top, maxTop);
  const right = node.left + node.width + gap;
  if (right <= maxLeft) return { left: right, top: level };
  const left = node.left - gap - tip.width;
  if (left >= bounds.left) return { left, top: level };
  const x = clamp(node.left, bounds.left, maxLeft);
  const below = node.top + node.height + gap;
  if (below <= maxTop) return { left: x, top: below };
  const above = node.top - gap - tip.height;
  if (above >= bounds.top) return { left: x, top: above };
  return { left: clamp(right, bounds.left, maxLeft), top: level };
}

export class GraphView {
  readonly root: HTMLElement;
  private models: ModelGraph[] = [];
  private file = '';
  private error: RunErrorLike | undefined;
  private selected = 0;
  private readonly collapsed = new Set<string>();
  private results: ModelResultView[] = [];
  private errors = new Map<string, NodeError>();
  private renderToken = 0;
  private size = { width: 0, height: 0 };
  private t: Transform = { k: 1, x: 0, y: 0 };
  /** The direction the drawn layout flows in; a canvas of the other shape lays it out again. */
  private direction: Direction = 'RIGHT';
  /** The loss's centre in graph units (the output node, or the collapsed layer holding it). */
  private focus: Point | undefined;
  private readonly minimap: Minimap;
  /** What is drawn now: the base an expanded layer is laid out into (incremental.ts). */
  private drawn: { graph: NonNullable<ModelGraph['graph']>; direction: Direction; layout: ElkNode; visible: VisibleGraph } | undefined;
  /** The parts of a large graph laid out so far (parts.ts), for the graph they belong to. */
  private parts: { graph: NonNullable<ModelGraph['graph']>; cache: PartCache } | undefined;
  /** True until the user zooms or pans: until then every render and resize refits the graph. */
  private autoFit = true;
  private narrow = false;
  /** The user's choice for the legend panel; undefined follows the width (open when wide). */
  private sideChoice: boolean | undefined;
  private readonly side: HTMLElement;
  private readonly sideToggle: HTMLButtonElement;
  private readonly sideCount: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly canvas: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly picker: HTMLSelectElement;
  private readonly paramsPanel: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly status: HTMLElement;
  /** An empty or off state (no graph yet, Restricted Mode, no model): information, not an error. */
  private readonly notice: HTMLElement;
  /** The model a CodeLens asked for, until a graph of that file has it. */
  private pendingFocus: { name: string; file?: string } | undefined;
  /** The notice shows the view's own empty state (not the message's): a drawn graph ends it. */
  private emptyNotice = false;
  /** Resolves after each finished render (tests and the benchmark wait on it). */
  lastRender: Promise<void> = Promise.resolve();

  constructor(private readonly host: GraphViewHost) {
    ({ svg: this.svg, viewport: this.viewport } = svgSkeleton());
    this.picker = h('select', { class: 'model-picker', 'aria-label': 'Model' });
    this.picker.addEventListener('change', () => {
      this.pendingFocus = undefined;
      this.selected = this.picker.selectedIndex;
      this.resetCollapsed();
      void this.redraw(true);
    });
    const button = (name: string, label: string, run: () => void): HTMLElement => {
      const b = h('button', { class: 'icon-button', title: label, 'aria-label': label }, icon(name));
      b.addEventListener('click', run);
      return b;
    };
    this.legend = h('div', { class: 'legend', role: 'group', 'aria-label': 'Legend' });
    this.sideCount = h('span', { class: 'side-toggle-count' });
    this.sideToggle = h('button', { class: 'icon-button side-toggle', 'aria-controls': 'graph-side', 'aria-expanded': 'true', title: 'Legend and parameter counts (L)' }, icon('list-unordered'), h('span', { class: 'side-toggle-label' }, ' Legend'), this.sideCount);
    this.sideToggle.addEventListener('click', () => this.setSideOpen(!this.sideOpen()));
    this.status = h('span', { class: 'graph-status', 'aria-live': 'polite' });
    const toolbar = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Graph' },
      this.picker,
      button('zoom-out', 'Zoom out (−)', () => this.zoomBy(1 / 1.25)),
      button('zoom-in', 'Zoom in (+)', () => this.zoomBy(1.25)),
      button('screen-full', 'Fit to view (0)', () => this.fitNow()),
      button('collapse-all', 'Collapse all layers', () => this.setAllCollapsed(true)),
      button('expand-all', 'Expand all layers', () => this.setAllCollapsed(false)),
      this.status,
      this.sideToggle,
    );
    this.banner = h('div', { class: 'banner banner-error', role: 'alert', hidden: true });
    this.notice = h('div', { class: 'notice', hidden: true });
    this.canvas = h('div', { class: 'graph-canvas', tabindex: 0, 'aria-label': 'Computation graph: + and − zoom, 0 fits, arrow keys pan, L shows the legend, Tab moves between nodes' });
    this.minimap = new Minimap((p) => this.centreOn(p));
    this.canvas.append(this.svg, this.minimap.root);
    this.tooltip = h('div', { class: 'tooltip', role: 'tooltip', hidden: true });
    this.paramsPanel = h('aside', { class: 'params-panel', 'aria-label': 'Parameter counts' });
    this.side = h('div', { class: 'side', id: 'graph-side', role: 'region', 'aria-label': 'Legend and parameter counts' }, this.legend, this.paramsPanel);
    this.root = h('div', { class: 'graph-view' }, toolbar, this.banner, this.notice, h('div', { class: 'graph-main' }, this.canvas, this.side), this.tooltip);
    this.wire();
    this.showEmpty('Open a model file to see its computation graph.');
  }

  setGraph(msg: GraphDidChange): void {
    const fileChanged = msg.file !== this.file;
    this.file = msg.file;
    this.error = msg.error;
    // A failed run sends no models: keep the last good graph and show the error over it.
    const drawable = msg.models.filter((m) => m.graph);
    const nameBefore = this.models[this.selected]?.name;
    let focused = false;
    if (drawable.length || fileChanged) {
      this.models = msg.models;
      const wanted = this.takeFocus();
      const again = this.models.findIndex((m) => m.name === (wanted ?? nameBefore));
      focused = wanted !== undefined && wanted !== nameBefore;
      this.selected = again >= 0 ? again : 0;
      if (fileChanged || again < 0 || focused) this.resetCollapsed();
    }
    this.notice.hidden = true;
    if (msg.notice) this.showNotice(msg.notice);
    this.renderBanner(msg);
    void this.redraw(fileChanged || focused);
  }

  /** Shows one model of the file (the CodeLens's "Show graph"); waits for that file's graph if needed. */
  focusModel(name: string, file?: string): void {
    this.pendingFocus = { name, ...(file ? { file } : {}) };
    const wanted = this.takeFocus();
    if (wanted === undefined) return;
    const i = this.models.findIndex((m) => m.name === wanted);
    if (i === this.selected) return;
    this.selected = i;
    this.resetCollapsed();
    void this.redraw(true);
  }

  /** The pending model's name when the current graph is of its file and has it; clears it then. */
  private takeFocus(): string | undefined {
    const want = this.pendingFocus;
    if (!want || (want.file !== undefined && want.file !== this.file) || !this.models.some((m) => m.name === want.name && m.graph)) return undefined;
    this.pendingFocus = undefined;
    return want.name;
  }

  private showNotice(text: string): void {
    this.emptyNotice = false;
    this.notice.replaceChildren(infoBanner(text));
    this.notice.hidden = false;
  }

  setResults(models: ModelResultView[]): void {
    this.results = models;
    void this.redraw(false);
  }

  private currentResult(): ModelResultView | undefined {
    const name = this.models[this.selected]?.name;
    return this.results.find((r) => r.name === name);
  }

  private renderBanner(msg: GraphDidChange): void {
    const errors: string[] = [];
    // A file without models is a state the user is in, not a failure: information.
    if (msg.error?.kind === 'no-model') this.showNotice(`${this.models.some((m) => m.graph) ? 'Showing the last graph that ran. ' : ''}${msg.error.message}`);
    else if (msg.error) errors.push(`${msg.error.message}${msg.error.line ? ` (line ${msg.error.line}${msg.error.column ? `:${msg.error.column}` : ''})` : ''}`);
    for (const m of msg.models) if (m.error) errors.push(`${m.name}: ${m.error.message}${m.error.line ? ` (line ${m.error.line})` : ''}`);
    this.banner.hidden = errors.length === 0;
    this.banner.replaceChildren(icon('error'), h('span', {}, this.models.some((m) => m.graph) && msg.error ? 'Showing the last graph that ran. ' : ''), h('span', { class: 'banner-text' }, errors.join(' · ')));
  }

  private showEmpty(text: string): void {
    this.viewport.replaceChildren();
    this.paramsPanel.replaceChildren(h('p', { class: 'muted' }, text));
    this.legend.replaceChildren();
    // The side panel may be closed (narrow): the state is said over the canvas too, unless a
    // notice or an error already says why there is nothing.
    if (this.notice.hidden && this.banner.hidden) {
      this.showNotice(text);
      this.emptyNotice = true;
    }
  }

  /** `expanded`: the one layer just expanded, laid out into the drawn layout when it can be. */
  private async redraw(refit: boolean, expanded?: string): Promise<void> {
    const token = ++this.renderToken;
    // Read before anything here changes the page: reading a size after a change lays the whole
    // page out again, tens of milliseconds with a large graph drawn.
    const direction = directionFor(this.canvas.clientWidth, this.canvas.clientHeight);
    this.picker.replaceChildren(...this.models.map((m, i) => h('option', { value: i, selected: i === this.selected }, m.name)));
    this.picker.hidden = this.models.length < 2;
    const model = this.models[this.selected];
    const graph = model?.graph;
    if (!graph) {
      this.showEmpty(model?.error ? 'This model did not run.' : 'No graph yet.');
      return;
    }
    const run = async (): Promise<void> => {
      const started = performance.now();
      const visible = visibleGraph(graph, this.collapsed);
      const counts = paramCounts(graph);
      this.status.textContent = 'Laying out…';
      let placed: LayoutInfo | undefined;
      let incremental = false;
      const base = this.drawn;
      if (expanded !== undefined && base && base.graph === graph && base.direction === direction) {
        const contents = groupContents(visible, expanded);
        const inner = await layout(toElk(contents, direction), contents.nodes.length);
        const merged = expandInPlace(base, visible, expanded, inner.graph, direction);
        if (merged) [placed, incremental] = [{ graph: merged, inWorker: inner.inWorker }, true];
      }
      if (this.parts?.graph !== graph) this.parts = { graph, cache: new Map() };
      placed ??= await layoutVisible(visible, direction, this.parts.cache);
      if (token !== this.renderToken) return;
      this.drawn = { graph, direction, layout: placed.graph, visible };
      const result = this.currentResult();
      this.errors = nodeErrors(graph, result);
      // Collapsed layers show the worst error of what they hide.
      for (const n of graph.nodes) {
        const e = this.errors.get(n.id);
        const box = visible.drawnAs.get(n.id);
        if (!e || !box || box === n.id) continue;
        const worst = this.errors.get(box);
        if (!worst || (!e.passed && worst.passed) || (e.passed === worst.passed && e.relError > worst.relError)) this.errors.set(box, e);
      }
      // "No graph yet" is over once there is one; a notice from the message stays.
      if (this.emptyNotice) this.notice.hidden = true;
      renderGraph(this.viewport, { layout: placed.graph, visible, errors: this.errors, paramsPerGroup: counts.perGroup, collapsed: this.collapsed });
      this.size = { width: placed.graph.width ?? 0, height: placed.graph.height ?? 0 };
      this.direction = direction;
      const kinds = new Map(visible.nodes.map((v) => [v.id, `kind-${v.node ? nodeClass(v.node) : 'collapsed-group'}`]));
      this.minimap.draw(placed.graph, kinds);
      this.focus = lossCentre(placed.graph, graph, visible.drawnAs);
      this.renderParams(counts);
      this.renderLegend(result);
      const ms = performance.now() - started;
      const shown = visible.nodes.length < graph.nodes.length ? `${visible.nodes.length} of ${graph.nodes.length} nodes shown (layers collapsed)` : `${graph.nodes.length} nodes`;
      this.status.textContent = `${shown} · ${Math.round(ms)} ms${incremental ? ' (layer laid out in place)' : placed.parts ? ` (by parts: ${placed.parts.laidOut} of ${placed.parts.total} laid out)` : placed.inWorker ? ' (worker)' : ''}`;
      this.root.dataset.rendered = String(token);
      if (refit) {
        this.autoFit = true;
        this.wholeFit = false;
      }
      if (this.autoFit) this.fit();
      else this.apply();
    };
    this.lastRender = run().catch((err: unknown) => {
      this.banner.hidden = false;
      this.banner.replaceChildren(icon('error'), h('span', {}, `The graph could not be laid out: ${(err as Error).message}`));
    });
    await this.lastRender;
  }

  private renderParams(c: ReturnType<typeof paramCounts>): void {
    // The closed toggle still tells the model's size.
    this.sideCount.textContent = ` · ${c.total.toLocaleString('en-US')} params`;
    const rows = c.rows.map((r) => h('tr', {}, h('td', { title: r.params.join(', ') }, r.label), h('td', { class: 'num' }, r.count.toLocaleString('en-US'))));
    this.paramsPanel.replaceChildren(
      h('h3', {}, 'Parameters'),
      h('table', { class: 'params-table' }, h('tbody', {}, ...rows, h('tr', { class: 'total' }, h('td', {}, 'Total'), h('td', { class: 'num', 'data-total': c.total }, c.total.toLocaleString('en-US'))))),
    );
  }

  private renderLegend(result: ModelResultView | undefined): void {
    const swatch = (cls: string, label: string): HTMLElement => h('div', { class: 'legend-item' }, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), label);
    const items = [swatch('kind-input', 'input (data)'), swatch('kind-param', 'parameter'), swatch('kind-constant', 'constant'), swatch('kind-intermediate', 'intermediate'), swatch('kind-output', 'output (loss)')];
    if (result) {
      items.push(h('h4', {}, 'Gradient error'), swatch('err-pass', 'passes, rel. error ≤ 1e-6'), swatch('err-warn', 'passes, rel. error > 1e-6'), swatch('err-fail', 'fails: autograd or a custom op'));
      // Only models with a hand-written backward can fail this way; the others need no such entry.
      if (result.manual?.length) items.push(swatch('err-manual', 'fails: hand-written backward only (✗ backward)'));
    }
    this.legend.replaceChildren(h('h3', {}, 'Legend'), ...items);
  }

  /** A new model starts expanded, unless it is big enough that its layers start collapsed. */
  private resetCollapsed(): void {
    this.collapsed.clear();
    const graph = this.models[this.selected]?.graph;
    if (graph) for (const g of autoCollapse(graph)) this.collapsed.add(g);
  }

  private setAllCollapsed(on: boolean): void {
    const graph = this.models[this.selected]?.graph;
    if (!graph) return;
    this.collapsed.clear();
    // Collapsing the top-level layers hides everything nested in them.
    if (on) for (const g of graph.groups) if (g.parent === undefined) this.collapsed.add(g.id);
    void this.redraw(true);
  }

  // ---- Interaction ----------------------------------------------------------------------------

  private nodeById(id: string) {
    return this.models[this.selected]?.graph?.nodes.find((n) => n.id === id);
  }

  private activate(target: Element): void {
    const toggle = target.closest('.group-toggle');
    if (toggle instanceof SVGElement && toggle.dataset.groupId) {
      this.collapsed.add(toggle.dataset.groupId);
      void this.redraw(false);
      return;
    }
    const nodeEl = target.closest('.node');
    if (!(nodeEl instanceof SVGElement) || !nodeEl.dataset.nodeId) return;
    const id = nodeEl.dataset.nodeId;
    if (id.startsWith('group:')) {
      this.collapsed.delete(id.slice('group:'.length));
      // The layer opens where it was clicked: the view stays put from here on (Fit, 0, fits again).
      this.stopAutoFit();
      void this.redraw(false, id.slice('group:'.length));
      return;
    }
    const n = this.nodeById(id);
    if (n?.loc) this.host.post({ type: 'graph/revealNode', nodeId: id, loc: n.loc });
  }

  private showTooltip(target: Element): void {
    const nodeEl = target.closest('.node');
    const id = nodeEl instanceof SVGElement ? nodeEl.dataset.nodeId : undefined;
    if (!id) {
      this.tooltip.hidden = true;
      return;
    }
    const rows: [string, string][] = [];
    const n = this.nodeById(id);
    if (n) {
      const cls = nodeClass(n);
      rows.push(['kind', cls === 'constant' ? 'constant' : n.kind]);
      if (n.op) rows.push(['op', n.op]);
      if (n.name && n.name !== nodeLabel(n)) rows.push(['name', n.name]);
      const size = sizeOf(n.shape);
      rows.push(['shape', `${fmtShape(n.shape)} (${size.toLocaleString('en-US')} value${size === 1 ? '' : 's'})`]);
      if (n.stats) rows.push(['values', `min ${fmt(n.stats.min)} · max ${fmt(n.stats.max)} · mean ${fmt(n.stats.mean)} · std ${fmt(n.stats.std)}`]);
      if (n.gradNorm !== undefined) rows.push(['‖grad‖₂', fmt(n.gradNorm)]);
      if (n.group) rows.push(['layer', n.group]);
      if (n.loc) rows.push(['source', `line ${n.loc.line}, column ${n.loc.column} (click to reveal)`]);
    } else {
      rows.push(['layer', id.slice('group:'.length)], ['', 'collapsed: click to expand']);
    }
    const err = this.errors.get(id);
    if (err) err.lines.forEach((text, i) => rows.push([i > 0 ? '' : err.passed ? 'check' : 'FAILS', text]));
    this.tooltip.replaceChildren(
      h('div', { class: 'tooltip-title' }, n ? nodeLabel(n) : id),
      h('table', {}, h('tbody', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))),
    );
    this.tooltip.hidden = false;
    // Beside the node, inside the canvas (never over the legend column), in the root's pixels.
    const root = this.root.getBoundingClientRect();
    const rel = (r: DOMRect): Box => ({ left: r.left - root.left, top: r.top - root.top, width: r.width, height: r.height });
    const node = rel((nodeEl!.querySelector('.node-box') ?? nodeEl!).getBoundingClientRect());
    const tip = this.tooltip.getBoundingClientRect();
    const at = placeTooltip(node, tip, rel(this.canvas.getBoundingClientRect()));
    this.tooltip.style.setProperty('left', `${Math.round(at.left)}px`);
    this.tooltip.style.setProperty('top', `${Math.round(at.top)}px`);
  }

  private wire(): void {
    this.svg.addEventListener('click', (e) => this.activate(e.target as Element));
    this.svg.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.activate(e.target as Element);
      }
    });
    this.svg.addEventListener('pointerover', (e) => this.showTooltip(e.target as Element));
    this.svg.addEventListener('pointerout', (e) => {
      if (!(e.relatedTarget instanceof Element) || !e.relatedTarget.closest('.node')) this.tooltip.hidden = true;
    });
    this.svg.addEventListener('focusin', (e) => {
      this.bringIntoView(e.target as Element);
      this.showTooltip(e.target as Element);
    });
    this.svg.addEventListener('focusout', () => (this.tooltip.hidden = true));

    // Zoom about the pointer; pan by dragging the background.
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = this.canvas.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY * 0.0015), { x: e.clientX - r.left, y: e.clientY - r.top });
      },
      { passive: false },
    );
    let drag: { x: number; y: number; tx: number; ty: number } | undefined;
    this.canvas.addEventListener('pointerdown', (e) => {
      if ((e.target as Element).closest('.node, .group-toggle') || e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: this.t.x, ty: this.t.y };
      this.canvas.setPointerCapture(e.pointerId);
      this.canvas.classList.add('panning');
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.stopAutoFit();
      this.t.x = drag.tx + e.clientX - drag.x;
      this.t.y = drag.ty + e.clientY - drag.y;
      this.apply();
    });
    const end = (): void => {
      drag = undefined;
      this.canvas.classList.remove('panning');
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    this.canvas.addEventListener('keydown', (e) => {
      const step = 40;
      const keys: Record<string, () => void> = {
        '+': () => this.zoomBy(1.25),
        '=': () => this.zoomBy(1.25),
        '-': () => this.zoomBy(1 / 1.25),
        '0': () => this.fitNow(),
        l: () => this.setSideOpen(!this.sideOpen()),
        L: () => this.setSideOpen(!this.sideOpen()),
        ArrowLeft: () => this.panBy(step, 0),
        ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step),
        ArrowDown: () => this.panBy(0, -step),
      };
      const run = keys[e.key];
      if (!run) return;
      e.preventDefault();
      run();
    });
    // Escape closes the legend overlay (narrow panels) and gives focus back to its toggle.
    this.root.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || !this.narrow || !this.sideOpen()) return;
      if (!(e.target instanceof Node) || !(this.side.contains(e.target) || e.target === this.sideToggle)) return;
      e.preventDefault();
      this.setSideOpen(false);
      this.sideToggle.focus();
    });
    // Panel width decides the layout; the canvas size decides the fit. A hidden tab measures 0:
    // ignored, and the fit happens when it is shown again.
    new ResizeObserver(() => {
      const width = this.root.clientWidth;
      if (width > 0 && width < NARROW_BELOW !== this.narrow) {
        this.narrow = width < NARROW_BELOW;
        this.root.classList.toggle('narrow', this.narrow);
        this.applySide();
      }
    }).observe(this.root);
    new ResizeObserver(() => {
      const w = this.canvas.clientWidth;
      const hgt = this.canvas.clientHeight;
      // A canvas that changed shape gets a layout flowing the other way, fitted afresh.
      if (w && hgt && this.size.width && directionFor(w, hgt) !== this.direction) void this.redraw(true);
      else if (this.autoFit) this.fit();
      else this.apply();
    }).observe(this.canvas);
    this.applySide();
  }

  private sideOpen(): boolean {
    return this.sideChoice ?? !this.narrow;
  }

  private setSideOpen(open: boolean): void {
    this.sideChoice = open;
    this.applySide();
  }

  private applySide(): void {
    const open = this.sideOpen();
    this.side.hidden = !open;
    this.sideToggle.setAttribute('aria-expanded', String(open));
    this.root.classList.toggle('side-open', open);
  }

  private panBy(dx: number, dy: number): void {
    this.stopAutoFit();
    this.t.x += dx;
    this.t.y += dy;
    this.apply();
  }

  zoomBy(factor: number, about?: { x: number; y: number }): void {
    const c = about ?? { x: this.canvas.clientWidth / 2, y: this.canvas.clientHeight / 2 };
    this.stopAutoFit();
    const k = Math.min(8, Math.max(0.05, this.t.k * factor));
    this.t.x = c.x - ((c.x - this.t.x) * k) / this.t.k;
    this.t.y = c.y - ((c.y - this.t.y) * k) / this.t.k;
    this.t.k = k;
    this.apply();
  }

  /**
   * The Fit button and the 0 key: the whole graph now, even where its labels get small (the first
   * view keeps them legible and leaves the rest to the minimap), and on resize until the user zooms
   * or pans.
   */
  fitNow(): void {
    this.autoFit = true;
    this.wholeFit = true;
    this.fit();
  }

  /** Fit pressed: fits show the whole graph until the user zooms or pans. */
  private wholeFit = false;

  /** The user zoomed or panned: the view stays where they put it. */
  private stopAutoFit(): void {
    this.autoFit = false;
    this.wholeFit = false;
  }

  /**
   * Fits the graph to the canvas as it is now: whole when its labels stay legible (fit.ts), else
   * at the legible zoom around the loss, with the minimap showing the rest.
   */
  private fit(): void {
    const w = this.canvas.clientWidth;
    const hgt = this.canvas.clientHeight;
    // Hidden (another tab) or not laid out yet: the canvas's ResizeObserver fits it when shown.
    if (!w || !hgt || !this.size.width || !this.size.height) return;
    this.t = this.wholeFit ? wholeTransform({ width: w, height: hgt }, this.size) : fitTransform({ width: w, height: hgt }, this.size, this.focus).t;
    this.apply();
  }

  /** A node or layer toggle reached by Tab while out of view: the view moves to it. */
  private bringIntoView(target: Element): void {
    // Focus may scroll the clipped canvas itself; the view pans instead.
    this.canvas.scrollTop = 0;
    this.canvas.scrollLeft = 0;
    const item = target.closest('.node, .group-toggle');
    if (!(item instanceof SVGGraphicsElement)) return;
    const r = item.getBoundingClientRect();
    const c = this.canvas.getBoundingClientRect();
    if (r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom) return;
    const box = item.getBBox();
    this.centreOn({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
  }

  /** The minimap: centres the view on a point of the graph, at the current zoom. */
  private centreOn(p: Point): void {
    this.stopAutoFit();
    this.t.x = this.canvas.clientWidth / 2 - p.x * this.t.k;
    this.t.y = this.canvas.clientHeight / 2 - p.y * this.t.k;
    this.apply();
  }

  private apply(): void {
    this.viewport.setAttribute('transform', `translate(${this.t.x.toFixed(1)},${this.t.y.toFixed(1)}) scale(${this.t.k.toFixed(4)})`);
    // Zoomed out, shapes on edges are hidden, and layer labels are counter-scaled by the CSS to
    // keep a legible size on screen (--gl-zoom; a CSSOM property, which the CSP allows).
    this.svg.classList.toggle('zoomed-out', this.t.k < EDGE_LABEL_MIN_ZOOM);
    this.svg.style.setProperty('--gl-zoom', this.t.k.toFixed(4));
    this.root.dataset.zoom = this.t.k.toFixed(4);
    this.root.dataset.direction = this.direction;
    this.minimap.update(this.t, { width: this.canvas.clientWidth, height: this.canvas.clientHeight });
  }
}

/** The centre of the box the loss is drawn in: the last output node, or the collapsed layer holding it. */
function lossCentre(placed: ElkNode, graph: NonNullable<ModelGraph['graph']>, drawnAs: ReadonlyMap<string, string>): Point | undefined {
  const loss = [...graph.nodes].reverse().find((n) => n.kind === 'output');
  const id = loss && (drawnAs.get(loss.id) ?? loss.id);
  const find = (n: ElkNode): ElkNode | undefined => {
    for (const c of n.children ?? []) {
      const hit = c.id === id ? c : find(c);
      if (hit) return hit;
    }
    return undefined;
  };
  const box = id === undefined ? undefined : find(placed);
  return box ? { x: (box.x ?? 0) + (box.width ?? 0) / 2, y: (box.y ?? 0) + (box.height ?? 0) / 2 } : undefined;
}
