// Bundles every entry point. Node entries are CommonJS for the extension host and the CLI.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Node-side entries; an entry whose source does not exist yet is skipped. */
const nodeEntries = {
  cli: 'src/cli/main.ts',
  extension: 'src/extension/extension.ts',
  worker: 'src/runner/worker.ts',
  parserWorker: 'src/parser/worker.ts',
  gradlens: 'src/index.ts',
  // Verifies the derivative table off the extension host's thread.
  rulesWorker: 'src/rules/verifyWorker.ts',
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
  external: ['vscode'],
  plugins: [typescriptBesideBundles()],
};

// The TypeScript compiler (the parser, and the runner's bundler of model files), minified once into
// dist/typescript.js. Every bundle loads that one copy, so the .vsix ships neither
// node_modules/typescript (8.8 MB) nor two copies of it.
const typescriptBuild = {
  entryPoints: { typescript: 'node_modules/typescript/lib/typescript.js' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  sourcemap: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
};

/** Rewrites `require('typescript')` in our bundles to the file dist/typescript.js beside them. */
function typescriptBesideBundles() {
  return {
    name: 'typescript-beside-bundles',
    setup(build) {
      build.onResolve({ filter: /^typescript$/ }, () => ({ path: './typescript.js', external: true }));
    },
  };
}

// The webview: one browser bundle (the panel and the standalone report load the same file).
const webviewBuild = {
  ...common,
  entryPoints: { main: 'webview/main.ts' },
  outdir: 'dist/webview',
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  // The report inlines this file, so it is kept small: minified, and no source map that would
  // point into the builder's filesystem.
  minify: true,
  sourcemap: false,
};

/** Files the webview loads as they are: ELK's worker (large graphs are laid out off the UI thread) and the codicon font. */
function copyWebviewAssets() {
  mkdirSync('dist/webview', { recursive: true });
  copyFileSync('node_modules/elkjs/lib/elk-worker.min.js', 'dist/webview/elkWorker.js');
  copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'dist/webview/codicon.css');
  copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'dist/webview/codicon.ttf');
}

/**
 * The ES library declarations, for the parser worker's type-check of model files
 * (src/parser/typeErrors.ts): only lib.es*.d.ts and the decorators they reference, 0.8 MB.
 */
function copyTypeScriptLibs() {
  const from = 'node_modules/typescript/lib';
  mkdirSync('dist/tslib', { recursive: true });
  for (const f of readdirSync(from)) if (/^lib\.(es\d|es5|decorators)[\w.]*\.d\.ts$/.test(f)) copyFileSync(`${from}/${f}`, `dist/tslib/${f}`);
}

const builds = [nodeBuild, typescriptBuild, ...(existsSync('webview/main.ts') ? [webviewBuild] : [])];
copyWebviewAssets();
copyTypeScriptLibs();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
