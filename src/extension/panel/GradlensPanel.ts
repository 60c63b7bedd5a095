// The Gradlens webview panel (the webview-sample pattern): one panel beside the editor, following
// the active model file. It sends nothing until the webview says `ready`, validates every message
// it receives, and puts no data in the HTML. A serializer restores it after a reload.
import * as vscode from 'vscode';
import type { CheckMode } from '../../gradcheck/types';
import {
  type FromWebview,
  type PanelState,
  type ToWebview,
  type ViewName,
  isFromWebview,
  isPanelState,
} from '../../shared/protocol';
import type { ModelGraphResult } from '../../shared/workerProtocol';
import type { Ctx, DocumentResults } from '../ctx';
import { readSettings } from '../config';
import { isModelLanguage } from '../documents';
import { makeNonce, panelHtml } from './html';
import { LiveGraph } from './liveGraph';
import { EDITED_SINCE_RUN, resultsMessage } from './messages';
import { revealRefusal } from './revealPolicy';
import { RulesVerifier } from './rulesVerifier';

export const VIEW_TYPE = 'gradlens.panel';

/** What the panel needs from the check controller (CheckController fits). */
export interface PanelChecks {
  check(doc: vscode.TextDocument, model?: string, mode?: CheckMode, order?: 1 | 2): Promise<unknown>;
  cancelAll(): number;
  readonly isRunning: boolean;
}

export interface ShowOptions {
  view: ViewName;
  document?: vscode.TextDocument;
  /** What to bring into view: an op name (table) or a model name (graph, results). */
  focus?: string;
}

export class GradlensPanel implements vscode.Disposable {
  private static current: GradlensPanel | undefined;
  private static checks: PanelChecks | undefined;
  private static verifier: RulesVerifier | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly queue: ToWebview[] = [];
  private doc: vscode.TextDocument | undefined;
  private view: ViewName;
  private readonly live: LiveGraph;
  private graphModels: ModelGraphResult[] = [];
  private tableSent = false;
  private disposed = false;

