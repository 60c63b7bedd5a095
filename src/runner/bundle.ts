// Bundles a user's model file in memory with esbuild: from its text (so an unsaved buffer works),
// following its relative imports. `gradlens` stays external: the worker supplies its own engine,
// so the user's models register in the same `definedModels` the checker reads.
import * as path from 'node:path';
import type { Message, Plugin } from 'esbuild';
import * as gradlens from '../index';
import type { RunError } from '../shared/workerProtocol';
import { sentence } from './errors';
import { nearestName } from './nearestName';

export interface Bundle {
  code: string;
  /** Source map JSON; its `sources` are absolute paths. */
  sourceMap: string;
}

export type BundleResult = { ok: true; bundle: Bundle } | { ok: false; error: RunError };

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};

/** The namespace of the virtual `gradlens` module that stands between user files and the engine. */
const API_NAMESPACE = 'gradlens-api';
/** The names model files use most, named first when a message lists what gradlens exports. */
const MAIN_EXPORTS = ['defineModel', 'defineOp', 'F', 'nn', 'tensor'];

/** What `gradlens` exports, read from the engine module itself so the list can never go stale. */
export function gradlensExports(): string[] {
  const all = Object.keys(gradlens).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
  return [...MAIN_EXPORTS.filter((k) => all.includes(k)), ...all.filter((k) => !MAIN_EXPORTS.includes(k))];
}

/**
 * Only `gradlens` and relative files may be imported; anything else is a clear error at the import.
 * `gradlens` resolves to a virtual ES module that re-exports the engine's names from the real,
 * external one, so esbuild itself reports a name that is not among them, at the import.
 */
const onlyGradlens: Plugin = {
  name: 'gradlens-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === 'gradlens') {
        // The virtual module's own import is the engine, which the worker supplies at run time.
        return args.namespace === API_NAMESPACE ? { path: 'gradlens', external: true } : { path: 'gradlens', namespace: API_NAMESPACE };
      }
      return {
        errors: [{
          text: `cannot import '${args.path}': a model file may import only 'gradlens' and its own relative files`,
          detail: 'import',
        }],
      };
    });
    build.onLoad({ filter: /.*/, namespace: API_NAMESPACE }, () => ({
      loader: 'js',
      contents: `export { ${gradlensExports().join(', ')} } from 'gradlens';\n`,
    }));
  },
};

/**
 * The name a message says gradlens does not export: esbuild's error for a named import (or a
 * re-export), or its warning for a property of `import * as gl` that is not there.
 */
function missingExport(msg: Message): string | undefined {
  const where = `"${API_NAMESPACE}:gradlens"`;
  const named = /^No matching export in "([^"]+)" for import "([^"]+)"/.exec(msg.text);
  if (named && `"${named[1]}"` === where) return named[2];
  const property = /^Import "([^"]+)" will always be undefined because there is no matching export in "([^"]+)"/.exec(msg.text);
  if (property && `"${property[2]}"` === where) return property[1];
  return undefined;
}

function notExportedMessage(name: string): string {
  const exported = gradlensExports();
  if (name === 'default') {
    return "Gradlens has no default export: import { defineModel, F, tensor } from 'gradlens', or import * as gl from 'gradlens'.";
  }
  const near = nearestName(name, exported);
  return `'${name}' is not exported by gradlens${near ? ` (did you mean ${near}?)` : ''}; it exports ${exported.join(', ')}.`;
}

export async function bundleModelFile(fileName: string, text: string): Promise<BundleResult> {
  const absFile = path.resolve(fileName);
  const dir = path.dirname(absFile);
  // esbuild is external to our own bundles and loaded on first use, so merely loading the CLI stays fast.
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      stdin: {
        contents: text,
        sourcefile: path.basename(absFile),
        resolveDir: dir,
        loader: LOADERS[path.extname(absFile).toLowerCase()] ?? 'ts',
      },
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcesContent: false,
      // Never written: it only fixes where the map's relative `sources` start from.
      outfile: path.join(dir, '__gradlens_bundle__.js'),
      logLevel: 'silent',
      plugins: [onlyGradlens],
    });
    // A property of `import * as gl` that gradlens does not have is only a warning to esbuild.
    const undefinedImport = result.warnings.find((w) => missingExport(w) !== undefined);
    if (undefinedImport) return { ok: false, error: toRunError(undefinedImport, dir) };
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
    if (!js || !map) return { ok: false, error: { kind: 'internal', message: 'esbuild produced no output for this file.' } };
    const parsed = JSON.parse(map.text) as { sources: string[] };
    // The virtual module keeps its namespaced name: it is no file.
    parsed.sources = parsed.sources.map((s) => (s.startsWith(`${API_NAMESPACE}:`) ? s : path.resolve(dir, s)));
    return { ok: true, bundle: { code: js.text, sourceMap: JSON.stringify(parsed) } };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) {
      return { ok: false, error: { kind: 'internal', message: `Bundling failed: ${String((err as Error)?.message ?? err)}`, detail: (err as Error)?.stack } };
    }
    return { ok: false, error: toRunError(errors[0], dir) };
  }
}

function toRunError(msg: Message, dir: string): RunError {
  const missing = missingExport(msg);
  const kind = missing !== undefined || msg.detail === 'import' || /Could not resolve/.test(msg.text) ? 'import' : 'syntax';
  const loc = msg.location;
  const text = msg.text.replace(/\s+$/, '');
  return {
    kind,
    message: missing !== undefined ? notExportedMessage(missing) : kind === 'syntax' ? `Syntax error: ${text}.`.replace(/\.\.$/, '.') : sentence(text),
    ...(loc ? { file: path.resolve(dir, loc.file), line: loc.line, column: loc.column + 1 } : {}),
  };
}
