// CodeLens above every defineModel and defineOp: "Check gradients", "Show graph", and after a run
// the verdict in one glance (`✓ max rel err 3e-9` or `✗ W1[3,7]: analytic 0.12 vs numeric 0.31`).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { ParsedDocuments } from '../documents';
import { toRange } from '../ranges';
import { describeBlame, fmtNum, referenceWord, verdictText } from '../../shared/verdict';

export class ModelCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly ctx: Ctx,
    private readonly parsed: ParsedDocuments,
  ) {
    ctx.own(this.changed);
    ctx.own(ctx.onDidChangeResults(() => this.changed.fire()));
    ctx.own(ctx.onDidClearResults(() => this.changed.fire()));
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const parse = await this.parsed.get(doc);
    if (token.isCancellationRequested || !parse.importsGradlens) return [];
    const results = this.ctx.resultsFor(doc.uri);
    // Results for this text, or for the text a check ran on while the user typed: the Problems panel
    // and the status bar show those too, until the next edit clears them all.
    const current = results && (results.version === doc.version || results.editedDuringRun) ? results : undefined;
    const lenses: vscode.CodeLens[] = [];
    for (const m of parse.models) {
      const range = toRange(m.calleeRange);
      lenses.push(new vscode.CodeLens(range, { title: '$(beaker) Check gradients', command: 'gradlens.checkGradients', arguments: [doc.uri, m.name], tooltip: `Compare autograd with numerical gradients for ${m.name}` }));
      lenses.push(new vscode.CodeLens(range, { title: 'Show graph', command: 'gradlens.showGraph', arguments: [doc.uri, m.name], tooltip: `Open the computation graph of ${m.name} beside the source` }));
      const report = current?.reports.find((r) => r.name === m.name);
      if (report) {
        lenses.push(new vscode.CodeLens(range, { title: verdictText(report), command: 'gradlens.showResults', arguments: [doc.uri, m.name], tooltip: 'Open the check results' }));
      }
    }
    for (const op of parse.ops) {
      const range = toRange(op.calleeRange);
      const name = op.name ?? op.bindingName ?? 'custom op';
      lenses.push(new vscode.CodeLens(range, { title: '$(beaker) Check gradients', command: 'gradlens.checkGradients', arguments: [doc.uri], tooltip: `Check ${name}'s backward at its call sites in this file's models` }));
      lenses.push(new vscode.CodeLens(range, { title: 'Show graph', command: 'gradlens.showGraph', arguments: [doc.uri], tooltip: 'Open the computation graph beside the source' }));
      const checks = (current?.reports ?? []).flatMap((r) => r.ops).filter((o) => o.name === name);
      if (checks.length) {
        // Worded like the model verdicts (shared/verdict.ts), so every surface reads the same.
        const failed = checks.find((c) => !c.passed);
        const title = failed?.worst
          ? `✗ ${describeBlame({ kind: 'op', name, index: failed.worst.index, analytic: failed.worst.analytic, numeric: failed.worst.numeric, maxAbsError: failed.maxAbsError, maxRelError: failed.maxRelError, reference: referenceWord('op', failed.method) })}`
          : `✓ max rel err ${fmtNum(Math.max(...checks.map((c) => c.maxRelError)))}`;
        lenses.push(new vscode.CodeLens(range, { title, command: 'gradlens.showResults', arguments: [doc.uri], tooltip: 'Open the check results' }));
      }
    }
    return lenses;
  }
}
