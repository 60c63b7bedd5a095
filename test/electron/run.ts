// The same integration suites under @vscode/test-electron, for machines that can download VS Code
// (this one cannot: see test/vscode/README.md; there the code-server harness runs them).
//   npm run test:electron
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const REPO = path.resolve(__dirname, '../..');
// The version code-server 4.100.3 ships, and the minimum the manifest accepts.
const VSCODE_VERSION = '1.100.3';

async function suite(name: string, extraArgs: string[]): Promise<void> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), `gradlens-${name}-`));
  fs.cpSync(path.join(REPO, 'examples'), workspace, { recursive: true });
  try {
    await runTests({
      version: VSCODE_VERSION,
      extensionDevelopmentPath: REPO,
      extensionTestsPath: path.join(REPO, 'out/test/integration', name, 'index.js'),
      extensionTestsEnv: { GRADLENS_RESULTS_DIR: path.join(REPO, 'test-results') },
      launchArgs: [workspace, '--disable-extensions', ...extraArgs],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

(async () => {
  await suite('suite', ['--disable-workspace-trust']);
  // Workspace trust on, and the folder not trusted: Restricted Mode.
  await suite('restricted', []);
})().catch((err) => {
  console.error(`integration tests failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
