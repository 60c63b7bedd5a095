// One model file to CommonJS with TypeScript's own emitter: the compiler the parser already ships
// (dist/typescript.js), so the runner needs no native bundler and the package serves every
// platform. Each file is transpiled on its own, as `ts.transpileModule` does (no types, no lib,
// no module resolution), with a source map; linkModules.ts joins the files into one bundle.
import ts from 'typescript';
import { type ImportSite, importSitesOf } from './importSites';
import { placeIndirectCallsAtTheirName } from './indirectCalls';

export interface RawSourceMap {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  [key: string]: unknown;
}

export interface TranspiledFile {
  /** Absolute path. */
  file: string;
  source: ts.SourceFile;
  /** CommonJS, without the `//# sourceMappingURL` line. */
  js: string;
  /** Its source map; `sources` is the one absolute path. */
  map: RawSourceMap;
  /** What the parser found wrong, each at its offset in the file. */
  syntaxErrors: { message: string; pos: number }[];
  imports: ImportSite[];
}

// What `transpileModule` sets, plus the target the worker's Node runs (as esbuild's `node20`).
const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  jsx: ts.JsxEmit.React,
  allowJs: true,
  sourceMap: true,
  newLine: ts.NewLineKind.LineFeed,
  isolatedModules: true,
  noLib: true,
  noResolve: true,
  types: [],
  suppressOutputPathCheck: true,
  allowNonTsExtensions: true,
};

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS, '.mts': ts.ScriptKind.TS, '.cts': ts.ScriptKind.TS, '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS, '.mjs': ts.ScriptKind.JS, '.cjs': ts.ScriptKind.JS, '.jsx': ts.ScriptKind.JSX,
};

function scriptKindOf(file: string): ts.ScriptKind {
  const ext = /\.[^./\\]+$/.exec(file)?.[0].toLowerCase() ?? '';
  return SCRIPT_KINDS[ext] ?? ts.ScriptKind.TS;
}

export function transpileFile(file: string, text: string): TranspiledFile {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, scriptKindOf(file));
  const outputs = new Map<string, string>();
  const host: ts.CompilerHost = {
    getSourceFile: (name) => (name === file ? source : undefined),
    fileExists: (name) => name === file,
    readFile: () => undefined,
    writeFile: (name, data) => outputs.set(name.endsWith('.map') ? 'map' : 'js', data),
    getDefaultLibFileName: () => 'lib.d.ts',
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
  };
  // One program over the one tree: its syntax errors, its emit, and a checker that only binds the
  // file's own names (imports stay unresolved), which importSites.ts asks which imports are values.
  const program = ts.createProgram({ rootNames: [file], options: OPTIONS, host });
  const syntaxErrors = program.getSyntacticDiagnostics(source).map((d) => ({
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    pos: d.start ?? 0,
  }));
  if (syntaxErrors.length > 0) return { file, source, js: '', map: emptyMap(file), syntaxErrors, imports: [] };
  program.emit(source);
  const js = (outputs.get('js') ?? '').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  const map = JSON.parse(outputs.get('map') ?? JSON.stringify(emptyMap(file))) as RawSourceMap;
  delete map.sourceRoot;
  delete map.file;
  map.sources = [file];
  map.mappings = placeIndirectCallsAtTheirName(js, map.mappings);
  return { file, source, js, map, syntaxErrors, imports: importSitesOf(source, program.getTypeChecker()) };
}

export function emptyMap(file: string): RawSourceMap {
  return { version: 3, sources: [file], names: [], mappings: '' };
}
