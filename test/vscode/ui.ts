// Drives a real VS Code workbench the way a user does, for end-to-end tests: quick open, the
// command palette, CodeLens, webviews, the Problems panel and screenshots.
//
//   const workbench = await Workbench.open({ workspace: 'examples', extension: '.' });
//   try {
//     await workbench.openFile('mlp.ts');
//     await workbench.clickCodeLens('Check gradients');
//     ...
//   } finally {
//     await workbench.close();
//   }
//
// Run it with `node --import tsx <script.ts>` (or from mocha, which loads tsx) after
// test/vscode/setup-code-server.sh. Selectors are those of VS Code 1.100.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { enableSmokeTestDriver, launchChromium, workbenchUrl } from './browser';
import { REPO_ROOT, startCodeServer, type CodeServer } from './host';

export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results');

export interface WorkbenchOptions {
  /** The folder to open. */
  workspace: string;
  /** An extension folder to load under development (leave out when it comes from a .vsix). */
  extension?: string;
  /** .vsix files to install before the server starts. */
  vsix?: string[];
  /** false opens the workspace in restricted mode. */
  trustWorkspace?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
}

export interface Problem {
  severity: 'error' | 'warning' | 'info';
  /** The message, with the source and code VS Code appends when the diagnostic has them. */
  message: string;
  /** 1-based, as the Problems panel shows them. */
  line: number;
  column: number;
  /** The diagnostic's source (`gradlens`, `ts`), when it has one. */
  source?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class Workbench {
  private constructor(
    readonly server: CodeServer,
    readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(options: WorkbenchOptions): Promise<Workbench> {
    const server = await startCodeServer(options);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium(server);
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      page.setDefaultTimeout(DEFAULT_TIMEOUT_MS);
      await enableSmokeTestDriver(page);
      await page.goto(workbenchUrl(server, { folder: options.workspace, extensionDevelopmentPath: options.extension }));
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
      return new Workbench(server, browser, page);
    } catch (error) {
      await browser?.close();
      await server.stop(true);
      throw new Error(`the workbench did not open (server log: ${server.logFile}): ${error instanceof Error ? error.message : error}`);
    }
  }

  /** Opens a workspace file with Ctrl+P, as a user would, and waits until its editor shows. */
  async openFile(name: string): Promise<void> {
    await this.openQuickInput('Control+P');
    await this.page.keyboard.type(name);
    await this.quickInputRow(path.basename(name)).waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: path.basename(name) }).waitFor();
    await this.activeEditor().locator('.view-lines').waitFor();
  }

  /** Runs a command from the palette (F1) by its title as shown, e.g. 'Gradlens: Check Gradients'. */
  async runCommand(title: string): Promise<void> {
    await this.openQuickInput('F1');
    await this.page.keyboard.type(title);
    // The palette lists close matches too; pick the row whose label is exactly the title.
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    });
    await row.first().waitFor();
    await row.first().click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** Moves the cursor of the active editor to the end of a 1-based line, then types (see focusEditor). */
  async typeAtEndOfLine(line: number, text: string): Promise<void> {
    await this.activeEditor().locator('.view-lines').click();
    await this.openQuickInput('Control+G');
    await this.page.keyboard.type(String(line));
    await this.page.keyboard.press('Enter');
    await this.page.keyboard.press('End');
    await this.page.keyboard.type(text);
  }

  /** The text of the active editor's rendered lines (only lines on screen are rendered). */
  async activeEditorText(): Promise<string> {
    const text = await this.activeEditor().locator('.view-lines').innerText();
    return text.replace(/\u00a0/g, ' '); // the editor renders spaces as no-break spaces
  }

  /** The CodeLens in the active editor whose text contains `text`, once it is shown. */
  async waitForCodeLens(text: string | RegExp, timeout = DEFAULT_TIMEOUT_MS): Promise<Locator> {
    const lens = this.activeEditor().locator('.codelens-decoration a', { hasText: text }).first();
    await lens.waitFor({ timeout });
    return lens;
  }

  async clickCodeLens(text: string | RegExp): Promise<void> {
    await (await this.waitForCodeLens(text)).click();
  }

  /** Texts of every CodeLens in the active editor, top to bottom. */
  async codeLensTexts(): Promise<string[]> {
    return this.activeEditor().locator('.codelens-decoration a').allInnerTexts();
  }

  /**
   * The document inside a webview. VS Code nests it twice: an outer iframe (class webview, with
   * `ready` once loaded) hosts VS Code's own page, which loads the extension's HTML into
   * iframe#active-frame. The last webview opened is the default.
   */
  webview(index = -1): FrameLocator {
    const outer = this.page.frameLocator('iframe.webview.ready');
    return (index < 0 ? outer.last() : outer.nth(index)).frameLocator('iframe#active-frame');
  }

  /** Text of the first element matching `selector` in a webview, once it exists. */
  async webviewText(selector: string, index = -1): Promise<string> {
    const element = this.webview(index).locator(selector).first();
    await element.waitFor();
    return element.innerText();
  }

  /** Opens the Problems panel and reads its problems (the file rows above them are skipped). */
  async problems(): Promise<Problem[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const panel = this.page.locator('.markers-panel');
    await panel.waitFor();
    const rows = panel.locator('.monaco-list-row').filter({ has: this.page.locator('.marker-message') });
    // A row's aria-label holds all its fields in one sentence: "Error: <message> at line 2 and character 3."
    const labels = await rows.evaluateAll(elements => elements.map(element => element.getAttribute('aria-label') ?? ''));
    return labels.map(parseProblemLabel);
  }

  /** Makes the editor of an open file the active one by clicking its tab (e.g. after a webview opened beside it). */
  async focusEditor(name: string): Promise<void> {
    await this.page.locator('.tabs-container .tab', { hasText: path.basename(name) }).first().click();
    await this.page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: path.basename(name) }).waitFor();
  }

  /** Texts of the notification toasts on screen. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-list-item-message').allInnerTexts();
  }

  /** A status bar entry by its text (codicons render as empty glyphs, so match the words). */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();
  }

  /** Saves a full-window screenshot as test-results/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(SCREENSHOT_DIR, name.endsWith('.png') ? name : `${name}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes the browser and stops the server; always call it, in a finally. */
  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      await this.server.stop();
    }
  }

  private activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  private quickInputRow(text: string): Locator {
    return this.page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  }

  /** Presses a key that opens the quick input; retried because keys sent while the workbench is
   * still starting are dropped. */
  private async openQuickInput(key: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    for (let attempt = 0; attempt < 10; attempt++) {
      await this.page.keyboard.press(key);
      if (await widget.waitFor({ state: 'visible', timeout: 1000 }).then(() => true, () => false)) return;
    }
    throw new Error(`${key} did not open the quick input`);
  }
}

function parseProblemLabel(label: string): Problem {
  // "Error: <message> at line 2 and character 3." — VS Code appends " generated by <source>" when the diagnostic has one.
  // and "This problem has references to N locations." when it has related information.
  const match = /^(Error|Warning|Info): ([\s\S]*) at line (\d+) and character (\d+)\.?(?: This problem has references to \d+ locations?\.)?(?: generated by (.+))?$/.exec(label);
  if (!match) throw new Error(`unexpected Problems row: ${JSON.stringify(label)}`);
  const severity = match[1] === 'Error' ? 'error' : match[1] === 'Warning' ? 'warning' : 'info';
  return { severity, message: match[2]!, line: Number(match[3]), column: Number(match[4]), ...(match[5] ? { source: match[5] } : {}) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
