// Shared helpers for the suites that run inside a real VS Code.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GradlensApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'gradlens.gradlens';

export async function activateGradlens(): Promise<GradlensApi> {
  const ext = vscode.extensions.getExtension<GradlensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  const api = await ext.activate();
  assert.ok(api, 'activate() returned no API: activation failed');
  return api;
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite needs a workspace folder (the examples)');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function openFile(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(workspaceFile(name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** Polls until `probe` returns a truthy value or the time is up. */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function codeLensTitles(uri: vscode.Uri): Promise<{ line: number; title: string }[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.filter((l) => l.command).map((l) => ({ line: l.range.start.line, title: l.command!.title }));
}

/** Waits for the CodeLens of a workspace file and returns the titles on its first defineModel line. */
export async function modelLensTitles(name: string): Promise<string[]> {
  const doc = await openFile(name);
  const modelLine = doc.getText().split('\n').findIndex((l) => /defineModel\(/.test(l));
  assert.ok(modelLine >= 0, `${name} has a defineModel call`);
  const titles = await waitFor(async () => {
    const t = await codeLensTitles(doc.uri);
    return t.length ? t : undefined;
  }, `CodeLens on ${name}`);
  return titles.filter((t) => t.line === modelLine).map((t) => t.title);
}

/** The 0-based line that buggy-backward.ts marks with `// BUG`. */
export function bugLineOf(doc: vscode.TextDocument): number {
  const line = doc.getText().split('\n').findIndex((l) => l.includes('// BUG'));
  assert.ok(line >= 0, 'the example marks its mistake with // BUG');
  return line;
}

/** Waits for Gradlens's diagnostics on a document and returns the one that names W1. */
export async function w1Diagnostic(doc: vscode.TextDocument): Promise<vscode.Diagnostic> {
  const diags = await waitFor(() => {
    const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'gradlens');
    return d.length ? d : undefined;
  }, `Gradlens diagnostics on ${doc.fileName}`);
  const w1 = diags.find((d) => d.message.includes('W1'));
  assert.ok(w1, `a diagnostic names W1: ${diags.map((d) => d.message).join(' | ')}`);
  return w1;
}

/**
 * Where TypeScript resolves the file's `'gradlens'` import (the declaration file), once its server
 * has the file: without typings in the workspace, the extension's TS server plugin resolves it to
 * the declarations the extension ships.
 */
export async function gradlensResolvesTo(doc: vscode.TextDocument, timeoutMs = 90000): Promise<string> {
  const at = doc.positionAt(doc.getText().indexOf("'gradlens'") + 2);
  return waitFor(async () => {
    const found = (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, at)) ?? [];
    const file = found.map((l) => ('targetUri' in l ? l.targetUri : l.uri).fsPath).find((f) => f.endsWith('.d.ts'));
    return file;
  }, `TypeScript to resolve 'gradlens' in ${path.basename(doc.fileName)}`, timeoutMs);
}

/** What the Problems panel lists for a document: errors, warnings and infos from every source (hints are not listed). */
export function problemsOf(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.severity !== vscode.DiagnosticSeverity.Hint);
}

/** Gradlens's errors for a document (its failed checks), without the TypeScript warnings beside them. */
export function gradlensErrors(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'gradlens' && d.severity === vscode.DiagnosticSeverity.Error);
}

/** An unsaved TypeScript buffer of `lines`, shown in the editor (a test's own model file). */
export async function openUntitled(lines: readonly string[]): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: lines.join('\n') });
  await vscode.window.showTextDocument(doc);
  return doc;
}
