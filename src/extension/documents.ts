// Parsed model files, cached per document version. Parsing runs in a worker thread that owns the
// TypeScript compiler, so neither loading the compiler nor parsing a large file blocks the host.
import * as vscode from 'vscode';
import { ParserClient } from '../parser/client';
import type { ParseResult } from '../parser';

export class ParsedDocuments implements vscode.Disposable {
  private readonly cache = new Map<string, { version: number; result: Promise<ParseResult> }>();
  private readonly client: ParserClient;

  constructor(extensionUri: vscode.Uri) {
    this.client = new ParserClient(vscode.Uri.joinPath(extensionUri, 'dist', 'parserWorker.js').fsPath);
  }

  /** The parse of the document as the editor holds it now (unsaved edits included). */
  get(doc: vscode.TextDocument): Promise<ParseResult> {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit.result;
    const result = this.client.parse(doc.fileName, doc.getText());
    // A failed parse is not cached: the next request tries again.
    result.catch(() => this.cache.get(key)?.result === result && this.cache.delete(key));
    this.cache.set(key, { version: doc.version, result });
    return result;
  }

  /**
   * The parse of `text` (the version a check ran on) with the file's TypeScript errors
   * (ParseResult.typeErrors), for a check's diagnostics. Not cached: one per check.
   */
  typeChecked(fileName: string, text: string): Promise<ParseResult> {
    return this.client.parse(fileName, text, { typeCheck: true });
  }

  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
  }

  dispose(): void {
    this.cache.clear();
    this.client.dispose();
  }
}

export function isModelLanguage(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'typescript' || doc.languageId === 'typescriptreact';
}
