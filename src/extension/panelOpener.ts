// Connects the commands to the webview panel.
import * as vscode from 'vscode';
import type { PanelOpener } from './commands';
import type { Ctx } from './ctx';
import type { ParsedDocuments } from './documents';

export function createPanelOpener(ctx: Ctx, _parsed: ParsedDocuments): PanelOpener {
  return {
    async open(view) {
      ctx.output.warn(`panel view ${view} requested before the panel was wired`);
      void vscode.window.showInformationMessage('Gradlens: the panel is not available in this build.');
    },
  };
}
