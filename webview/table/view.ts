// The derivative table: rules in groups, rendered by KaTeX as MathML (no fonts, no inline styles,
// so it works under the strict CSP), each with a badge from its numeric verification. A failing
// rule is marked and counted, never hidden; the filter never hides failures from the summary.
import katex from 'katex';
import type { RuleGroup, RuleVerification, TableRule } from '../types';
import { afterLayout, ce, fmt, h, icon } from '../dom';

const GROUP_TITLES: Record<RuleGroup, string> = {
  'scalar-by-vector': 'Scalar by vector',
  'vector-by-vector': 'Vector by vector (Jacobians)',
  'scalar-by-matrix': 'Scalar by matrix',
  losses: 'Losses',
  layers: 'Layers',
  ops: 'Engine ops (the same entries the editor hovers show)',
};

// Chromium's MathML ignores mathvariant on <mi>, so 𝔸-style letters are written as their own
// Unicode characters (the letterlike ones ℂ ℍ ℕ ℙ ℚ ℝ ℤ live outside the math alphanumeric block).
const LETTERLIKE: Record<string, string> = { C: 'ℂ', H: 'ℍ', N: 'ℕ', P: 'ℙ', Q: 'ℚ', R: 'ℝ', Z: 'ℤ' };
function doubleStruck(mathml: string): string {
  return mathml.replace(/<mi mathvariant="double-struck">([A-Z])<\/mi>/g, (_, c: string) => `<mi>${LETTERLIKE[c] ?? String.fromCodePoint(0x1d538 + c.charCodeAt(0) - 65)}</mi>`);
}

export function math(tex: string, display = true): HTMLElement {
  const span = h('span', { class: display ? 'math' : 'math math-inline' });
  // KaTeX escapes the text it emits, and trust: false refuses \href and friends. throwOnError:
  // false renders a bad formula in red instead of losing the whole table.
  span.innerHTML = doubleStruck(katex.renderToString(tex, { output: 'mathml', displayMode: display, throwOnError: false, trust: false }));
  return span;
}

export class TableView {
  readonly root: HTMLElement;
  private rules: TableRule[] = [];
  private used = new Set<string>();
  private verification = new Map<string, RuleVerification>();
  private verifyError: string | undefined;
  private readonly rows = new Map<string, HTMLElement>();
  private readonly list: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly filterBox: HTMLInputElement & { value: string };
  private readonly onlyUsed: HTMLInputElement;
  private readonly empty: HTMLElement;
  /** The op a hover link asked for, until the rules have arrived. */
  private pendingFocus: string | undefined;
  /** The rule brought into view last: it stays marked when the rules are re-sent. */
  private focusedId: string | undefined;

  constructor() {
    this.filterBox = ce('vscode-textfield', { placeholder: 'Filter rules: softmax, tr, Jacobian, conv…', 'aria-label': 'Filter rules', class: 'filter' }) as HTMLInputElement;
    this.filterBox.append(h('span', { slot: 'content-before', class: 'codicon codicon-filter' }));
    this.filterBox.addEventListener('input', () => this.applyFilter());
    this.onlyUsed = h('input', { type: 'checkbox', id: 'only-used' });
    this.onlyUsed.addEventListener('change', () => this.applyFilter());
    this.summary = h('div', { class: 'table-summary', 'aria-live': 'polite' });
    this.list = h('div', { class: 'rule-list' });
    this.empty = h('p', { class: 'muted', hidden: true }, 'No rule matches the filter.');
    this.root = h(
      'div',
      { class: 'table-view' },
      h(
        'div',
        { class: 'table-head' },
        h(
          'div',
          { class: 'convention' },
          h('p', {}, icon('info'), ' Layout convention, as in the lecture: the gradient of a scalar with respect to a variable has the shape of that variable; a Jacobian has one row per output. ', h('span', { class: 'muted' }, 'In the op rules, ȳ and x̄ stand for ∂L/∂y and ∂L/∂x.')),
          math('\\nabla_W L \\in \\mathbb{R}^{m \\times n} \\text{ for } W \\in \\mathbb{R}^{m \\times n}, \\qquad \\frac{\\partial y}{\\partial x} \\in \\mathbb{R}^{m \\times n} \\text{ for } y \\in \\mathbb{R}^{m},\\ x \\in \\mathbb{R}^{n}'),
        ),
        h('div', { class: 'table-controls' }, this.filterBox, h('label', { class: 'only-used', for: 'only-used' }, this.onlyUsed, " This model's rules only")),
        this.summary,
      ),
      this.list,
      this.empty,
    );
  }

  setRules(rules: TableRule[], usedOps: string[]): void {
    this.rules = rules;
    this.used = new Set(usedOps);
    this.rows.clear();
    const groups = new Map<RuleGroup, TableRule[]>();
    for (const r of rules) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
    const sections: HTMLElement[] = [];
    for (const [group, items] of groups) {
      const cards = items.map((r) => this.card(r));
      sections.push(h('section', { class: 'rule-group', 'data-group': group }, h('h2', {}, GROUP_TITLES[group] ?? group, h('span', { class: 'count' }, ` ${items.length}`)), h('div', { class: 'rule-cards' }, ...cards)));
    }
    this.list.replaceChildren(...sections);
    this.refreshBadges();
    this.applyFilter();
    if (this.focusedId) this.rows.get(this.focusedId)?.setAttribute('data-focused', '');
    if (this.pendingFocus) this.focusOp(this.pendingFocus);
  }

