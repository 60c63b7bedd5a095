// Turns the plain positions of the parser and the runner into VS Code ranges. The core speaks in
// 0-based parser positions and 1-based `file:line:col` locations; only this file knows vscode.Range.
import * as vscode from 'vscode';
import type { SourceRange } from '../parser';
import type { SourceLocation } from '../shared/workerProtocol';

export function toRange(r: SourceRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function containsLoc(r: SourceRange, loc: SourceLocation): boolean {
  const line = loc.line - 1;
  const ch = loc.column - 1;
  const afterStart = line > r.start.line || (line === r.start.line && ch >= r.start.character);
  const beforeEnd = line < r.end.line || (line === r.end.line && ch <= r.end.character);
  return afterStart && beforeEnd;
}

/**
 * What a check's diagnostics read of a document: the editor's own, or the text the check ran on
 * when the user has typed since (snapshotOf), whose lines the diagnostics are placed on first.
 */
export interface LinesOf {
  readonly fileName: string;
  readonly uri: vscode.Uri;
  readonly lineCount: number;
  lineAt(line: number): vscode.TextLine;
}

/** `text` as the lines of `doc` (its name and uri): the version a check ran on. */
export function snapshotOf(doc: vscode.TextDocument, text: string): LinesOf {
  const lines = text.split(/\r?\n/);
  return {
    fileName: doc.fileName,
    uri: doc.uri,
    lineCount: lines.length,
    lineAt(lineNumber: number): vscode.TextLine {
      const t = lines[lineNumber] ?? '';
      const range = new vscode.Range(lineNumber, 0, lineNumber, t.length);
      const first = t.search(/\S/);
      return { lineNumber, text: t, range, rangeIncludingLineBreak: range, firstNonWhitespaceCharacterIndex: first < 0 ? t.length : first, isEmptyOrWhitespace: first < 0 };
    },
  };
}

/** The non-blank text of the line at a 1-based location: where a runtime error is shown. */
export function lineRangeAt(doc: LinesOf, loc: { line?: number; column?: number }): vscode.Range {
  const lineNo = Math.min(Math.max((loc.line ?? 1) - 1, 0), Math.max(doc.lineCount - 1, 0));
  const line = doc.lineAt(lineNo);
  if (line.isEmptyOrWhitespace) return line.range;
  return new vscode.Range(lineNo, line.firstNonWhitespaceCharacterIndex, lineNo, line.range.end.character);
}
