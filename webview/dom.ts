// Small DOM helpers for the views: elements built with text, never with HTML strings of data.

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A custom element (the vscode-elements components) with attributes. */
export function ce(tag: string, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElement {
  return h(tag as 'div', attrs, ...children);
}

export function icon(name: string, label?: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': label ? undefined : 'true', 'aria-label': label, role: label ? 'img' : undefined });
}

/** 3 significant digits; exponent form for the tiny and huge numbers gradient errors are; NaN and ±∞ by name. */
export function fmt(x: number | undefined): string {
  if (x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(2).replace('e+', 'e');
  return String(Number(x.toPrecision(4)));
}

export const fmtIndex = (index: readonly number[]): string => `[${index.join(', ')}]`;

/** A neutral, informational banner (an empty or off state): not an error, so not red. */
export function infoBanner(text: string): HTMLElement {
  return h('div', { class: 'banner banner-info', role: 'status' }, icon('info'), h('span', { class: 'banner-text' }, text));
}

/** After the browser has laid out what just changed (a tab shown a moment ago has a size). */
export function afterLayout(run: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(run));
}