  /**
   * Registers the serializer and the listeners that keep the panel in step with the editor. Call
   * once at activation; `checks` runs the Re-run and Cancel buttons.
   */
  static register(ctx: Ctx, checks: PanelChecks): void {
    GradlensPanel.checks = checks;
    GradlensPanel.verifier = ctx.own(new RulesVerifier(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'rulesWorker.js').fsPath));
    ctx.own(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
          const saved: PanelState = isPanelState(state) ? state : { view: 'graph' };
          const doc = saved.file ? vscode.workspace.textDocuments.find((d) => d.uri.fsPath === saved.file) ?? vscode.window.activeTextEditor?.document : vscode.window.activeTextEditor?.document;
          GradlensPanel.current = new GradlensPanel(ctx, panel, saved.view, doc && isModelLanguage(doc) ? doc : undefined);
        },
      }),
    );
    ctx.own(vscode.window.onDidChangeActiveTextEditor((e) => GradlensPanel.current?.follow(e?.document)));
    ctx.own(
      vscode.workspace.onDidChangeTextDocument((e) => {
        const p = GradlensPanel.current;
        // Tracing runs the file's code: never in Restricted Mode (refreshGraph says so instead).
        if (p && e.document === p.doc && e.contentChanges.length) p.edited();
        if (p && e.document === p.doc && e.contentChanges.length && vscode.workspace.isTrusted && readSettings(e.document.uri).livePreview) p.live.update(e.document.fileName, e.document.getText());
      }),
    );
    ctx.own(vscode.workspace.onDidSaveTextDocument((doc) => GradlensPanel.current?.doc === doc && GradlensPanel.current.refreshGraph()));
    // Trust granted: the notices give way to the live graph.
    ctx.own(vscode.workspace.onDidGrantWorkspaceTrust(() => GradlensPanel.current?.trustGranted()));
    ctx.own(ctx.onDidChangeResults((r) => GradlensPanel.current?.onResults(r)));
    ctx.own(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('gradlens.mode') && GradlensPanel.current?.sendSettings()));
    ctx.own({ dispose: () => GradlensPanel.current?.dispose() });
  }

  /** Opens (or reveals) the panel beside the editor on a view, following `document`. */
  static show(ctx: Ctx, opts: ShowOptions): GradlensPanel {
    const doc = opts.document ?? vscode.window.activeTextEditor?.document;
    const model = doc && isModelLanguage(doc) ? doc : undefined;
    const existing = GradlensPanel.current;
    let shown: GradlensPanel;
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      existing.showView(opts.view);
      if (model) existing.follow(model);
      shown = existing;
    } else {
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Gradlens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, GradlensPanel.webviewOptions(ctx));
      shown = GradlensPanel.current = new GradlensPanel(ctx, panel, opts.view, model);
    }
    if (opts.focus) shown.focus(opts.view, opts.focus);
    return shown;
  }

  private static webviewOptions(ctx: Ctx): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(ctx.extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    view: ViewName,
    doc: vscode.TextDocument | undefined,
  ) {
    this.view = view;
    this.doc = doc;
    panel.webview.options = GradlensPanel.webviewOptions(ctx);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'gradlens.svg');
    this.live = new LiveGraph({
      // Traced on a warm worker (see runner/warm.ts), so the graph follows typing within ~150 ms.
      timeoutMs: () => readSettings(this.doc?.uri).timeoutMs,
      display: (f) => f,
      trusted: () => vscode.workspace.isTrusted,
      onGraph: (msg) => {
        this.graphModels = msg.models.flatMap((m) => (m.graph ? [{ name: m.name, graph: m.graph, ...(m.loc ? { loc: m.loc } : {}) } as ModelGraphResult] : []));
        this.post(msg);
        if (this.tableSent) void this.sendTable();
      },
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down (retainContextWhenHidden: false); it says `ready` again.
        if (!panel.visible) this.ready = false;
      }),
    );
    this.setTitle();
    panel.webview.html = this.html();
  }

  private html(): string {
    const w = this.panel.webview;
    const asUri = (...p: string[]): string => w.asWebviewUri(vscode.Uri.joinPath(this.ctx.extensionUri, ...p)).toString();
    return panelHtml({
      cspSource: w.cspSource,
      nonce: makeNonce(),
      scriptUri: asUri('dist', 'webview', 'main.js'),
      styleUri: asUri('media', 'gradlens.css'),
      codiconsUri: asUri('dist', 'webview', 'codicon.css'),
    });
  }

  private setTitle(): void {
    const name = this.doc ? this.doc.fileName.split(/[\\/]/).pop() : undefined;
    this.panel.title = name ? `Gradlens: ${name}` : 'Gradlens';
  }

  /** Messages wait until the webview is ready: nothing is sent before it says so. */
  private post(msg: ToWebview): void {
    if (this.disposed) return;
    if (!this.ready) {
      // Only the newest of each kind matters when the webview (re)loads.
      const i = this.queue.findIndex((q) => q.type === msg.type && msg.type !== 'reply');
      if (i >= 0) this.queue.splice(i, 1);
      this.queue.push(msg);
      return;
    }
    void this.panel.webview.postMessage(msg);
  }

  private receive(m: unknown): void {
    if (!isFromWebview(m)) {
      this.ctx.output.warn(`panel: ignored a malformed message from the webview: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    void this.handle(m).catch((err: unknown) => this.ctx.output.error(`panel: ${(m as FromWebview).type} failed: ${(err as Error).stack ?? err}`));
  }

  private async handle(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.onReady();
        return;
      case 'view/didChange':
        this.view = m.view;
        if (m.view === 'table') await this.sendTable();
        return;
      case 'graph/revealNode': {
        // The webview is untrusted: it may only open the followed document or a workspace file.
        const refusal = revealRefusal(m.loc.file, {
          followed: this.doc?.fileName,
          folders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
        });
        if (refusal) {
          this.ctx.output.warn(`panel: refused to reveal ${JSON.stringify(m.loc.file.slice(0, 300))} (${refusal})`);
          return;
        }
        await revealLocation(m.loc, this.doc?.fileName === m.loc.file ? this.doc : undefined);
        return;
      }
      case 'table/verify':
        await this.sendTable();
        try {
          const results = await GradlensPanel.verifier!.verify();
          this.post({ type: 'reply', id: m.id, ok: true, result: results });
        } catch (err) {
          this.post({ type: 'reply', id: m.id, ok: false, error: (err as Error).message });
        }
        return;
      case 'check/run': {
        const doc = this.doc;
        if (!doc || !GradlensPanel.checks) {
          this.post({ type: 'reply', id: m.id, ok: false, error: 'Open a model file first.' });
          return;
        }
        this.post({ type: 'reply', id: m.id, ok: true, result: null });
        this.post({ type: 'check/didChangeState', running: true, mode: m.mode });
        try {
          await GradlensPanel.checks.check(doc, undefined, m.mode, m.order);
        } finally {
          this.post({ type: 'check/didChangeState', running: GradlensPanel.checks.isRunning, mode: m.mode });
        }
        return;
      }
      case 'check/cancel':
        GradlensPanel.checks?.cancelAll();
        this.post({ type: 'reply', id: m.id, ok: true, result: null });
        return;
    }
  }

  private onReady(): void {
    this.ready = true;
    // A reload lost the page's state: resend everything, then anything queued.
    this.tableSent = false;
    const queued = this.queue.splice(0);
    void this.panel.webview.postMessage({ type: 'view/show', view: this.view } satisfies ToWebview);
    this.sendSettings();
    for (const q of queued) void this.panel.webview.postMessage(q);
    if (!queued.some((q) => q.type === 'graph/didChange')) this.refreshGraph();
    if (this.doc) {
      const r = this.ctx.resultsFor(this.doc.uri);
      if (r) this.onResults(r);
      else if (!vscode.workspace.isTrusted) this.post(this.noResults(this.doc));
    }
    if (this.view === 'table') void this.sendTable();
  }

  private async sendTable(): Promise<void> {
    this.tableSent = true;
    // The catalog pulls in the engine's registry: loaded when the table is first wanted.
    const { tableMessage } = await import('./messages');
    this.post(tableMessage(this.graphModels.map((m) => ({ name: m.name, graph: m.graph }))));
  }

  /** The settings the webview shows (the Mode box follows `gradlens.mode`, scoped to the document). */
  sendSettings(): void {
    this.post({ type: 'settings/didChange', mode: readSettings(this.doc?.uri).check.mode });
  }

  /** Brings an op's rule (table) or a model (graph, results) into view; the webview waits for its data. */
  focus(view: ViewName, target: string): void {
    this.post({ type: 'view/focus', view, target, ...(view !== 'table' && this.doc ? { file: this.doc.fileName } : {}) });
  }

  showView(view: ViewName): void {
    this.view = view;
    this.post({ type: 'view/show', view });
    if (view === 'table') void this.sendTable();
  }

  /** Follows the active editor when it shows a model file (other editors leave the panel as is). */
  follow(doc: vscode.TextDocument | undefined): void {
    if (!doc || !isModelLanguage(doc) || doc === this.doc) return;
    this.doc = doc;
    this.setTitle();
    // A folder's settings may pick another mode for this document.
    this.sendSettings();
    this.refreshGraph();
    const r = this.ctx.resultsFor(doc.uri);
    if (r) this.postResults(doc, r);
    else {
      this.shownResults = undefined;
      this.post(this.noResults(doc));
    }
  }

  refreshGraph(): void {
    const doc = this.doc;
    if (!doc) return;
    if (!vscode.workspace.isTrusted) {
      // Not an error: the webview shows it as information.
      this.post({ type: 'graph/didChange', file: doc.fileName, models: [], notice: 'The graph runs your model code, so it is off in Restricted Mode. Trust this workspace to see it.' });
      return;
    }
    void this.live.now(doc.fileName, doc.getText());
  }

  /** The workspace became trusted: trace the file, and take back the notice that checks are off. */
  trustGranted(): void {
    this.refreshGraph();
    if (this.doc && !this.ctx.resultsFor(this.doc.uri)) this.post(this.noResults(this.doc));
  }

  /** No check has run on `doc`; in Restricted Mode, say why none can. */
  private noResults(doc: vscode.TextDocument): ToWebview {
    const notice = vscode.workspace.isTrusted ? undefined : 'Checks run your model code, so they are off in Restricted Mode. Trust this workspace to run them.';
    return { type: 'results/didChange', file: doc.fileName, models: [], ...(notice ? { notice } : {}) };
  }

  private onResults(r: DocumentResults): void {
    if (!this.doc || r.uri !== this.doc.uri.toString()) return;
    this.postResults(this.doc, r);
  }

  /** Results as shown, kept so that an edit can mark them as overtaken (the extension drops its copy on an edit). */
  private shownResults: { results: DocumentResults; stale: boolean } | undefined;

  private postResults(doc: vscode.TextDocument, r: DocumentResults): void {
    const notice = staleNotice(doc, r);
    this.shownResults = { results: r, stale: notice !== undefined };
    this.post(resultsMessage(doc.fileName, r.reports, r.failure, notice));
  }

  /** The document changed: results on screen are now for an earlier version, and say so (once, not per keystroke). */
  edited(): void {
    const shown = this.shownResults;
    if (!this.doc || !shown || shown.stale) return;
    shown.stale = true;
    this.post(resultsMessage(this.doc.fileName, shown.results.reports, shown.results.failure, EDITED_SINCE_RUN));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (GradlensPanel.current === this) GradlensPanel.current = undefined;
    this.live.dispose();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/**
 * Opens the file at the node's location and selects the call, in the editor column it is shown in.
 * `known` is the followed document when the location is in it (it may be unsaved or untitled).
 * Callers check the location first (revealPolicy.ts): this opens what it is given.
 */
export async function revealLocation(loc: { file: string; line: number; column: number }, known?: vscode.TextDocument): Promise<void> {
  const uri = known?.uri ?? vscode.Uri.file(loc.file);
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const doc = shown?.document ?? known ?? (await vscode.workspace.openTextDocument(uri));
  const line = Math.min(Math.max(0, loc.line - 1), doc.lineCount - 1);
  const start = new vscode.Position(line, Math.max(0, loc.column - 1));
  const end = doc.lineAt(line).range.end;
  await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, selection: new vscode.Selection(start, end), preserveFocus: false });
}

/** The PanelOpener the command table expects. */
export function createPanelOpener(ctx: Ctx, checks: PanelChecks): { open(view: ViewName, doc?: vscode.TextDocument, focus?: string): Promise<void> } {
  GradlensPanel.register(ctx, checks);
  return {
    async open(view, doc, focus) {
      GradlensPanel.show(ctx, { view, document: doc, ...(focus ? { focus } : {}) });
    },
  };
}

/** A notice over results that are not for the document as it reads now. */
function staleNotice(doc: vscode.TextDocument, r: DocumentResults): string | undefined {
  return r.editedDuringRun || r.version !== doc.version ? EDITED_SINCE_RUN : undefined;
}
