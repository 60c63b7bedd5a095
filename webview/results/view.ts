// The check results: per model, per parameter (autograd and the hand-written backward) and per
// custom op: verdict, errors, worst element, analytic vs numeric, the Taylor slope; heatmaps for
// small parameters when the extension sends their values; controls to re-run, pick the mode, cancel.
// Each row says how it was judged (method, noise floor, and on a failure the deciding signal). A
// model whose results could not be read is marked in its place; the others are shown as usual.
import type { CheckMode, ModelResultView, OpCheckView, ResultsShown, SourceLocation, TensorCheckView } from '../types';
import type { Invalid } from '../../src/shared/checkResult';
import { DECIDER_WORDS, METHOD_WORDS, jointProbeText } from '../../src/shared/verdict';
import { afterLayout, ce, fmt, fmtIndex, h, icon, infoBanner } from '../dom';
import { heatmaps } from './heatmap';

export interface ResultsHost {
  /** order 2: the second-order check (the Mode box's "second order"). */
  run(mode: CheckMode, order?: 1 | 2): void;
  cancel(): void;
  /** Jump the editor to a place in the user's file (the graph's reveal message). */
  reveal(loc: SourceLocation, what: string): void;
  /** False in a standalone report: there is no editor, so places are plain text. */
  canReveal: boolean;
}

/** "params.0.maxAbsError: Invalid type…": where a model's results went wrong, for its banner. */
const invalidText = (invalid: Invalid): string => `${invalid.path ? `at ${invalid.path}: ` : ''}${invalid.message}`;

/** What a Taylor slope says: about 2 when the gradient is right, about 1 when it is wrong. */
function slopeMeaning(slope: number): string {
  if (!Number.isFinite(slope)) return '';
  return Math.abs(slope - 2) < 0.25 ? ' (≈ 2: gradient consistent)' : ' (≉ 2: gradient suspect)';
}

