// Bundles a user's model file in memory with esbuild: from its text (so an unsaved buffer works),
// following its relative imports. `gradlens` stays external: the worker supplies its own engine,
// so the user's models register in the same `definedModels` the checker reads.
import * as path from 'node:path';
import type { Message, Plugin } from 'esbuild';
import type { RunError } from '../shared/workerProtocol';

export interface Bundle {
  code: string;
  /** Source map JSON; its `sources` are absolute paths. */
  sourceMap: string;
}

export type BundleResult = { ok: true; bundle: Bundle } | { ok: false; error: RunError };

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx',
};

/** Only `gradlens` and relative files may be imported; anything else is a clear error at the import. */
const onlyGradlens: Plugin = {
  name: 'gradlens-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === 'gradlens') return { path: 'gradlens', external: true };
      return {
        errors: [{
          text: `cannot import '${args.path}': a model file may import only 'gradlens' and its own relative files`,
          detail: 'import',
        }],
      };
    });
  },
};

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
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
    if (!js || !map) return { ok: false, error: { kind: 'internal', message: 'esbuild produced no output for this file.' } };
    const parsed = JSON.parse(map.text) as { sources: string[] };
    parsed.sources = parsed.sources.map((s) => path.resolve(dir, s));
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
  const kind = msg.detail === 'import' || /Could not resolve/.test(msg.text) ? 'import' : 'syntax';
  const loc = msg.location;
  const text = msg.text.replace(/\s+$/, '');
  return {
    kind,
    message: kind === 'syntax' ? `Syntax error: ${text}.`.replace(/\.\.$/, '.') : sentence(text),
    ...(loc ? { file: path.resolve(dir, loc.file), line: loc.line, column: loc.column + 1 } : {}),
  };
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
