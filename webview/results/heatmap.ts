// Heatmaps of a small parameter's gradient: analytic, numeric, and their difference, side by side,
// so a wrong row, column or sign stands out. Colours are fill attributes (allowed by the CSP).
import { el } from '../graph/render';
import { fmt, h } from '../dom';

/** A 2-D view of any shape: a vector is one row; higher ranks fold into [first axis, the rest]. */
export function grid(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0] };
  return { rows: shape[0], cols: shape.slice(1).reduce((a, b) => a * b, 1) };
}

/** Diverging scale: blue for negative, red for positive, transparent at 0 (works on any theme). */
export function colour(v: number, maxAbs: number): string {
  if (!Number.isFinite(v)) return 'rgb(128,0,128)';
  const t = maxAbs > 0 ? Math.min(1, Math.abs(v) / maxAbs) : 0;
  return v >= 0 ? `rgba(220,60,50,${t.toFixed(3)})` : `rgba(40,110,220,${t.toFixed(3)})`;
}

function map(title: string, values: number[], shape: readonly number[], maxAbs: number, worst?: readonly number[]): HTMLElement {
  const { rows, cols } = grid(shape);
  const cell = Math.max(6, Math.min(22, Math.floor(220 / Math.max(rows, cols))));
  const svg = el('svg', { width: cols * cell + 2, height: rows * cell + 2, role: 'img', 'aria-label': `${title} heatmap ${rows}×${cols}`, class: 'heatmap' });
  const worstFlat = worst && worst.length ? worst.reduce((acc, i, d) => acc * (shape[d] ?? 1) + i, 0) : -1;
  values.forEach((v, k) => {
    const r = Math.floor(k / cols);
    const c = k % cols;
    const rect = el('rect', { x: 1 + c * cell, y: 1 + r * cell, width: cell - 1, height: cell - 1, fill: colour(v, maxAbs), class: k === worstFlat ? 'cell worst' : 'cell' });
    rect.append(el('title', {}, `[${r}, ${c}] = ${fmt(v)}`));
    svg.append(rect);
  });
  return h('figure', { class: 'heatmap-figure' }, svg, h('figcaption', {}, title));
}

export function heatmaps(name: string, shape: readonly number[], analytic: number[], numeric: number[], worst?: readonly number[], reference = 'numeric'): HTMLElement {
  const diff = analytic.map((a, i) => a - numeric[i]);
  const none = diff.every((d) => d === 0);
  const scale = Math.max(...analytic.map(Math.abs), ...numeric.map(Math.abs));
  // Differences below 0.1% of the gradient's scale are round-off: drawn (nearly) blank, so a passing
  // parameter does not show full-strength noise.
  const diffScale = Math.max(...diff.map(Math.abs), 1e-3 * scale);
  return h(
    'div',
    { class: 'heatmaps', 'data-param': name },
    map('analytic', analytic, shape, scale, worst),
    map(reference, numeric, shape, scale, worst),
    // The difference has its own scale: a tiny error would be invisible on the gradient's.
    map(none ? 'difference (none: equal)' : `difference (scale ${fmt(diffScale)})`, diff, shape, diffScale, worst),
  );
}