/** Above a fast check's table: its rows show one joint probe's numbers, not each parameter's own. */
function jointNote(params: readonly TensorCheckView[]): string | undefined {
  const text = jointProbeText(params);
  return text && `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

const TAYLOR_TITLE = 'Slope of log|f(x+hv) − f(x) − h∇f·v| against log h: about 2 when the gradient is right, about 1 when it is wrong';

/** Short labels (the box sits in a narrow toolbar); the dropdown shows the descriptions. */
const MODES: { value: CheckMode; label: string; description: string }[] = [
  { value: 'auto', label: 'auto', description: 'full when small, else fast' },
  { value: 'full', label: 'full', description: 'every element' },
  { value: 'fast', label: 'fast (vᵀJu)', description: 'randomized directional check' },
  { value: 'sampled', label: 'sampled', description: 'a sample of coordinates' },
];

/** Not a mode of the first-order check but a check of its own: H·v by double backward (order 2). */
const SECOND_ORDER = { value: 'order2', label: 'second order', description: 'H·v by double backward' };

/** The tensor tables' columns; the classed ones fold away in a narrow panel (see the CSS). */
const COLUMNS: [string, string | undefined][] = [
  ['parameter', undefined],
  ['shape', 'col-shape'],
  ['verdict', undefined],
  ['max abs err', 'num col-abs'],
  ['max rel err', 'num'],
  ['worst element', undefined],
  ['analytic', 'num'],
  ['numeric', 'num'],
  ['method', 'col-method'],
  ['', 'col-note'],
];

const DIRECTIONAL_TITLE = 'Randomized check: the directional derivative vᵀJu from autograd (analytic) and from central differences (numeric)';

/** Heatmaps are drawn for parameters with at most this many elements. */
const HEATMAP_MAX = 400;

export class ResultsView {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly runButton: HTMLElement;
  private readonly cancelButton: HTMLElement;
  private readonly modeSelect: HTMLElement & { value: string };
  private readonly progress: HTMLElement;
  private file: string | undefined;
  /** The model a "show results" asked for, until its results arrive. */
  private pendingFocus: { name: string; file?: string } | undefined;
  /** What is on screen, per model: an unreadable update keeps the model's last readable results. */
  private shown: ModelResultView[] = [];

  constructor(private readonly host: ResultsHost) {
    this.modeSelect = ce('vscode-single-select', { 'aria-label': 'Check mode', class: 'mode-select' }, ...[...MODES, SECOND_ORDER].map((m) => ce('vscode-option', { value: m.value, description: m.description }, m.label))) as HTMLElement & { value: string };
    this.runButton = ce('vscode-button', { class: 'run-button' }, icon('debug-rerun'), ' Re-run check');
    this.cancelButton = ce('vscode-button', { secondary: true, disabled: true, class: 'cancel-button' }, icon('debug-stop'), ' Cancel');
    this.runButton.addEventListener('click', () =>
      this.modeSelect.value === SECOND_ORDER.value ? this.host.run('auto', 2) : this.host.run((this.modeSelect.value as CheckMode) || 'auto'),
    );
    this.cancelButton.addEventListener('click', () => this.host.cancel());
    this.progress = h('span', { class: 'progress', hidden: true, 'aria-live': 'polite' }, ce('vscode-progress-ring', {}), ' Checking…');
    this.body = h('div', { class: 'results-body' }, infoBanner('No check has run on this file yet. Re-run check, or use Gradlens: Check Gradients.'));
    // Mode and its box, and the two buttons, are groups that wrap as wholes in a narrow panel.
    const controls = h('div', { class: 'toolbar-group' }, h('span', { class: 'toolbar-group mode-group' }, h('label', { class: 'mode-label' }, 'Mode'), this.modeSelect), h('span', { class: 'toolbar-group button-group' }, this.runButton, this.cancelButton));
    this.root = h('div', { class: 'results-view' }, h('div', { class: 'toolbar results-toolbar', role: 'toolbar', 'aria-label': 'Check' }, controls, this.progress), this.body);
  }

  /** The `gradlens.mode` setting: what Re-run uses unless the user picks another mode here. */
  setMode(mode: CheckMode): void {
    this.modeSelect.value = mode;
  }

  /** Scrolls to a model's results (the CodeLens's "show results"); waits for them if needed. */
  focusModel(name: string, file?: string): void {
    this.pendingFocus = { name, ...(file ? { file } : {}) };
    this.applyFocus();
  }

  private applyFocus(): void {
    const want = this.pendingFocus;
    if (!want || (want.file !== undefined && want.file !== this.file)) return;
    const section = [...this.body.querySelectorAll<HTMLElement>('.model-result')].find((s) => s.dataset.model === want.name);
    if (!section) return;
    this.pendingFocus = undefined;
    for (const s of this.body.querySelectorAll('.model-result[data-focused]')) s.removeAttribute('data-focused');
    section.setAttribute('data-focused', '');
    afterLayout(() => {
      section.scrollIntoView({ block: 'start' });
      section.focus({ preventScroll: true });
    });
  }

  setRunning(running: boolean, mode?: CheckMode): void {
    this.progress.hidden = !running;
    this.cancelButton.toggleAttribute('disabled', !running);
    this.runButton.toggleAttribute('disabled', running);
    // A second-order run reports the first-order mode it kept: the box stays on "second order".
    if (mode && this.modeSelect.value !== SECOND_ORDER.value) this.modeSelect.value = mode;
    this.root.dataset.running = String(running);
  }

  /** The models on screen, as the graph should colour them. */
  get shownModels(): ModelResultView[] {
    return this.shown;
  }

  setResults(msg: ResultsShown): void {
    if (msg.file !== this.file && this.pendingFocus?.file !== msg.file) this.pendingFocus = undefined;
    const previous = msg.file === this.file ? this.shown : [];
    this.file = msg.file;
    const parts: HTMLElement[] = [];
    // A file without models is a state, not a failure.
    if (msg.error?.kind === 'no-model') parts.push(infoBanner(msg.error.message));
    else if (msg.error) parts.push(h('div', { class: 'banner banner-error', role: 'alert' }, icon('error'), ` ${msg.error.message}${msg.error.line ? ` (line ${msg.error.line})` : ''}`));
    if (msg.notice) parts.push(infoBanner(msg.notice));
    this.shown = [];
    for (const e of msg.entries) {
      if (e.ok) {
        this.shown.push(e.model);
        parts.push(this.model(e.model));
        continue;
      }
      // The model's last readable results, marked as such; else a placeholder in its place.
      const last = e.name !== undefined ? previous.find((m) => m.name === e.name) : undefined;
      if (last) this.shown.push(last);
      parts.push(last ? this.model(last, e.invalid) : this.unreadable(e.name, e.invalid));
    }
    if (!parts.length) parts.push(infoBanner('No check has run on this file yet. Re-run check, or use Gradlens: Check Gradients.'));
    this.body.replaceChildren(...parts);
    this.applyFocus();
  }

  /** A model whose results could not be read, and no earlier ones to show instead. */
  private unreadable(name: string | undefined, invalid: Invalid): HTMLElement {
    return h(
      'section',
      { class: 'model-result verdict-unreadable', 'data-model': name, 'data-unreadable': '', tabindex: -1 },
      h('h2', {}, icon('warning'), ` ${name ?? 'A model'} `, h('span', { class: 'verdict verdict-unreadable' }, 'could not be read')),
      h('div', { class: 'banner banner-error' }, icon('warning'), h('span', { class: 'banner-text' }, `The extension sent results for this model that the panel cannot read (${invalidText(invalid)}). The other models are shown; re-run the check to try again.`)),
    );
  }

  /** One model's results; `stale` says why these are the previous ones (the update was unreadable). */
  private model(m: ModelResultView, stale?: Invalid): HTMLElement {
    const err = m.error?.message;
    const verdict = err ? 'error' : m.passed ? 'pass' : 'fail';
    // A model that did not run has no mode it ran in and no loss: 'mode full · loss NaN' said otherwise.
    const ran = !err || Number.isFinite(m.loss);
    const facts = ran ? [m.order === 2 ? 'second order (H·v by double backward)' : m.mode ? `mode ${m.mode}` : '', `loss ${fmt(m.loss)}`].filter(Boolean) : [];
    const own = m.manualTaylorSlope;
    return h(
      'section',
      { class: `model-result verdict-${verdict}`, 'data-model': m.name, tabindex: -1, ...(stale ? { 'data-stale': '' } : {}) },
      h(
        'h2',
        {},
        icon(verdict === 'pass' ? 'pass-filled' : 'error'),
        ` ${m.name} `,
        h('span', { class: `verdict verdict-${verdict}` }, verdict === 'pass' ? 'passes' : verdict === 'fail' ? 'FAILS' : 'did not run'),
        !m.passed && m.decidedBy ? h('span', { class: 'decided-by muted' }, `decided by ${DECIDER_WORDS[m.decidedBy]}`) : null,
      ),
      stale ? h('div', { class: 'banner banner-error stale' }, icon('warning'), h('span', { class: 'banner-text' }, `These are this model's previous results: the latest could not be read (${invalidText(stale)}).`)) : null,
      h(
        'p',
        { class: 'facts' },
        facts.join(' · '),
        // Both slopes when there is a hand-written backward, as the CLI gives them.
        m.taylorSlope !== undefined ? h('span', { class: 'taylor', title: TAYLOR_TITLE }, ` · Taylor slope ${fmt(m.taylorSlope)}${own !== undefined ? ' for autograd' : ''}${slopeMeaning(m.taylorSlope)}`) : null,
        own !== undefined ? h('span', { class: 'taylor-manual', title: TAYLOR_TITLE }, ` · ${m.taylorSlope !== undefined ? '' : 'Taylor slope '}${fmt(own)} for the hand-written backward${slopeMeaning(own)}`) : null,
      ),
      err ? h('div', { class: 'banner banner-error' }, err) : null,
      ...(m.notes ?? []).map((n) => h('p', { class: 'note muted' }, icon('info'), ` ${n}`)),
      m.params.length ? this.tensorTable('Autograd vs numeric, per parameter', m.params, undefined, 'numeric', jointNote(m.params)) : null,
      m.manual?.length
        ? this.tensorTable(m.manual.every((c) => c.method === 'exact') ? 'Hand-written backward vs autograd (exact, every element)' : 'Hand-written backward vs autograd or numeric (see method)', m.manual, m.backwardLoc, m.manual.every((c) => c.method === 'exact') ? 'autograd' : 'reference')
        : null,
      m.ops.length ? this.opTable(m.ops) : null,
      ...this.heatmapsFor(m.manual ?? [], 'hand-written gradient'),
      ...this.heatmapsFor(m.params, 'autograd gradient', new Set((m.manual ?? []).filter((c) => c.elements).map((c) => c.name))),
    );
  }

  /** A button that reads like a link: "line 49", revealing the place in the editor. */
  private lineLink(loc: SourceLocation, what: string, text = `line ${loc.line}`): HTMLElement {
    if (!this.host.canReveal) return h('span', { class: 'line-ref', title: `${loc.file}:${loc.line}:${loc.column}` }, text);
    const link = h('button', { class: 'link-button', title: `Go to ${loc.file.split('/').pop()}:${loc.line}:${loc.column}`, 'data-line': loc.line }, text);
    link.addEventListener('click', () => this.host.reveal(loc, what));
    return link;
  }

  /** `reference` heads the column of what the analytic values are compared with: numeric differences, or autograd for a hand-written backward. */
  private tensorTable(title: string, checks: TensorCheckView[], backwardLoc?: SourceLocation, reference = 'numeric', note?: string): HTMLElement {
    const columns = COLUMNS.length;
    const rows = checks.flatMap((c) => [
      h(
        'tr',
        { class: c.passed ? 'row-pass' : 'row-fail', 'data-name': c.name },
        h('td', {}, icon(c.passed ? 'pass' : 'error', c.passed ? 'passes' : 'fails'), ` ${c.name}`),
        h('td', { class: 'col-shape' }, `[${c.shape.join('×')}]`),
        h('td', { class: 'verdict-cell' }, c.passed ? 'pass' : 'FAIL'),
        h('td', { class: 'num col-abs' }, fmt(c.maxAbsError)),
        h('td', { class: 'num', title: `max abs. error ${fmt(c.maxAbsError)}` }, fmt(c.maxRelError)),
        // A passing fast check has no worst element: its two numbers are the directional ones.
        h('td', { class: 'nowrap' }, c.worst ? fmtIndex(c.worst.index) : c.directional ? h('span', { class: 'directional', title: DIRECTIONAL_TITLE }, 'vᵀJu') : '—'),
        h('td', { class: 'num' }, c.worst ? fmt(c.worst.analytic) : c.directional ? fmt(c.directional.analytic) : '—'),
        h('td', { class: 'num' }, c.worst ? fmt(c.worst.numeric) : c.directional ? fmt(c.directional.numeric) : '—'),
        this.methodCell(c),
        h('td', { class: `muted col-note${c.error || c.nonDifferentiable ? '' : ' nowrap'}` }, c.error ?? (c.nonDifferentiable ? `${c.nonDifferentiable.count ? `${c.nonDifferentiable.count} elements sit on a kink; the first: ` : ''}${c.nonDifferentiable.note}` : undefined) ?? (c.directional ? this.directional(c.directional) : `${c.checked} checked`)),
      ),
      ...this.blameRow(c, c.name, columns),
    ]);
    const heading = h('h3', {}, title, backwardLoc ? h('span', { class: 'muted' }, ' · backward at ', this.lineLink(backwardLoc, 'backward')) : null);
    const noteLine = note ? h('p', { class: 'table-note muted' }, icon('info'), ` ${note}`) : null;
    return h('div', { class: 'result-table' }, heading, noteLine, h('div', { class: 'table-scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...COLUMNS.map(([t, cls]) => h('th', { scope: 'col', class: cls }, t === 'numeric' ? reference : t)))), h('tbody', {}, ...rows))));
  }

  /** How the row was judged: the method, its noise floor when measured, and what decided a failure. */
  private methodCell(c: Pick<TensorCheckView, 'noiseFloor' | 'decidedBy' | 'passed'> & { method?: TensorCheckView['method'] }): HTMLElement {
    return h(
      'td',
      { class: 'col-method nowrap', title: c.method ? METHOD_WORDS[c.method] : 'not judged by one method (an op whose calls were judged in different ways, or could not be)' },
      h('span', { class: 'method' }, c.method ?? '—'),
      c.noiseFloor !== undefined ? h('span', { class: 'noise-floor muted', title: "The comparison's own error, estimated: differences smaller than this are noise" }, ` · noise ${fmt(c.noiseFloor)}`) : null,
      !c.passed && c.decidedBy ? h('span', { class: 'decided-by' }, ` · decided by ${DECIDER_WORDS[c.decidedBy]}`) : null,
    );
  }

  /** The randomized check's two numbers, on one line (a number broken at its "e-" reads wrong). */
  private directional(d: { analytic: number; numeric: number; together?: string[] }): HTMLElement {
    // A joint probe's numbers are sums over the parameters it moved: the row says so, not to read them as this one's.
    const joint = d.together && d.together.length > 1 ? d.together : undefined;
    const title = joint ? `${DIRECTIONAL_TITLE}, every one of ${joint.join(', ')} moved at once along its own direction` : DIRECTIONAL_TITLE;
    return h('span', { class: 'directional', title }, `vᵀJu ${fmt(d.analytic)} vs ${fmt(d.numeric)}${joint ? ` (${joint.length} together)` : ''}`);
  }

  /** Under a failing hand-written row: the checker's sentence on where the backward goes wrong. */
  private blameRow(c: { passed: boolean; blame?: { message: string }; blameLoc?: SourceLocation }, key: string, columns: number): HTMLElement[] {
    const blame = c.passed || !c.blame?.message ? undefined : { message: c.blame.message, loc: c.blameLoc };
    if (!blame) return [];
    return [
      h(
        'tr',
        { class: 'blame-row', 'data-blame-for': key },
        h('td', { colspan: columns }, h('div', { class: 'blame' }, icon('search'), h('span', { class: 'blame-text' }, blame.loc ? this.lineLink(blame.loc, `blame:${key}`) : null, blame.loc ? ': ' : '', blame.message))),
      ),
    ];
  }

  private opTable(ops: OpCheckView[]): HTMLElement {
    const rows = ops.flatMap((o) => [
      h(
        'tr',
        { class: o.passed ? 'row-pass' : 'row-fail', 'data-name': o.name },
        h('td', {}, icon(o.passed ? 'pass' : 'error'), ` ${o.name}`),
        h('td', { class: 'verdict-cell' }, o.passed ? 'pass' : 'FAIL'),
        h('td', { class: 'num' }, fmt(o.maxAbsError)),
        h('td', { class: 'num' }, fmt(o.maxRelError)),
        h('td', { class: 'nowrap' }, o.worst ? `${o.inputShapes && o.worst.input === o.inputShapes.length ? 'dy' : `input ${o.worst.input}`} ${fmtIndex(o.worst.index)}` : '—'),
        h('td', { class: 'num' }, o.worst ? fmt(o.worst.analytic) : '—'),
        h('td', { class: 'num' }, o.worst ? fmt(o.worst.numeric) : '—'),
        this.methodCell(o),
        h('td', { class: 'muted' }, o.error ?? '', o.loc ? h('span', {}, 'worst call: ', this.lineLink(o.loc, `op:${o.name}`)) : null),
      ),
      // Under a failing op: where its hand-written backward first goes wrong, as for a model's.
      ...this.blameRow(o, `op:${o.name}`, 9),
    ]);
    return h('div', { class: 'result-table' }, h('h3', {}, 'Custom ops: hand-written backward at the call sites'), h('div', { class: 'table-scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...['op', 'verdict', 'max abs err', 'max rel err', 'worst element', 'analytic', 'reference', 'method', ''].map((t) => h('th', { scope: 'col', class: /err$|analytic|reference/.test(t) ? 'num' : undefined }, t)))), h('tbody', {}, ...rows))));
  }

  /**
   * Heatmaps from a check's `elements` (flat, row-major), when the runner sent them and the tensor
   * is small. The hand-written checks are drawn first and take precedence for a parameter, so a
   * failing manual backward is the one shown; `skip` holds the names already drawn.
   */
  private heatmapsFor(checks: TensorCheckView[], which: string, skip: ReadonlySet<string> = new Set()): HTMLElement[] {
    const out: HTMLElement[] = [];
    for (const c of checks) {
      const size = c.shape.reduce((a, b) => a * b, 1);
      // Values that do not match the shape would draw a misleading picture: skipped.
      if (!c.elements || skip.has(c.name) || c.elements.analytic.length !== size || size > HEATMAP_MAX) continue;
      // A hand-written gradient's exact row is compared with autograd, not with differences.
      const reference = c.method === 'exact' ? 'autograd' : 'numeric';
      out.push(h('div', { class: 'result-heatmaps' }, h('h3', {}, `${c.name}: ${which} vs ${reference}, element by element`), heatmaps(c.name, c.shape, c.elements.analytic, c.elements.numeric, c.worst?.index, reference)));
    }
    return out;
  }
}