  /** The rule for an op's registry entry, else the first rule that lists the op. */
  ruleFor(op: string): TableRule | undefined {
    return this.rules.find((r) => r.id === `op.${op}`) ?? this.rules.find((r) => r.ops.includes(op)) ?? this.rules.find((r) => r.id === op);
  }

  /**
   * "Show in the derivative table" from a hover: clears the filter (it could hide the rule), then
   * scrolls to the op's rule, marks it and gives it keyboard focus. Waits for the rules if needed.
   */
  focusOp(op: string): void {
    if (!this.rules.length) {
      this.pendingFocus = op;
      return;
    }
    this.pendingFocus = undefined;
    this.filterBox.value = '';
    this.onlyUsed.checked = false;
    this.applyFilter();
    if (this.focusedId) this.rows.get(this.focusedId)?.removeAttribute('data-focused');
    const rule = this.ruleFor(op);
    this.focusedId = rule?.id;
    if (!rule) {
      this.summary.append(h('span', { class: 'summary-note' }, icon('info'), ` No rule for ${op}.`));
      return;
    }
    const card = this.rows.get(rule.id)!;
    card.setAttribute('data-focused', '');
    // The tab was shown a moment ago: scroll once it has a size.
    afterLayout(() => {
      card.scrollIntoView({ block: 'center' });
      card.focus({ preventScroll: true });
    });
  }

  setUsedOps(usedOps: string[]): void {
    this.used = new Set(usedOps);
    for (const r of this.rules) this.rows.get(r.id)?.toggleAttribute('data-used', this.isUsed(r));
    this.applyFilter();
  }

  setVerification(results: RuleVerification[], error?: string): void {
    for (const r of results) this.verification.set(r.id, r);
    this.verifyError = error;
    this.refreshBadges();
  }

  private isUsed(r: TableRule): boolean {
    return r.ops.some((op) => this.used.has(op));
  }

  private card(r: TableRule): HTMLElement {
    const badge = h('span', { class: 'badge badge-pending', role: 'status' }, 'verifying…');
    const card = h(
      'article',
      { class: 'rule', 'data-rule-id': r.id, 'data-used': this.isUsed(r), tabindex: 0, 'aria-label': r.title },
      h('header', {}, h('h3', {}, r.title), h('span', { class: 'used-tag', title: 'The current model uses this' }, icon('target'), ' this model'), badge),
      h('div', { class: 'rule-forward' }, math(r.forward)),
      ...r.grads.map((g) => h('div', { class: 'rule-grad' }, math(g))),
      r.shapes ? h('div', { class: 'rule-shapes' }, h('span', { class: 'muted' }, 'Shapes '), math(r.shapes)) : null,
      r.summary ? h('p', { class: 'rule-summary muted' }, r.summary) : null,
    );
    // The text the filter searches: title, id, ops, summary and the LaTeX source.
    card.dataset.search = [r.title, r.id, ...r.ops, r.summary ?? '', r.forward, ...r.grads, r.shapes ?? ''].join(' ').toLowerCase();
    this.rows.set(r.id, card);
    return card;
  }

  private refreshBadges(): void {
    let passed = 0;
    let failed = 0;
    for (const r of this.rules) {
      const card = this.rows.get(r.id);
      const badge = card?.querySelector('.badge');
      if (!card || !badge) continue;
      const v = this.verification.get(r.id);
      if (!v) {
        card.dataset.status = 'pending';
        badge.className = 'badge badge-pending';
        badge.textContent = this.verifyError ? 'not verified' : 'verifying…';
        continue;
      }
      card.dataset.status = v.passed ? 'pass' : 'fail';
      badge.className = `badge ${v.passed ? 'badge-pass' : 'badge-fail'}`;
      badge.replaceChildren(icon(v.passed ? 'pass' : 'error'), v.passed ? ` max err ${fmt(v.maxAbsError)}` : ` FAILS: max err ${fmt(v.maxAbsError)}`);
      badge.setAttribute('title', v.error ?? (v.passed ? 'Checked against central differences at random points' : 'This formula disagrees with central differences'));
      v.passed ? passed++ : failed++;
    }
    const parts = [`${this.rules.length} rules`, `${passed} verified`];
    this.summary.replaceChildren(h('span', {}, parts.join(' · ')));
    if (failed) this.summary.append(h('span', { class: 'summary-fail' }, icon('error'), ` ${failed} failing`));
    if (this.verifyError) this.summary.append(h('span', { class: 'summary-fail' }, ` verification failed: ${this.verifyError}`));
    this.root.dataset.failing = String(failed);
  }

  private applyFilter(): void {
    const terms = (this.filterBox.value ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const onlyUsed = this.onlyUsed.checked;
    let shown = 0;
    for (const r of this.rules) {
      const card = this.rows.get(r.id)!;
      const match = terms.every((t) => card.dataset.search!.includes(t)) && (!onlyUsed || this.isUsed(r));
      card.hidden = !match;
      if (match) shown++;
    }
    for (const s of this.list.querySelectorAll<HTMLElement>('.rule-group')) s.hidden = !s.querySelector('.rule:not([hidden])');
    this.empty.hidden = shown > 0;
  }
}
