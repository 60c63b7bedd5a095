// Runs gradient checks for a document: in a worker (the runner), never on the extension host's
// thread. A run that lasts longer than a second shows progress with a Cancel button; every run can
// be cancelled from the palette. Results feed diagnostics, CodeLens, the status bar and the panel.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { readSettings } from './config';
import { ParsedDocuments } from './documents';
import { diagnosticsFor } from './providers/diagnostics';
import { snapshotOf } from './ranges';
import type { StatusBar } from './statusBar';
import { verdictText } from '../shared/verdict';
import { lineMap } from '../shared/lineMap';
import type { RunResult } from '../runner';
import type { ModelCheckResult } from '../shared/workerProtocol';
import type { CheckMode } from '../gradcheck/types';
import type { ParseResult } from '../parser';

type RunnerModule = typeof import('../runner');
let runner: Promise<RunnerModule> | undefined;

/** The runner (and the TypeScript compiler with it) is loaded on the first check, not at activation. */
export function loadRunner(): Promise<RunnerModule> {
  runner ??= import('../runner');
  return runner;
}

const PROGRESS_DELAY_MS = 1000;
/** How long the status bar says a check was cancelled: the progress toast that had the button is gone. */
const CANCELLED_MESSAGE_MS = 4000;

export class CheckController implements vscode.Disposable {
  private readonly running = new Set<AbortController>();

  constructor(
    private readonly ctx: Ctx,
    private readonly parsed: ParsedDocuments,
    private readonly status: StatusBar,
  ) {}

  get isRunning(): boolean {
    return this.running.size > 0;
  }

  /** On deactivation no worker outlives the extension. */
  dispose(): void {
    this.cancelAll();
  }

  cancelAll(): number {
    const n = this.running.size;
    for (const a of this.running) a.abort();
    return n;
  }

