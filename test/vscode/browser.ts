// Opens code-server's workbench in Debian's headless chromium through playwright-core.
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { isolatedEnv, type CodeServer } from './host';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Without these, headless chromium tries the GPU, QUIC and Google's update and sync services,
// none of which exist here (never run `npx playwright install`: it downloads a browser and fails).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface WorkbenchTarget {
  /** Opened as the workspace folder. */
  folder: string;
  /** Loaded as an extension under development (omit when the extension was installed from a .vsix). */
  extensionDevelopmentPath?: string;
  /** A module exporting run(): VS Code runs it in the extension host and exits with its result. */
  extensionTestsPath?: string;
}

export async function launchChromium(server: CodeServer): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    // chromium writes its crash-report folder under XDG_CONFIG_HOME whatever --user-data-dir says.
    env: isolatedEnv(server.runDir) as Record<string, string>,
  });
}

/**
 * code-server's command line rejects --extensionDevelopmentPath and --extensionTestsPath; the web
 * workbench takes the same options as a JSON `payload` query parameter, with paths as
 * vscode-remote:// URIs on the server's own authority.
 */
export function workbenchUrl(server: CodeServer, target: WorkbenchTarget): string {
  const remote = (file: string) => `vscode-remote://${server.authority}${path.resolve(file)}`;
  const payload: [string, string][] = [['skipWelcome', 'true']];
  if (target.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(target.extensionDevelopmentPath)]);
  if (target.extensionTestsPath) payload.push(['extensionTestsPath', remote(target.extensionTestsPath)]);
  const query = new URLSearchParams({ folder: path.resolve(target.folder), payload: JSON.stringify(payload) });
  return `${server.url}/?${query}`;
}

/**
 * VS Code 1.100 ignores the URL payload in a built product unless
 * developmentOptions.enableSmokeTestDriver is set; the server's --enable-smoke-test-driver flag
 * would set it, but code-server does not accept that flag. So the page sets it in the workbench's
 * configuration element before the workbench reads it. (Rewriting the HTML with page.route instead
 * makes chromium block the loopback WebSockets: ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS.)
 * The smoke-test driver is also what hands mocha's output and the exit code to the page, through
 * window.codeAutomationLog and window.codeAutomationExit.
 */
const ENABLE_SMOKE_TEST_DRIVER = `(() => {
  if (window.top !== window) return; // webview iframes load this script too
  const observer = new MutationObserver(() => {
    const element = document.getElementById('vscode-workbench-web-configuration');
    const raw = element && element.getAttribute('data-settings');
    if (!raw) return;
    observer.disconnect();
    const config = JSON.parse(raw);
    config.developmentOptions = Object.assign({}, config.developmentOptions, { enableSmokeTestDriver: true });
    element.setAttribute('data-settings', JSON.stringify(config));
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

export async function enableSmokeTestDriver(page: Page): Promise<void> {
  await page.addInitScript({ content: ENABLE_SMOKE_TEST_DRIVER });
}
