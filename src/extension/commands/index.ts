// The command table: every command in package.json and its handler, in one place.
// Handlers take optional arguments (a document URI and a model name) so CodeLens can target a
// model, while palette invocations act on the active editor.
import * as vscode from 'vscode';
import type { CheckController } from '../checks';
import type { Ctx } from '../ctx';
import type { ParsedDocuments } from '../documents';
import { isModelLanguage } from '../documents';
import { openExamples } from './examples';
import { setUpTypings } from './typings';

export type PanelView = 'graph' | 'table' | 'results';

/** What the commands need of the webview panel. */
export interface PanelOpener {
  open(view: PanelView, doc?: vscode.TextDocument, focus?: string): Promise<void>;
}

export interface CommandDeps {
  ctx: Ctx;
  parsed: ParsedDocuments;
  checks: CheckController;
  panel: PanelOpener;
}

type Handler = (deps: CommandDeps, ...args: unknown[]) => unknown;

async function targetDocument(uri: unknown): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && isModelLanguage(doc)) return doc;
  void vscode.window.showInformationMessage('Gradlens: open a TypeScript model file first (one that calls defineModel).');
  return undefined;
}

/** The model under the cursor, when the palette command runs inside a defineModel call. */
async function modelAtCursor(deps: CommandDeps, doc: vscode.TextDocument): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document !== doc) return undefined;
  const parse = await deps.parsed.get(doc);
  const pos = editor.selection.active;
  return parse.models.find((m) => m.range.start.line <= pos.line && pos.line <= m.range.end.line)?.name;
}

export const commands: Record<string, Handler> = {
  'gradlens.checkGradients': async (deps, uri, model) => {
    const doc = await targetDocument(uri);
    if (!doc) return undefined;
    const name = typeof model === 'string' ? model : uri === undefined ? await modelAtCursor(deps, doc) : undefined;
    const parse = await deps.parsed.get(doc);
    if (!parse.models.length) {
      void vscode.window.showInformationMessage(`Gradlens: no defineModel(...) in ${vscode.workspace.asRelativePath(doc.uri)}.`);
      return undefined;
    }
    return deps.checks.check(doc, name);
  },
  'gradlens.showGraph': async (deps, uri, model) => {
    const doc = await targetDocument(uri);
    if (doc) await deps.panel.open('graph', doc, typeof model === 'string' ? model : undefined);
  },
  'gradlens.showDerivativeTable': async (deps, op) => {
    const doc = vscode.window.activeTextEditor?.document;
    await deps.panel.open('table', doc && isModelLanguage(doc) ? doc : undefined, typeof op === 'string' ? op : undefined);
  },
  'gradlens.showResults': async (deps, uri, model) => {
    const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    await deps.panel.open('results', doc, typeof model === 'string' ? model : undefined);
  },
  'gradlens.cancelCheck': (deps) => {
    const n = deps.checks.cancelAll();
    if (!n) void vscode.window.showInformationMessage('Gradlens: no check is running.');
    return n;
  },
  'gradlens.setUpTypings': (deps) => setUpTypings(deps.ctx),
  'gradlens.openExamples': (deps) => openExamples(deps.ctx),
};

export function registerCommands(deps: CommandDeps): void {
  for (const [id, handler] of Object.entries(commands)) {
    deps.ctx.own(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(deps, ...args);
        } catch (err) {
          deps.ctx.output.error(`${id} failed: ${(err as Error).stack ?? err}`);
          void vscode.window.showErrorMessage(`Gradlens: ${(err as Error).message}`);
          return undefined;
        }
      }),
    );
  }
}
