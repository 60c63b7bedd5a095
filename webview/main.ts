// The Gradlens panel in the browser: three views in tabs. In VS Code it talks to the extension by
// messages (it sends `ready` first, and validates everything it receives); in a standalone report
// the same messages are read from an embedded JSON block instead, and nothing is posted.
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { type FromWebview, type PanelState, type ResultsShown, type ToWebview, VIEWS, type ViewName, isPanelState, isRuleVerification, isToWebview, readResults } from '../src/shared/protocol';
import { ce, h, icon } from './dom';
import { GraphView } from './graph/view';
import { ResultsView } from './results/view';
import { TableView } from './table/view';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode: VsCodeApi | undefined = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
const standalone = vscode === undefined;

let nextId = 1;
const pending = new Map<number, (ok: boolean, result: unknown) => void>();

function post(msg: FromWebview): void {
  vscode?.postMessage(msg);
}

function request(make: (id: number) => FromWebview, onReply: (ok: boolean, result: unknown) => void): void {
  if (!vscode) return;
  const id = nextId++;
  pending.set(id, onReply);
  post(make(id));
}

const graph = new GraphView({ post: (m) => post(m) });
const table = new TableView();
const results = new ResultsView({
  run: (mode, order) => request((id) => ({ type: 'check/run', id, mode, ...(order === 2 ? { order } : {}) }), () => {}),
  cancel: () => request((id) => ({ type: 'check/cancel', id }), () => {}),
  // The same message a graph node sends: the extension opens the file at that place.
  reveal: (loc, what) => post({ type: 'graph/revealNode', nodeId: what, loc }),
  canReveal: !standalone,
});

const state: PanelState = isPanelState(vscode?.getState()) ? (vscode!.getState() as PanelState) : { view: 'graph' };
let verifyRequested = false;

function requestVerification(): void {
  if (verifyRequested || standalone) return;
  verifyRequested = true;
  request(
    (id) => ({ type: 'table/verify', id }),
    (ok, result) => {
      if (ok && Array.isArray(result) && result.every(isRuleVerification)) table.setVerification(result);
      else table.setVerification([], ok ? 'the extension sent malformed results' : String(result));
    },
  );
}

// ---- The shell: tabs ---------------------------------------------------------------------------

const TAB_LABELS: Record<ViewName, [string, string]> = {
  graph: ['type-hierarchy', 'Graph'],
  table: ['symbol-operator', 'Derivative table'],
  results: ['beaker', 'Results'],
};
const tabs = ce('vscode-tabs', { 'selected-index': VIEWS.indexOf(state.view), class: 'view-tabs' });
for (const v of VIEWS) {
  const [iconName, label] = TAB_LABELS[v];
  tabs.append(ce('vscode-tab-header', { slot: 'header', id: `tab-${v}`, 'data-view': v }, icon(iconName), ` ${label}`));
}
tabs.append(ce('vscode-tab-panel', { 'data-view': 'graph' }, graph.root), ce('vscode-tab-panel', { 'data-view': 'table' }, table.root), ce('vscode-tab-panel', { 'data-view': 'results' }, results.root));

function showView(view: ViewName, tell: boolean): void {
  state.view = view;
  (tabs as HTMLElement & { selectedIndex: number }).selectedIndex = VIEWS.indexOf(view);
  document.body.dataset.view = view;
  vscode?.setState(state);
  if (tell) post({ type: 'view/didChange', view });
  if (view === 'table') requestVerification();
  // The graph refits itself when its canvas gets a size again (a ResizeObserver in GraphView).
}

tabs.addEventListener('vsc-tabs-select', (e) => {
  const index = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  if (VIEWS[index] && VIEWS[index] !== state.view) showView(VIEWS[index], true);
});

const app = h('main', { class: `app${standalone ? ' standalone' : ''}` }, tabs);
document.body.append(app);
if (standalone) results.root.querySelector('.toolbar')?.setAttribute('hidden', '');

// ---- Incoming messages -------------------------------------------------------------------------

/** Results are read model by model (see `receive`); a model that cannot be read costs only itself. */
function showResults(msg: ResultsShown): void {
  for (const e of msg.entries) {
    if (!e.ok) console.warn(`gradlens: ignored a malformed message entry: the results of ${e.name ? `'${e.name}'` : 'a model'}, at ${e.invalid.path || 'its root'}: ${e.invalid.message}`);
  }
  results.setResults(msg);
  graph.setResults(results.shownModels);
}

function dispatch(msg: ToWebview): void {
  switch (msg.type) {
    case 'graph/didChange':
      state.file = msg.file;
      vscode?.setState(state);
      graph.setGraph(msg);
      break;
    case 'results/didChange':
      // Read by `receive` before it gets here.
      break;
    case 'check/didChangeState':
      results.setRunning(msg.running, msg.mode);
      break;
    case 'table/didChange':
      table.setRules(msg.rules, msg.usedOps);
      break;
    case 'table/didVerify':
      table.setVerification(msg.results, msg.error);
      break;
    case 'view/show':
      showView(msg.view, false);
      break;
    case 'view/focus':
      if (msg.view !== state.view) showView(msg.view, false);
      if (msg.view === 'table') table.focusOp(msg.target);
      else if (msg.view === 'graph') graph.focusModel(msg.target, msg.file);
      else results.focusModel(msg.target, msg.file);
      break;
    case 'settings/didChange':
      results.setMode(msg.mode);
      break;
    case 'reply': {
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      done?.(msg.ok, msg.ok ? msg.result : msg.error);
      break;
    }
  }
}

/** A message from the extension (or the report's data block): validated before anything uses it. */
function receive(data: unknown): void {
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'results/didChange') {
    const read = readResults(data);
    if (read.ok) showResults(read.value);
    else console.warn(`gradlens: ignored a malformed message: results/didChange, at ${read.invalid.path || 'its root'}: ${read.invalid.message}`);
    return;
  }
  // Anything else malformed is dropped whole.
  if (!isToWebview(data)) {
    console.warn('gradlens: ignored a malformed message', data);
    return;
  }
  dispatch(data);
}

// Only the extension host (same window parent) talks to us. A report has no extension behind it:
// a message from another window (a page that opened or framed the file) is nobody's to obey; its
// data is the embedded block alone.
window.addEventListener('message', (e: MessageEvent) => {
  if (standalone && e.source !== window) return;
  receive(e.data);
});

/** Report mode: the embedded messages, validated one by one like live ones. */
function replayEmbedded(): void {
  const block = document.getElementById('gradlens-data');
  if (!block?.textContent) return;
  try {
    const data: unknown = JSON.parse(block.textContent);
    const messages = Array.isArray(data) ? data : [];
    for (const m of messages) receive(m);
  } catch (err) {
    document.body.prepend(h('div', { class: 'banner banner-error' }, `The report's data could not be read: ${(err as Error).message}`));
  }
}

showView(state.view, false);
if (standalone) replayEmbedded();
post({ type: 'ready' });

// For the browser tests and the benchmark: the live view objects (not a message channel).
(window as unknown as { gradlens: unknown }).gradlens = { graph, table, results };
