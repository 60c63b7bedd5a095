// The extension's context: it owns every disposable, the output channel, the diagnostics and the
// latest results per document. Everything else receives a Ctx and registers what it creates here.
import * as vscode from 'vscode';
import type { ModelCheckResult } from '../shared/workerProtocol';
import type { RunError } from '../shared/workerProtocol';

/** The outcome of the last run on one document. */
export interface DocumentResults {
  uri: string;
  version: number;
  reports: ModelCheckResult[];
  failure?: RunError;
  finishedAt: number;
  /** The document was edited while the check ran: the results are for the version that ran (`version`). */
  editedDuringRun?: boolean;
}

export class Ctx implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly diagnostics: vscode.DiagnosticCollection;
  private readonly results = new Map<string, DocumentResults>();
  private readonly resultsChanged = new vscode.EventEmitter<DocumentResults>();
  /** Fires after every run, pass or fail, so CodeLens, the status bar and the panel refresh. */
  readonly onDidChangeResults = this.resultsChanged.event;
  private readonly resultsCleared = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when an edit drops a document's results, so the status bar stops showing them. */
  readonly onDidClearResults = this.resultsCleared.event;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = this.own(vscode.window.createOutputChannel('Gradlens', { log: true }));
    this.diagnostics = this.own(vscode.languages.createDiagnosticCollection('gradlens'));
    this.own(this.resultsChanged);
    this.own(this.resultsCleared);
  }

  /** Registers a disposable with the extension's lifetime and returns it. */
  own<T extends vscode.Disposable>(d: T): T {
    this.extension.subscriptions.push(d);
    return d;
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  resultsFor(uri: vscode.Uri): DocumentResults | undefined {
    return this.results.get(uri.toString());
  }

  setResults(r: DocumentResults): void {
    this.results.set(r.uri, r);
    this.resultsChanged.fire(r);
  }

  clearResults(uri: vscode.Uri): void {
    if (!this.results.delete(uri.toString())) return;
    this.diagnostics.delete(uri);
    this.resultsCleared.fire(uri);
  }

  dispose(): void {
    this.results.clear();
  }
}
