// Activation only: build the context, wire the parts, measure how long it took. Heavy modules (the
// TypeScript compiler that parses and bundles, the engine) load on first use, not here.
import * as vscode from 'vscode';
import { CheckController } from './checks';
import { registerCommands, type PanelOpener } from './commands';
import { readSettings } from './config';
import { Ctx, type DocumentResults } from './ctx';
import { ParsedDocuments, isModelLanguage } from './documents';
import { ModelCodeLensProvider } from './providers/codeLens';
import { OpHoverProvider } from './providers/hover';
import { StatusBar } from './statusBar';
import { createPanelOpener } from './panel/GradlensPanel';

/** What activate() returns: used by the integration tests, harmless to everyone else. */
export interface GradlensApi {
  activationMs: number;
  resultsFor(uri: vscode.Uri): DocumentResults | undefined;
  panel: PanelOpener;
}

const selector: vscode.DocumentSelector = [
  { language: 'typescript', scheme: 'file' },
  { language: 'typescript', scheme: 'untitled' },
  { language: 'typescriptreact', scheme: 'file' },
];

export function activate(context: vscode.ExtensionContext): GradlensApi | undefined {
  const started = performance.now();
  let ctx: Ctx | undefined;
  try {
    ctx = new Ctx(context);
    const c = ctx;
    const parsed = c.own(new ParsedDocuments(context.extensionUri));
    const status = new StatusBar(c);
    const checks = c.own(new CheckController(c, parsed, status));
    const panel = createPanelOpener(c, checks);
    const lenses = new ModelCodeLensProvider(c, parsed);
    c.own(vscode.languages.registerCodeLensProvider(selector, lenses));
    c.own(vscode.languages.registerHoverProvider(selector, new OpHoverProvider(parsed)));
    registerCommands({ ctx: c, parsed, checks, panel });

    // Diagnostics describe the text they were computed on: any edit makes them stale.
    c.own(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length && isModelLanguage(e.document)) c.clearResults(e.document.uri);
    }));
    c.own(vscode.workspace.onDidCloseTextDocument((doc) => parsed.forget(doc)));
    c.own(vscode.workspace.onDidSaveTextDocument((doc) => {
      if (isModelLanguage(doc) && readSettings(doc.uri).checkOnSave && vscode.workspace.isTrusted) {
        void parsed.get(doc).then((p) => (p.models.length ? checks.check(doc) : undefined));
      }
    }));
    c.own(vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()));

    const activationMs = performance.now() - started;
    c.output.info(`Gradlens activated in ${activationMs.toFixed(1)} ms${vscode.workspace.isTrusted ? '' : ' (Restricted Mode: checks are off)'}`);
    return { activationMs, resultsFor: (uri) => c.resultsFor(uri), panel };
  } catch (err) {
    // Shown once; the rest of VS Code keeps working.
    void vscode.window.showErrorMessage(`Gradlens failed to start: ${(err as Error).message}`);
    ctx?.output.error(`activation failed: ${(err as Error).stack ?? err}`);
    return undefined;
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
