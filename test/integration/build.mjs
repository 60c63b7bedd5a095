// Bundles the integration suites for the extension host: out/test/integration/<suite>/index.js.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';

const suites = ['suite', 'restricted', 'vsix'];
const testFiles = suites.flatMap((s) => readdirSync(`test/integration/${s}`).filter((f) => f.endsWith('.ts')).map((f) => `test/integration/${s}/${f}`));
await esbuild.build({
  entryPoints: testFiles,
  outbase: 'test/integration',
  outdir: 'out/test/integration',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
