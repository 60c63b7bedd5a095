// `npx tsx bench/bundlers.ts`: the bundlers that could turn a model file into the worker's script,
// compared on what decides between them (issue 11): what each adds to the .vsix, the time to bundle
// examples/mlp.ts in a fresh process (cold: loading the bundler included) and again in the same
// one (warm), and where each places errors. Not in `npm run bench`: it spawns many processes.
//
//   esbuild        the native binary (the runner's bundler until issue 11: one .vsix per platform)
//   esbuild-wasm   the same esbuild compiled to WebAssembly: set ESBUILD_WASM to its package
//                  folder (`npm install --no-save --prefix /tmp/w esbuild-wasm@0.28.2` gives
//                  /tmp/w/node_modules/esbuild-wasm); skipped without it
//   typescript     src/runner/bundle.ts: the compiler the parser ships, a file at a time
//
// Options: --runs N (fresh processes per bundler, default 7), --warm N (warm bundles each, 20).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('--runs', 7);
const warm = arg('--warm', 20);
const wasmDir = process.env.ESBUILD_WASM;

const bundlers = ['esbuild', ...(wasmDir && fs.existsSync(path.join(wasmDir, 'esbuild.wasm')) ? ['esbuild-wasm'] : []), 'typescript'];

/** Compressed bytes a set of files adds to the .vsix (vsce deflates each file). */
function deflated(files: string[]): number {
  return files.reduce((sum, f) => sum + zlib.deflateRawSync(fs.readFileSync(f)).length, 0);
}

function addedToPackage(which: string): number {
  if (which === 'esbuild') {
    const platform = path.join(root, 'node_modules/@esbuild', `${process.platform}-${process.arch}`);
    return deflated([path.join(root, 'node_modules/esbuild/lib/main.js'), path.join(root, 'node_modules/esbuild/package.json'), path.join(platform, 'package.json'), path.join(platform, process.platform === 'win32' ? 'esbuild.exe' : 'bin/esbuild')]);
  }
  if (which === 'esbuild-wasm') {
    return deflated(['lib/main.js', 'package.json', 'esbuild.wasm', 'wasm_exec.js', 'wasm_exec_node.js'].map((f) => path.join(wasmDir as string, f)));
  }
  // dist/typescript.js ships for the parser whatever bundles: the bundler itself is our code.
  return 0;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist/typescript.js'))) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-bench-bundlers-')), 'measure.js');
  // The shipped form: minified, and `typescript` is the minified dist/typescript.js, as in dist/*.js.
  await build({
    entryPoints: [path.join(__dirname, 'bundlers/measure.ts')],
    outfile: out,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
    external: ['esbuild'],
    plugins: [{ name: 'shipped-typescript', setup: (b) => b.onResolve({ filter: /^typescript$/ }, () => ({ path: path.join(root, 'dist/typescript.js'), external: true })) }],
  });
  const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules') };
  const child = (which: string, errors: boolean): Record<string, unknown> => {
    const r = spawnSync(process.execPath, [out, which, root, String(warm), errors ? '--errors' : ''], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${which}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
  };

  const cold = new Map<string, number[]>(bundlers.map((b) => [b, []]));
  const warmMs = new Map<string, number[]>(bundlers.map((b) => [b, []]));
  const errors = new Map<string, Record<string, string>>();
  // Turns in rounds, so a burst of load from elsewhere hits every bundler alike.
  for (let round = 0; round < runs; round++) {
    for (const b of bundlers) {
      const r = child(b, round === 0);
      cold.get(b)?.push(r.coldMs as number);
      warmMs.get(b)?.push(r.warmMs as number);
      if (r.errors) errors.set(b, r.errors as Record<string, string>);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const vsix = path.join(root, `gradlens-${(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}.vsix`);
  console.log(`Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${runs} fresh processes per bundler, ${warm} warm bundles in each; medians.\n`);
  console.log(`| | ${bundlers.join(' | ')} |`);
  console.log(`|---|${bundlers.map(() => '---').join('|')}|`);
  console.log(`| added to the .vsix (compressed) | ${bundlers.map((b) => `${(addedToPackage(b) / 1e6).toFixed(2)} MB`).join(' | ')} |`);
  if (fs.existsSync(vsix)) {
    // The package as built now bundles with TypeScript: every other bundler adds its files to it.
    const base = fs.statSync(vsix).size;
    console.log(`| the .vsix | ${bundlers.map((b) => `${((base + addedToPackage(b)) / 1e6).toFixed(2)} MB`).join(' | ')} |`);
  }
  console.log(`| cold: load + bundle mlp.ts | ${bundlers.map((b) => `${median(cold.get(b) ?? []).toFixed(0)} ms`).join(' | ')} |`);
  console.log(`| warm: bundle mlp.ts again | ${bundlers.map((b) => `${median(warmMs.get(b) ?? []).toFixed(1)} ms`).join(' | ')} |`);
  for (const name of Object.keys(errors.get('typescript') ?? {})) {
    console.log(`| ${name} | ${bundlers.map((b) => (errors.get(b)?.[name] ?? '').replace(/\|/g, '\\|')).join(' | ')} |`);
  }
}

void main();
