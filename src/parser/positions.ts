// Turns compiler offsets into the parser's plain ranges (offset + 0-based line/character).
import ts from 'typescript';
import { SourcePosition, SourceRange } from './types';

export function positionAt(sf: ts.SourceFile, offset: number): SourcePosition {
  const { line, character } = sf.getLineAndCharacterOfPosition(offset);
  return { offset, line, character };
}

export function rangeOf(sf: ts.SourceFile, start: number, end: number): SourceRange {
  return { start: positionAt(sf, start), end: positionAt(sf, end) };
}

/** The node's own text span: `getStart` skips the leading comments and blanks that `pos` includes. */
export function nodeRange(sf: ts.SourceFile, node: ts.Node): SourceRange {
  return rangeOf(sf, node.getStart(sf), node.end);
}

export function nodeText(sf: ts.SourceFile, node: ts.Node): string {
  return sf.text.slice(node.getStart(sf), node.end);
}
