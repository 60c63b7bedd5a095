// Runs an integration suite inside a real VS Code (code-server's Node extension host), opened in
// headless chromium. The suite is written as for @vscode/test-electron: a module whose run()
// runs mocha. Mocha's output is relayed here; the exit code is the extension host's.
//
//   node --import tsx test/vscode/run-tests.ts --extension <dir> --tests <suite/index.js> --workspace <dir>
//   node --import tsx test/vscode/run-tests.ts --vsix <file.vsix> --tests <suite/index.js> --workspace <dir>
//
// Options: --untrusted (open the workspace in restricted mode), --timeout <seconds> (default 300),
// --verbose (echo the whole browser console). On failure VS Code's logs go to test-results/vscode-logs/.
import fs from 'node:fs';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { enableSmokeTestDriver, launchChromium, workbenchUrl } from './browser';
import { REPO_ROOT, startCodeServer, tail, type CodeServer } from './host';

interface VsCodeLog {
  relativePath: string;
  contents: string;
}

const USAGE = 'usage: run-tests.ts (--extension <dir> | --vsix <file>) --tests <index.js> --workspace <dir> [--untrusted] [--timeout <s>] [--verbose]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      extension: { type: 'string' },
      vsix: { type: 'string', multiple: true },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      untrusted: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const fail = (why: string): never => {
    console.error(`run-tests: ${why}\n${USAGE}`);
    process.exit(2);
  };
  if (!values.tests || !values.workspace) fail('--tests and --workspace are required');
  if (!values.extension === !values.vsix) fail('give exactly one of --extension (a folder under development) and --vsix (installed first)');
  const tests = path.resolve(values.tests!);
  if (!fs.existsSync(tests)) fail(`test module not found: ${tests} (build the suite first?)`);
  const timeoutSeconds = Number(values.timeout);
  if (!(timeoutSeconds > 0)) fail(`--timeout must be a positive number of seconds, not ${values.timeout}`);
  return { ...values, tests, timeoutMs: timeoutSeconds * 1000 };
}

// The workbench's own console lines that every run prints; they would bury mocha's output.
// The gallery (open-vsx.org) is unreachable here and the workbench says so at every start.
const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/, /^Creating a socket/, /^\[Service Worker\]/,
  /^Updating additional builtin extensions cache/, /^ChatSessionStore:/, /^Creation of workbench contribution/, /getaddrinfo ENOTFOUND open-vsx\.org/,
];

/** Prints one console message relayed from the workbench: mocha's output, or the extension host's errors. */
function relay(type: string, text: string, verbose: boolean): void {
  if (!verbose && WORKBENCH_NOISE.some(pattern => pattern.test(text))) return;
  (type === 'error' ? console.error : console.log)(text);
}

/**
 * The workbench runs extensionTestsPath only in extension-development mode, which only a non-empty
 * extensionDevelopmentPath turns on. To test the extension as installed from a .vsix, the path
 * names an empty folder: development mode is on, no extension is loaded from it, and the installed
 * extension is the one that runs.
 */
function emptyDevelopmentFolder(server: CodeServer): string {
  const folder = path.join(server.runDir, 'no-extension-under-development');
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

function saveLogs(server: CodeServer, logs: VsCodeLog[]): string {
  const dir = path.join(REPO_ROOT, 'test-results', 'vscode-logs');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const log of logs) fs.writeFileSync(path.join(dir, log.relativePath.replace(/[\\/]/g, '_')), log.contents);
  fs.copyFileSync(server.logFile, path.join(dir, 'code-server.log'));
  // The Node extension host and the server log under the user-data folder, not in the page.
  const serverLogs = path.join(server.runDir, 'user-data', 'logs');
  if (fs.existsSync(serverLogs)) fs.cpSync(serverLogs, path.join(dir, 'server'), { recursive: true });
  return dir;
}

async function main(): Promise<number> {
  const options = parseOptions();
  const started = Date.now();
  const server = await startCodeServer({ workspace: options.workspace!, vsix: options.vsix, trustWorkspace: !options.untrusted });
  const stopOnSignal = () => void server.stop().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let exitCode = 1;
  try {
    const browser = await launchChromium(server);
    try {
      const page = await browser.newPage();
      if (options.verbose) page.on('console', message => console.log('[browser]', message.text()));
      await enableSmokeTestDriver(page);

      let finish!: (result: { code: number; logs: VsCodeLog[] }) => void;
      const finished = new Promise<{ code: number; logs: VsCodeLog[] }>(resolve => (finish = resolve));
      await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => relay(type, format(...args), options.verbose!));
      await page.exposeFunction('codeAutomationExit', (code: number, logs?: VsCodeLog[]) => finish({ code, logs: logs ?? [] }));
      page.on('crash', () => finish({ code: 1, logs: [] }));
      const timer = setTimeout(() => {
        console.error(`run-tests: the extension host did not finish within ${options.timeoutMs / 1000}s`);
        finish({ code: 124, logs: [] });
      }, options.timeoutMs);

      await page.goto(workbenchUrl(server, {
        folder: options.workspace!,
        extensionDevelopmentPath: options.extension ?? emptyDevelopmentFolder(server),
        extensionTestsPath: options.tests,
      }));
      const result = await finished;
      clearTimeout(timer);
      exitCode = result.code;
      if (exitCode !== 0) console.error(`run-tests: VS Code's logs are in ${path.relative(process.cwd(), saveLogs(server, result.logs))}`);
    } finally {
      await browser.close();
    }
  } catch (error) {
    console.error('run-tests:', error instanceof Error ? error.message : error);
    console.error(tail(server.logFile));
  } finally {
    await server.stop();
  }
  console.log(`run-tests: extension host exited with code ${exitCode} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return exitCode;
}

main().then(code => process.exit(code), error => {
  console.error('run-tests:', error instanceof Error ? error.message : error);
  process.exit(1);
});
