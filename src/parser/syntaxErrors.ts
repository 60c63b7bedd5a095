// Syntax errors without type-checking. The parser records them on the source file, and the public
// way to read them is `Program.getSyntacticDiagnostics`. A program over the one in-memory file,
// with no lib and no module resolution, costs well under a millisecond and reuses the tree we
// already built, unlike `transpileModule`, which parses and emits the text again (~5x the cost).
import ts from 'typescript';
import { rangeOf } from './positions';
import { SyntaxErrorInfo } from './types';

const options: ts.CompilerOptions = { noLib: true, noResolve: true, types: [], noEmit: true };

function singleFileHost(sf: ts.SourceFile): ts.CompilerHost {
  return {
    getSourceFile: (name) => (name === sf.fileName ? sf : undefined),
    fileExists: (name) => name === sf.fileName,
    readFile: () => undefined,
    writeFile: () => undefined,
    getDefaultLibFileName: () => 'lib.d.ts',
    getCurrentDirectory: () => '',
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
  };
}

export function syntaxErrorsOf(sf: ts.SourceFile): SyntaxErrorInfo[] {
  const program = ts.createProgram({ rootNames: [sf.fileName], options, host: singleFileHost(sf) });
  return program.getSyntacticDiagnostics(sf).map((d) => ({
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    code: d.code,
    range: rangeOf(sf, d.start, d.start + d.length),
    related: (d.relatedInformation ?? [])
      .filter((r) => r.file === sf && r.start !== undefined)
      .map((r) => ({
        message: ts.flattenDiagnosticMessageText(r.messageText, '\n'),
        range: rangeOf(sf, r.start!, r.start! + (r.length ?? 0)),
      })),
  }));
}
