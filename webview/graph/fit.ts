// Where the graph goes in its canvas: the layout's direction from the canvas's shape, and the
// first view. The panel beside the source is tall and narrow, so a graph flows down there (as in
// Netron) and right in a wide panel. A graph is shown whole only while its labels stay legible;
// otherwise the view opens on the loss, and the minimap gives the overview.

export type Direction = 'DOWN' | 'RIGHT';

/** Node labels are 12 px in graph units (.node-label in media/gradlens.css). */
export const LABEL_FONT_PX = 12;
/** The smallest label a fit may draw, in screen pixels. */
export const MIN_LABEL_PX = 11;
/** The smallest zoom a fit uses: labels of MIN_LABEL_PX on screen (rounded up, so 4-digit transforms keep it). */
export const LEGIBLE_ZOOM = Math.ceil((MIN_LABEL_PX / LABEL_FONT_PX) * 1000) / 1000;
/** A fit never magnifies a small graph past this. */
export const MAX_FIT_ZOOM = 1.5;
export const MARGIN = 12;

/** Top-to-bottom in a canvas taller than wide, left-to-right otherwise. */
export function directionFor(width: number, height: number): Direction {
  return height > width ? 'DOWN' : 'RIGHT';
}

export interface Transform {
  k: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

/**
 * The first view of a graph of `size` in a canvas of `view`: the whole graph, centred, when it fits
 * at LEGIBLE_ZOOM or more; else at LEGIBLE_ZOOM with `focus` (the loss) in view, moved as far as
 * the graph's edges allow so that little of the canvas is left empty.
 */
export function fitTransform(view: { width: number; height: number }, size: { width: number; height: number }, focus: Point | undefined): { t: Transform; whole: boolean } {
  const whole = wholeTransform(view, size);
  if (whole.k >= LEGIBLE_ZOOM) return { t: whole, whole: true };
  const k = LEGIBLE_ZOOM;
  const at = focus ?? { x: size.width / 2, y: size.height / 2 };
  const axis = (extent: number, graph: number, c: number): number => {
    const drawn = graph * k;
    if (drawn + 2 * MARGIN <= extent) return (extent - drawn) / 2;
    const centred = extent / 2 - c * k;
    return Math.min(MARGIN, Math.max(extent - MARGIN - drawn, centred));
  };
  return { t: { k, x: axis(view.width, size.width, at.x), y: axis(view.height, size.height, at.y) }, whole: false };
}

/**
 * The whole graph, centred, at whatever zoom that takes (never magnified past MAX_FIT_ZOOM): what
 * the Fit button shows when asked, labels small or not; the first view keeps to fitTransform.
 */
export function wholeTransform(view: { width: number; height: number }, size: { width: number; height: number }): Transform {
  const k = Math.min(MAX_FIT_ZOOM, (view.width - 2 * MARGIN) / size.width, (view.height - 2 * MARGIN) / size.height);
  return { k, x: (view.width - size.width * k) / 2, y: (view.height - size.height * k) / 2 };
}
