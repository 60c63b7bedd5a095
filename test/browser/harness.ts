/// <reference lib="dom" />
// (The page-side callbacks below run in Chromium, so they are typed against the DOM.)
// Loads the real webview bundle in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core) inside the panel's real HTML and CSP. The only stand-in is acquireVsCodeApi,
// which records what the webview posts. Fixtures are messages produced by the real runner.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { panelHtml } from '../../src/extension/panel/html';

export const ROOT = path.resolve(__dirname, '../..');
const ORIGIN = 'https://gradlens.test';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/**
 * One Chromium for the calling describe block: launched before its tests, closed after them. The
 * returned handle forwards to it, so a test uses it like the Browser itself.
 */
export function useBrowser(): Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  return new Proxy({} as Browser, {
    get(_target, key) {
      if (!browser) throw new Error('the browser starts in before(); use it inside a test or a later hook');
      const value = Reflect.get(browser, key);
      return typeof value === 'function' ? value.bind(browser) : value;
    },
  });
}

export function fixture(name: string): unknown[] {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/webview', name), 'utf8')) as unknown[];
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };

export interface PanelPage {
  page: Page;
  /** Messages the webview posted to the "extension", in order. */
  posted(): Promise<Array<Record<string, unknown>>>;
  send(msg: unknown): Promise<void>;
  /** Console errors and CSP violations seen so far. */
  problems: string[];
}

export async function openPanel(browser: Browser, opts: { width?: number; height?: number; state?: unknown } = {}): Promise<PanelPage> {
  if (!fs.existsSync(path.join(ROOT, 'dist/webview/main.js'))) throw new Error('dist/webview/main.js is missing: run `node esbuild.mjs` first');
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 760 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  if (process.env.GRADLENS_DEBUG) page.on('console', (m) => console.log('[page]', m.type(), m.text()));
  if (process.env.GRADLENS_DEBUG) page.on('pageerror', (e) => console.log('[page error]', e.message));
  const html = panelHtml({
    cspSource: ORIGIN,
    nonce: 'test-nonce-0123456789',
    scriptUri: `${ORIGIN}/dist/webview/main.js`,
    styleUri: `${ORIGIN}/media/gradlens.css`,
    codiconsUri: `${ORIGIN}/dist/webview/codicon.css`,
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: html });
    // Only the roots the real panel allows (localResourceRoots): dist/webview and media.
    const rel = url.pathname.slice(1);
    const file = path.join(ROOT, rel);
    if (!(rel.startsWith('dist/webview/') || rel.startsWith('media/')) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ contentType: TYPES[path.extname(file)] ?? 'application/octet-stream', body: fs.readFileSync(file) });
  });
  // tsx compiles the functions below with esbuild's keepNames helper; the page needs it defined too.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript((state) => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    w.__state = state;
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => w.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => w.__state,
      setState: (s: unknown) => (w.__state = s),
    });
  }, opts.state);
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return {
    page,
    problems,
    posted: () => page.evaluate(() => (window as unknown as { __posted: Array<Record<string, unknown>> }).__posted),
    send: (msg) => page.evaluate((m) => window.postMessage(m, '*'), msg),
  };
}

export async function sendAll(p: PanelPage, messages: unknown[]): Promise<void> {
  for (const m of messages) await p.send(m);
}

/** Waits until the graph view has drawn (a render finished and nodes exist). */
export async function graphDrawn(p: PanelPage, minNodes = 1): Promise<void> {
  await p.page.waitForFunction((n) => document.querySelector('.graph-view')?.hasAttribute('data-rendered') && document.querySelectorAll('.node').length >= n, minNodes, { timeout: 20_000 });
}

export function screenshotPath(name: string): string {
  const dir = path.join(ROOT, 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
