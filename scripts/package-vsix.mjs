// `npm run package`: builds gradlens-<version>.vsix with vsce for the platform this runs on.
// esbuild, which bundles user models at run time, is a native binary, so the package is
// platform-specific: its manifest names the VS Code target (linux-x64, darwin-arm64, win32-x64, …)
// and VS Code installs it only there. To ship another platform, run `npm ci && npm run package` on
// it: npm installs that platform's @esbuild/<os>-<cpu> package, and this script tags the package.
// The production build runs first, as vsce's `vscode:prepublish` script.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `gradlens-${version}.vsix`;

/** VS Code's name for this platform (see `vsce package --help`). */
function vscodeTarget() {
  const { platform, arch } = process;
  // Alpine (musl) has targets of its own; glibcVersionRuntime is absent there.
  const musl = platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime;
  if (musl) return `alpine-${arch}`;
  if (platform === 'linux' && arch === 'arm') return 'linux-armhf';
  return `${platform}-${arch}`;
}

// Only the host's esbuild binary may be shipped: one for another platform would not run here, and
// a package tagged with this platform must carry this platform's binary.
const esbuildPackage = `${process.platform}-${process.arch}`;
const installed = existsSync('node_modules/@esbuild') ? readdirSync('node_modules/@esbuild') : [];
if (!installed.includes(esbuildPackage) || installed.length !== 1) {
  console.error(`package: node_modules/@esbuild must hold exactly @esbuild/${esbuildPackage}, found [${installed.join(', ')}]; run npm ci`);
  process.exit(1);
}

const target = vscodeTarget();
const vsce = path.join('node_modules', '@vscode', 'vsce', 'vsce');
// No repository is named in package.json: --allow-missing-repository skips vsce's prompt about it,
// and README's relative links (docs/…) are left as they are instead of being made absolute.
const args = ['package', '--target', target, '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
const run = spawnSync(process.execPath, [vsce, ...args], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`package: ${out} for ${target}, ${(statSync(out).size / 1e6).toFixed(2)} MB`);
