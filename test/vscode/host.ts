// Starts and stops a real VS Code server (code-server from npm, installed in .vscode-host/ by
// setup-code-server.sh) for one test run: its own free loopback port and its own throwaway
// user-data, extensions and XDG folders, so runs never share state or touch ~/.config.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const HOST_DIR = path.join(REPO_ROOT, '.vscode-host');
export const CODE_SERVER_VERSION = '4.100.3'; // keep in step with setup-code-server.sh
const CODE_SERVER_ENTRY = path.join(HOST_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const HEALTH_TIMEOUT_MS = 60_000;

export interface CodeServerOptions {
  /** The folder the workbench opens. */
  workspace: string;
  /** .vsix files installed with `code-server --install-extension` before the server starts. */
  vsix?: string[];
  /** false leaves workspace trust on, so the workspace opens in restricted mode. */
  trustWorkspace?: boolean;
  /** Extra user settings (settings.json) for this run. */
  settings?: Record<string, unknown>;
}

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** host:port, the remote authority of vscode-remote:// URIs. */
  authority: string;
  /** The throwaway folder holding this run's state, logs and XDG folders. */
  runDir: string;
  logFile: string;
  /** Kills the server and its extension hosts; removes runDir unless keep is set. */
  stop(keep?: boolean): Promise<void>;
}

const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  // Restricted-mode runs must not block on the trust dialog; the workspace simply stays untrusted.
  'security.workspace.trust.startupPrompt': 'never',
};

export function assertInstalled(): void {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${HOST_DIR}: run bash test/vscode/setup-code-server.sh`);
  }
}

/** Environment of code-server and chromium: every XDG folder and TMPDIR inside the run folder. */
export function isolatedEnv(runDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(runDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(runDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(runDir, 'xdg-cache'),
    TMPDIR: path.join(runDir, 'tmp'),
  };
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  assertInstalled();
  const workspace = path.resolve(options.workspace);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`workspace folder not found: ${workspace}`);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-vscode-'));
  const userData = path.join(runDir, 'user-data');
  const extensions = path.join(runDir, 'extensions');
  const env = isolatedEnv(runDir);
  for (const dir of [userData + '/User', extensions, env.XDG_CONFIG_HOME!, env.XDG_DATA_HOME!, env.XDG_CACHE_HOME!, env.TMPDIR!]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2));
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];

  for (const vsix of options.vsix ?? []) {
    const installed = spawnSync(process.execPath, [CODE_SERVER_ENTRY, ...common, '--install-extension', path.resolve(vsix)], { env, encoding: 'utf8' });
    if (installed.status !== 0) {
      fs.rmSync(runDir, { recursive: true, force: true });
      throw new Error(`code-server --install-extension ${vsix} failed (${installed.status}):\n${installed.stdout}${installed.stderr}`);
    }
  }

  const port = await freeLoopbackPort();
  const authority = `127.0.0.1:${port}`;
  const logFile = path.join(runDir, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const args = [
    CODE_SERVER_ENTRY, ...common, '--auth', 'none', '--bind-addr', authority,
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(options.trustWorkspace === false ? [] : ['--disable-workspace-trust']),
    workspace,
  ];
  // detached: the server gets its own process group, so stop() can kill it together with the
  // extension hosts and other children it forks.
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.on('exit', killOnExit);

  let stopped = false;
  const stop = async (keep = false) => {
    if (!stopped) {
      stopped = true;
      process.off('exit', killOnExit);
      await terminate(child);
    }
    if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(`http://${authority}/healthz`, child, logFile);
  } catch (error) {
    await stop(true);
    throw error;
  }
  return { url: `http://${authority}`, authority, runDir, logFile, stop };
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`);
    }
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  throw new Error(`code-server did not answer ${url} within ${HEALTH_TIMEOUT_MS / 1000}s:\n${tail(logFile)}`);
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Signals the whole process group we created; its leader may already be gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (isRunning(child)) {
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  // Extension hosts that ignored SIGTERM would outlive the leader.
  killGroup(child, 'SIGKILL');
}

export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
