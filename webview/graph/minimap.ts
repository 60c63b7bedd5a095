// The overview: the whole graph in miniature in a corner of the canvas, with the part in view
// framed. Shown only while part of the graph is outside the canvas; a click or drag on it moves
// the view there. Boxes only (no text, no edges): cheap to draw for a 2,000-node graph.
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { Point, Transform } from './fit';
import { el } from './render';

/** The minimap's longer side, in pixels. */
const MINIMAP_PX = 140;

export class Minimap {
  readonly root: SVGSVGElement;
  private readonly boxes: SVGGElement;
  private readonly frame: SVGRectElement;
  private size = { width: 1, height: 1 };

  /** `moveTo` receives a point in graph units, to centre the view on. */
  constructor(moveTo: (p: Point) => void) {
    this.root = el('svg', { class: 'minimap', role: 'img', 'aria-label': 'Overview of the whole graph: click to move the view' });
    this.boxes = el('g', { class: 'minimap-boxes' });
    this.frame = el('rect', { class: 'minimap-view' });
    this.root.append(this.boxes, this.frame);
    this.root.setAttribute('hidden', '');
    let dragging = false;
    const at = (e: PointerEvent): Point => {
      const r = this.root.getBoundingClientRect();
      return { x: ((e.clientX - r.left) / r.width) * this.size.width, y: ((e.clientY - r.top) / r.height) * this.size.height };
    };
    this.root.addEventListener('pointerdown', (e) => {
      e.stopPropagation();
      dragging = true;
      this.root.setPointerCapture(e.pointerId);
      moveTo(at(e));
    });
    this.root.addEventListener('pointermove', (e) => dragging && moveTo(at(e)));
    const end = (): void => void (dragging = false);
    this.root.addEventListener('pointerup', end);
    this.root.addEventListener('pointercancel', end);
  }

  /** Redraws the miniature of a new layout; `kinds` gives each drawn node's class (kind-…). */
  draw(layout: ElkNode, kinds: Map<string, string>): void {
    this.size = { width: Math.max(1, layout.width ?? 1), height: Math.max(1, layout.height ?? 1) };
    const scale = MINIMAP_PX / Math.max(this.size.width, this.size.height);
    this.root.setAttribute('width', String(Math.round(this.size.width * scale)));
    this.root.setAttribute('height', String(Math.round(this.size.height * scale)));
    this.root.setAttribute('viewBox', `0 0 ${this.size.width} ${this.size.height}`);
    const rects: SVGRectElement[] = [];
    const walk = (n: ElkNode): void => {
      for (const c of n.children ?? []) {
        const kind = kinds.get(c.id);
        if (kind) rects.push(el('rect', { class: `minimap-node ${kind}`, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 }));
        walk(c);
      }
    };
    walk(layout);
    this.boxes.replaceChildren(...rects);
  }

  /** Shows the minimap when the view `t` of a canvas `view` leaves part of the graph out; frames what is in view. */
  update(t: Transform, view: { width: number; height: number }): boolean {
    const left = -t.x / t.k;
    const top = -t.y / t.k;
    const w = view.width / t.k;
    const hgt = view.height / t.k;
    const partial = left > 0.5 || top > 0.5 || left + w < this.size.width - 0.5 || top + hgt < this.size.height - 0.5;
    if (partial) this.root.removeAttribute('hidden');
    else this.root.setAttribute('hidden', '');
    this.frame.setAttribute('x', left.toFixed(1));
    this.frame.setAttribute('y', top.toFixed(1));
    this.frame.setAttribute('width', w.toFixed(1));
    this.frame.setAttribute('height', hgt.toFixed(1));
    return partial;
  }
}
