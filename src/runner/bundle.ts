// Bundles a user's model file in memory: from its text (so an unsaved buffer works), following its
// relative imports. Each file is transpiled by the TypeScript compiler the parser already ships,
// and the files are joined into one CommonJS script (linkModules.ts): no native bundler, so one
// package serves every platform (bench/README.md has the figures that chose this over esbuild).
// `gradlens` stays external: the worker supplies its own engine, so the user's models register in
// the same `definedModels` the checker reads.
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import type { RunError } from '../shared/workerProtocol';
import { deepestNesting, tooDeepMessage } from '../parser/nesting';
import { linkModules } from './linkModules';

export interface Bundle {
  code: string;
  /** Source map JSON: an index map, one section per file, each naming its file by absolute path. */
  sourceMap: string;
}

export type BundleResult = { ok: true; bundle: Bundle } | { ok: false; error: RunError };


export async function bundleModelFile(fileName: string, text: string): Promise<BundleResult> {
  const absFile = path.resolve(fileName);
  try {
    // The compiler (3.5 MB) is loaded on the first bundle, so merely loading the CLI stays fast.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { collectModules } = require('./moduleGraph') as typeof import('./moduleGraph');
    const collected = collectModules(absFile, text);
    if (!collected.ok) return collected;
    const bundle = linkModules(collected.modules);
    const early = earlyError(bundle);
    return early ? { ok: false, error: early } : { ok: true, bundle };
  } catch (err) {
    if (err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message)) {
      // TypeScript's parser is recursive descent: brackets nested some hundreds deep overflow it.
      // The place is the innermost bracket, found by a scan that does not recurse.
      const at = deepestNesting(text);
      return { ok: false, error: { kind: 'syntax', message: tooDeepMessage(at.depth, 'the TypeScript compiler'), file: absFile, line: at.line + 1, column: at.character + 1 } };
    }
    return { ok: false, error: { kind: 'internal', message: `Bundling failed: ${String((err as Error)?.message ?? err)}`, detail: (err as Error)?.stack } };
  }
}

/**
 * What V8 refuses to compile though TypeScript parsed it (a name declared twice, `await` outside an
 * async function): a syntax error at its place, not a failure to evaluate with no place at all.
 * The bundle is compiled, never run, in the wrapper execute.ts runs it in.
 */
function earlyError(bundle: Bundle): RunError | undefined {
  try {
    new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${bundle.code}\n})`, {
      filename: 'gradlens-bundle.js',
      lineOffset: -1,
    });
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    // V8 puts the place in the stack's head: "file:LINE", the line of code, then a caret under it.
    const head = /^[^\n]*:(\d+)\n[^\n]*\n( *)\^/.exec(err.stack ?? '');
    const entry = head
      ? (new SourceMap(JSON.parse(bundle.sourceMap)).findEntry(Number(head[1]) - 1, head[2].length) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>)
      : {};
    const loc = typeof entry.originalSource === 'string' && typeof entry.originalLine === 'number'
      ? { file: entry.originalSource, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 }
      : {};
    return { kind: 'syntax', message: `Syntax error: ${err.message.replace(/[.\s]*$/, '')}.`, ...loc };
  }
}