  /** Checks one model (by name) or every model of the document. Resolves when the results are in. */
  async check(doc: vscode.TextDocument, model?: string, mode?: CheckMode, order?: 1 | 2): Promise<RunResult<'check'> | undefined> {
    if (!vscode.workspace.isTrusted) {
      // Not awaited: the command returns at once, the message waits for the user.
      void vscode.window
        .showWarningMessage('Gradlens runs your model code to check gradients, so checks are off in Restricted Mode. Trust this workspace to run them.', 'Manage Workspace Trust')
        .then((pick) => (pick ? vscode.commands.executeCommand('workbench.trust.manage') : undefined));
      this.ctx.output.info(`check of ${doc.fileName} skipped: Restricted Mode`);
      return undefined;
    }
    const settings = readSettings(doc.uri);
    // The panel's mode picker overrides the setting for one run.
    if (mode) settings.check.mode = mode;
    if (order) settings.check.order = order;
    const label = model ?? doc.fileName.split(/[\\/]/).pop() ?? 'file';
    const abort = new AbortController();
    this.running.add(abort);
    void vscode.commands.executeCommand('setContext', 'gradlens.checkRunning', true);
    const stopSpinner = this.status.startRun(label);
    const started = Date.now();
    const version = doc.version;
    const text = doc.getText();
    // The type-check for the diagnostics runs in the parser's worker while the check runs in its
    // own: the first one loads TypeScript's lib files (about 0.6 s), which then no longer follows
    // the check. Its failure is handled where it is awaited.
    const typeChecked = this.parsed.typeChecked(doc.fileName, text);
    typeChecked.catch(() => undefined);
    this.ctx.output.info(`check ${doc.fileName}${model ? ` (model ${model})` : ''}: mode ${settings.check.mode}, eps ${settings.check.eps}, atol ${settings.check.atol}, rtol ${settings.check.rtol}`);

    // The latest count from the check's sweep, shown once the notification is up (below).
    let shown: ((done: number, total: number) => void) | undefined;
    let latest: [number, number] | undefined;
    const onProgress = (done: number, total: number): void => {
      latest = [done, total];
      shown?.(done, total);
    };
    const run = (async () => {
      const { runFile } = await loadRunner();
      return runFile({
        onProgress,
        fileName: doc.fileName,
        text,
        task: 'check',
        model,
        options: settings.check,
        timeoutMs: settings.timeoutMs,
        signal: abort.signal,
        workspaceTrusted: vscode.workspace.isTrusted,
      });
    })();

    // Only runs that outlast the delay get a notification; short ones just flash the spinner.
    const timer = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Gradlens: checking gradients of ${label}`, cancellable: true },
        (progress, token) => {
          const sub = token.onCancellationRequested(() => abort.abort());
          let percent = 0;
          shown = (done, total) => {
            if (!(total > 0)) return;
            // The bar only grows (a file's next model counts from 0 again; the message says so).
            const now = Math.min(100, Math.floor((100 * done) / total));
            progress.report({ message: `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} compared`, increment: Math.max(0, now - percent) });
            percent = Math.max(percent, now);
          };
          if (latest) shown(...latest);
          return run.catch(() => undefined).finally(() => sub.dispose());
        },
      );
    }, PROGRESS_DELAY_MS);

    try {
      const result = await run;
      await this.publish(doc, version, text, result, typeChecked, model);
      this.log(result, Date.now() - started);
      return result;
    } catch (err) {
      this.ctx.output.error(`check failed inside Gradlens: ${(err as Error).stack ?? err}`);
      void vscode.window.showErrorMessage(`Gradlens could not run the check: ${(err as Error).message}. See the Gradlens output for details.`);
      return undefined;
    } finally {
      clearTimeout(timer);
      this.running.delete(abort);
      if (!this.running.size) void vscode.commands.executeCommand('setContext', 'gradlens.checkRunning', false);
      stopSpinner();
    }
  }

  private async publish(doc: vscode.TextDocument, version: number, checkedText: string, result: RunResult<'check'>, typeChecked: Promise<ParseResult>, model?: string): Promise<void> {
    if (!result.ok && result.error.kind === 'cancelled') {
      this.ctx.output.info('check cancelled');
      void vscode.window.setStatusBarMessage('$(circle-slash) Gradlens: check cancelled', CANCELLED_MESSAGE_MS);
      return;
    }
    if (doc.isClosed) return;
    // The user may have typed while it ran (a full check can take many seconds): the results are
    // kept, for the version that ran, and its diagnostics are placed on the text that ran (its parse,
    // type-checked to say when that code has TypeScript errors, and its lines), then moved to where
    // those lines are now (a line typed above moves them down); those on edited lines are dropped.
    const edited = doc.version !== version;
    const lines = edited ? snapshotOf(doc, checkedText) : doc;
    const parse = await typeChecked.catch((e: unknown) => {
      this.ctx.output.warn(`the type-check of ${doc.fileName} failed (${e instanceof Error ? e.message : String(e)}); its diagnostics are placed without it`);
      return this.parsed.get(doc);
    });
    // A check of one model replaces that model's results only: the file's other models keep theirs
    // when they are for the same version of the text.
    const earlier = model !== undefined && result.ok ? this.ctx.resultsFor(doc.uri) : undefined;
    const reports = result.ok ? (earlier && earlier.version === version && !earlier.failure ? withReplaced(earlier.reports, result.models) : result.models) : [];
    const failure = result.ok ? undefined : result.error;
    let diagnostics = diagnosticsFor(lines, parse, reports, failure);
    if (edited) {
      const lineOf = lineMap(checkedText, doc.getText());
      const moved = (r: vscode.Range): vscode.Range | undefined => {
        const start = lineOf(r.start.line);
        const end = lineOf(r.end.line);
        return start === undefined || end === undefined ? undefined : new vscode.Range(start, r.start.character, end, r.end.character);
      };
      diagnostics = diagnostics.flatMap((d) => {
        const range = moved(d.range);
        if (!range) return [];
        d.range = range;
        // A custom op's message names the line of its call (diagnostics.ts): that line moves too.
        d.message = d.message.replace(/ \(called at line (\d+)\)/g, (_all, n: string) => {
          const to = lineOf(Number(n) - 1);
          return to === undefined ? '' : ` (called at line ${to + 1})`;
        });
        d.relatedInformation = d.relatedInformation?.flatMap((info) => {
          const at = info.location.uri.toString() === doc.uri.toString() ? moved(info.location.range) : info.location.range;
          return at ? [new vscode.DiagnosticRelatedInformation(new vscode.Location(info.location.uri, at), info.message)] : [];
        });
        return [d];
      });
      this.ctx.output.info('the file was edited while the check ran: its results are for the version that ran');
    }
    this.ctx.diagnostics.set(doc.uri, diagnostics);
    this.ctx.setResults({ uri: doc.uri.toString(), version, reports, failure, finishedAt: Date.now(), ...(edited ? { editedDuringRun: true } : {}) });
  }

  private log(result: RunResult<'check'>, ms: number): void {
    const out = this.ctx.output;
    if (!result.ok) {
      const e = result.error;
      out.warn(`check did not run (${e.kind}) after ${ms} ms: ${e.message}${e.line ? ` at ${e.file}:${e.line}:${e.column}` : ''}`);
      if (e.detail) out.debug(e.detail);
    } else {
      for (const m of result.models) out.info(`${m.name}: ${m.error ? `error: ${m.error.message}` : verdictText(m)}${m.passed ? '' : ` (${m.mode ?? '?'} mode)`}`);
      out.info(`check finished in ${ms} ms`);
    }
    if (result.output) out.info(`model output:\n${result.output}`);
  }
}

/**
 * `earlier` with each of `fresh` in place of the report of the same name (or added), in the file's
 * order: by the line of each model's defineModel, a report without one last.
 */
function withReplaced(earlier: readonly ModelCheckResult[], fresh: readonly ModelCheckResult[]): ModelCheckResult[] {
  const names = new Set(fresh.map((m) => m.name));
  const line = (m: ModelCheckResult) => m.loc?.line ?? Infinity;
  return [...earlier.filter((m) => !names.has(m.name)), ...fresh].sort((a, b) => line(a) - line(b));
}
