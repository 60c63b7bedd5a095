// One status bar item: the last result of the active document, or a spinner while a check runs.
// Clicking it opens the results.
import * as vscode from 'vscode';
import type { Ctx, DocumentResults } from './ctx';
import { summarize } from './summary';

export class StatusBar {
  private readonly item: vscode.StatusBarItem;
  private running = 0;

  constructor(private readonly ctx: Ctx) {
    this.item = ctx.own(vscode.window.createStatusBarItem('gradlens.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Gradlens';
    this.item.command = 'gradlens.showResults';
    ctx.own(ctx.onDidChangeResults(() => this.refresh()));
    ctx.own(ctx.onDidClearResults(() => this.refresh()));
    ctx.own(vscode.window.onDidChangeActiveTextEditor(() => this.refresh()));
  }

  /** Shows the spinner until the returned function is called. */
  startRun(label: string): () => void {
    this.running++;
    this.item.text = `$(sync~spin) Gradlens: checking ${label}…`;
    this.item.tooltip = 'Gradlens is checking gradients. Run "Gradlens: Cancel Check" to stop it.';
    this.item.backgroundColor = undefined;
    this.item.show();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.running--;
      this.refresh();
    };
  }

  refresh(): void {
    if (this.running > 0) return;
    const doc = vscode.window.activeTextEditor?.document;
    const r: DocumentResults | undefined = doc && this.ctx.resultsFor(doc.uri);
    if (!r) {
      this.item.hide();
      return;
    }
    const s = summarize(r);
    this.item.text = `${s.passed ? '$(pass)' : '$(error)'} Gradlens: ${s.short}`;
    this.item.tooltip = new vscode.MarkdownString(s.lines.map((l) => `- ${l}`).join('\n'));
    this.item.backgroundColor = s.passed ? undefined : new vscode.ThemeColor('statusBarItem.errorBackground');
    this.item.show();
  }
}
