// Parsed model files, cached per document version. The TypeScript compiler is heavy, so the parser
// is loaded on first use, never during activation.
import * as vscode from 'vscode';
import type { ParseResult } from '../parser';

type ParserModule = typeof import('../parser');

let parser: Promise<ParserModule> | undefined;

function loadParser(): Promise<ParserModule> {
  parser ??= import('../parser');
  return parser;
}

export class ParsedDocuments {
  private readonly cache = new Map<string, { version: number; result: ParseResult }>();

  /** The parse of the document as the editor holds it now (unsaved edits included). */
  async get(doc: vscode.TextDocument): Promise<ParseResult> {
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version) return hit.result;
    const { findModels } = await loadParser();
    const result = findModels(doc.fileName, doc.getText());
    this.cache.set(key, { version: doc.version, result });
    return result;
  }

  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
  }
}

export function isModelLanguage(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'typescript' || doc.languageId === 'typescriptreact';
}
