// Bundles every entry point. Node entries are CommonJS for the extension host and the CLI.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Node-side entries; an entry whose source does not exist yet is skipped. */
const nodeEntries = {
  cli: 'src/cli/main.ts',
  extension: 'src/extension/extension.ts',
  worker: 'src/runner/worker.ts',
  gradlens: 'src/index.ts',
};

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
};

const entryPoints = Object.fromEntries(Object.entries(nodeEntries).filter(([, src]) => existsSync(src)));
const nodeBuild = {
  ...common,
  entryPoints,
  outdir: 'dist',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Loaded at run time from node_modules: esbuild bundles user models, typescript parses them.
  external: ['vscode', 'esbuild', 'typescript'],
};

if (watch) {
  const ctx = await esbuild.context(nodeBuild);
  await ctx.watch();
} else {
  await esbuild.build(nodeBuild);
}
