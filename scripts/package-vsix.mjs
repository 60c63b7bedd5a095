// `npm run package`: builds gradlens-<version>.vsix with vsce. The package carries no native code
// (model files are bundled by the TypeScript compiler in dist/typescript.js), so it is universal:
// its manifest names no VS Code target and one file installs on every platform.
// The production build runs first, as vsce's `vscode:prepublish` script.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `gradlens-${version}.vsix`;

const vsce = path.join('node_modules', '@vscode', 'vsce', 'vsce');
// No repository is named in package.json: --allow-missing-repository skips vsce's prompt about it,
// and README's relative links (docs/…) are left as they are instead of being made absolute.
const args = ['package', '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
const run = spawnSync(process.execPath, [vsce, ...args], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`package: ${out} for every platform, ${(statSync(out).size / 1e6).toFixed(2)} MB`);
