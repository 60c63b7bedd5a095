// The bundler the runner used before issue 11, for the comparison in bench/bundlers.ts only: esbuild
// (native or WebAssembly: the same JS API) bundles a model file from its text, `gradlens` left to the
// worker, any other package refused at its import, and each name gradlens lacks reported by esbuild.
import * as path from 'node:path';
import type { Message, Plugin } from 'esbuild';
import * as gradlens from '../../src/index';

type Esbuild = typeof import('esbuild');

export interface BenchBundle {
  code?: string;
  sourceMap?: string;
  error?: { line?: number; column?: number; message: string };
}

const API = 'gradlens-api';

const onlyGradlens: Plugin = {
  name: 'gradlens-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path !== 'gradlens') return { errors: [{ text: `cannot import '${args.path}'` }] };
      return args.namespace === API ? { path: 'gradlens', external: true } : { path: 'gradlens', namespace: API };
    });
    build.onLoad({ filter: /.*/, namespace: API }, () => ({ loader: 'js', contents: `export { ${Object.keys(gradlens).join(', ')} } from 'gradlens';\n` }));
  },
};

function located(msg: Message): BenchBundle {
  const loc = msg.location;
  return { error: { message: msg.text, ...(loc ? { line: loc.line, column: loc.column + 1 } : {}) } };
}

export async function esbuildBundle(esbuild: Esbuild, file: string, text: string): Promise<BenchBundle> {
  const dir = path.dirname(file);
  try {
    const r = await esbuild.build({
      stdin: { contents: text, sourcefile: path.basename(file), resolveDir: dir, loader: 'ts' },
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcesContent: false,
      outfile: path.join(dir, '__bundle__.js'),
      logLevel: 'silent',
      plugins: [onlyGradlens],
    });
    // `gl.notThere` on `import * as gl` is only a warning to esbuild; the runner made it an error.
    const undefinedImport = r.warnings.find((w) => /will always be undefined/.test(w.text));
    if (undefinedImport) return located(undefinedImport);
    const js = r.outputFiles.find((f) => f.path.endsWith('.js'));
    const map = r.outputFiles.find((f) => f.path.endsWith('.map'));
    return { code: js?.text, sourceMap: map?.text };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors?.length) throw err;
    return located(errors[0]);
  }
}
