// Where a file nests its brackets deepest, found without recursion. TypeScript's parser and V8's
// are recursive descent: a file nested some thousands of levels deep (`[[[[…]]]]`, generated code)
// overflows their stack, and the RangeError they throw says nowhere. The scanner is a loop, so it
// can still say where the nesting is, for the message that replaces theirs.
import ts from 'typescript';

export interface Nesting {
  /** How many brackets ((, [, {, template `${`) are open at the deepest point. */
  depth: number;
  /** The innermost of them: 0-based offset, line and character. */
  offset: number;
  line: number;
  character: number;
}

/** A JavaScript stack overflow, of this realm or another (a model file's, runner/userRealm.ts). */
export function isStackOverflow(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null;
  return typeof e === 'object' && e !== null && e.name === 'RangeError' && typeof e.message === 'string' && /Maximum call stack size exceeded/.test(e.message);
}

/** The tokens after which a `/` divides; elsewhere it starts a regular expression (whose brackets are not nesting). */
const ENDS_OPERAND = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.Identifier, ts.SyntaxKind.NumericLiteral, ts.SyntaxKind.BigIntLiteral, ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateTail, ts.SyntaxKind.ThisKeyword,
  ts.SyntaxKind.SuperKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken, ts.SyntaxKind.RegularExpressionLiteral,
]);

export function deepestNesting(text: string): Nesting {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const open: ts.SyntaxKind[] = [];
  let depth = 0;
  let offset = 0;
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    switch (kind) {
      case ts.SyntaxKind.OpenParenToken:
      case ts.SyntaxKind.OpenBracketToken:
      case ts.SyntaxKind.OpenBraceToken:
      case ts.SyntaxKind.TemplateHead:
        open.push(kind);
        if (open.length > depth) {
          depth = open.length;
          offset = scanner.getTokenStart();
        }
        break;
      case ts.SyntaxKind.CloseBraceToken:
        // The `}` that ends a template's `${…}` goes on with the template's text.
        if (open.at(-1) === ts.SyntaxKind.TemplateHead && scanner.reScanTemplateToken(false) === ts.SyntaxKind.TemplateTail) open.pop();
        else if (open.at(-1) !== ts.SyntaxKind.TemplateHead) open.pop();
        break;
      case ts.SyntaxKind.CloseParenToken:
      case ts.SyntaxKind.CloseBracketToken:
        open.pop();
        break;
      case ts.SyntaxKind.SlashToken:
      case ts.SyntaxKind.SlashEqualsToken:
        if (!ENDS_OPERAND.has(previous)) kind = scanner.reScanSlashToken();
        break;
    }
    previous = kind;
  }
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { depth, offset, line, character: offset - lineStart };
}

/** The sentence for a file too deeply nested for `what` ("the TypeScript parser"). */
export function tooDeepMessage(depth: number, what: string): string {
  return `This file nests brackets ${depth} levels deep here, more than ${what} can take (its stack overflowed). Build such data in a loop instead of writing it out nested.`;
}
