// Hover on `F.<op>`: the op's derivative rule, from the same registry entry the derivative table uses.
import * as vscode from 'vscode';
import type { ParsedDocuments } from '../documents';
import { toRange } from '../ranges';
import { latexToText } from '../../shared/latexText';
import { opAliases } from '../../engine/opAliases';

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
    const def = (await loadRegistry()).get(Object.hasOwn(opAliases, call.op) ? opAliases[call.op] : call.op);
    const md = new vscode.MarkdownString();
    if (!def) {
      md.appendMarkdown(`**F.${call.op}** is not an op of Gradlens.`);
      return new vscode.Hover(md, toRange(call.nameRange));
    }
    const rule = [def.latex.forward, ...def.latex.grads, ...(def.latex.shapes ? [def.latex.shapes] : [])];
    const alias = call.op !== def.name ? ` (F.${call.op} is another name for it)` : '';
    md.appendMarkdown(`**F.${def.name}**(${def.inputs.join(', ')})${alias} — ${def.summary}\n\n`);
    // Hovers cannot typeset maths: the rule in Unicode, then its LaTeX for copying.
    md.appendCodeblock(rule.map(latexToText).join('\n'), 'text');
    md.appendMarkdown('x̄ stands for ∂L/∂x and has the shape of x.\n');
    md.appendCodeblock(rule.join('\n'), 'latex');
    md.appendMarkdown(`\n[Show in the derivative table](command:gradlens.showDerivativeTable?${encodeURIComponent(JSON.stringify([def.name]))})`);
    md.isTrusted = { enabledCommands: ['gradlens.showDerivativeTable'] };
    return new vscode.Hover(md, toRange(call.nameRange));
  }
}
