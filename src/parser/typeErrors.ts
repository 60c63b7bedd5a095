// The file's TypeScript errors, for the check to report as warnings: model files are bundled by
// esbuild, which strips types, so `randn([5], { std: 0.1 })` would otherwise run without a word.
// One in-memory program over the buffer, with `gradlens` resolved to the declarations the
// extension ships (dist/types) and the ES library files copied beside the bundles (dist/tslib).
// Runs in the parser worker (or the CLI), never on the extension host's thread. The library and
// declaration files are parsed once per worker and reused by every later check.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { rangeOf } from './positions';
import type { TypeErrorInfo } from './types';

/** Where the declarations and library files are: beside the bundle, or, from source, in the repository. */
function shipped(): { types: string; lib: string } {
  const candidates = [
    { types: path.join(__dirname, 'types'), lib: path.join(__dirname, 'tslib') },
    { types: path.resolve(__dirname, '../../dist/types'), lib: path.dirname(require.resolve('typescript')) },
  ];
  return candidates.find((c) => fs.existsSync(path.join(c.types, 'index.d.ts')) && fs.existsSync(path.join(c.lib, 'lib.es2023.d.ts'))) ?? candidates[0];
}

/**
 * Errors about the environment, not the model: a module or global the user's own setup provides
 * (node's types, a DOM, a test runner). Without the user's tsconfig we cannot judge those.
 */
const ENVIRONMENT_CODES = new Set([2307, 2580, 2582, 2583, 2584, 2591, 2592, 2593, 2792, 2875]);

const cache = new Map<string, ts.SourceFile>();
let paths: { types: string; lib: string } | undefined;

function optionsFor(p: { types: string; lib: string }): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    paths: { gradlens: [path.join(p.types, 'index.d.ts')], 'gradlens/*': [path.join(p.types, '*')] },
  };
}

export function typeErrorsOf(fileName: string, text: string): TypeErrorInfo[] {
  paths ??= shipped();
  const options = optionsFor(paths);
  const host = ts.createCompilerHost(options);
  // An editor's unsaved buffer has no extension ("Untitled-1"), and TypeScript's checker crashed on
  // a root file it could not classify: such a buffer is checked under its name with '.ts' added.
  const resolved = path.resolve(fileName);
  const own = /\.[cm]?[jt]sx?$/i.test(resolved) ? resolved : `${resolved}.ts`;
  const main = ts.createSourceFile(own, text, ts.ScriptTarget.ES2022, true);
  const isOwn = (name: string): boolean => path.resolve(name) === own;
  const shippedFile = (name: string): boolean => name.startsWith(paths!.types) || name.startsWith(paths!.lib);
  host.getDefaultLibLocation = () => paths!.lib;
  host.getDefaultLibFileName = () => path.join(paths!.lib, 'lib.es2023.d.ts');
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => (isOwn(name) ? text : readFile(name));
  host.fileExists = (name) => isOwn(name) || fileExists(name);
  host.getSourceFile = (name, languageVersion) => {
    if (isOwn(name)) return main;
    const hit = cache.get(name);
    if (hit) return hit;
    const content = readFile(name);
    if (content === undefined) return undefined;
    const sf = ts.createSourceFile(name, content, languageVersion);
    // Our declarations and the library never change while the worker lives; the user's other files may.
    if (shippedFile(name)) cache.set(name, sf);
    return sf;
  };
  const program = ts.createProgram({ rootNames: [own], options, host });
  return [...program.getSyntacticDiagnostics(main), ...program.getSemanticDiagnostics(main)]
    .filter((d) => d.file === main && d.start !== undefined && !(ENVIRONMENT_CODES.has(d.code) && !/['"]gradlens/.test(ts.flattenDiagnosticMessageText(d.messageText, '\n'))))
    .map((d) => ({ message: ts.flattenDiagnosticMessageText(d.messageText, '\n'), code: d.code, range: rangeOf(main, d.start!, d.start! + (d.length ?? 0)) }));
}
