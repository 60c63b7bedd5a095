// Hover on `F.<op>`: the op's derivative rule, from the same registry entry the derivative table uses.
import * as vscode from 'vscode';
import type { ParsedDocuments } from '../documents';
import { toRange } from '../ranges';

type Registry = typeof import('../../engine/registry')['registry'];
let registry: Promise<Registry> | undefined;

/** The engine is only needed once somebody hovers. */
function loadRegistry(): Promise<Registry> {
  registry ??= import('../../engine/F').then(() => import('../../engine/registry')).then((m) => m.registry);
  return registry;
}

export class OpHoverProvider implements vscode.HoverProvider {
  constructor(private readonly parsed: ParsedDocuments) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const parse = await this.parsed.get(doc);
    const call = parse.opCalls.find((c) => toRange(c.nameRange).contains(pos));
    if (!call) return undefined;
    const def = (await loadRegistry()).get(call.op);
    const md = new vscode.MarkdownString();
    if (!def) {
      md.appendMarkdown(`**F.${call.op}** is not an op of Gradlens.`);
      return new vscode.Hover(md, toRange(call.nameRange));
    }
    md.appendMarkdown(`**F.${def.name}**(${def.inputs.join(', ')}) — ${def.summary}\n\n`);
    md.appendMarkdown('Derivative rule (x̄ = ∂L/∂x, the gradient has the shape of x):\n');
    md.appendCodeblock([def.latex.forward, ...def.latex.grads, ...(def.latex.shapes ? [def.latex.shapes] : [])].join('\n'), 'latex');
    md.appendMarkdown(`\n[Show in the derivative table](command:gradlens.showDerivativeTable?${encodeURIComponent(JSON.stringify([def.name]))})`);
    md.isTrusted = { enabledCommands: ['gradlens.showDerivativeTable'] };
    return new vscode.Hover(md, toRange(call.nameRange));
  }
}
