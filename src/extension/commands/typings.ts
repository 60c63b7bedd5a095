// "Set Up Typings": makes `import … from 'gradlens'` resolve in the user's workspace, so model files
// type-check without red squiggles. It installs the public module's declarations (and its runtime
// bundle, so `npx tsx model.ts` works too) as node_modules/gradlens in the chosen workspace folder:
// TypeScript's ordinary module resolution then finds it, with no tsconfig edits.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';

export async function setUpTypings(ctx: Ctx, folder?: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined> {
  const target = folder ?? (await pickFolder());
  if (!target) {
    void vscode.window.showWarningMessage('Gradlens: open a folder first; typings are installed into a workspace folder.');
    return undefined;
  }
  const dest = vscode.Uri.joinPath(target.uri, 'node_modules', 'gradlens');
  const src = vscode.Uri.joinPath(ctx.extensionUri, 'dist');
  const fs = vscode.workspace.fs;
  await fs.createDirectory(dest);
  await fs.copy(vscode.Uri.joinPath(src, 'types'), vscode.Uri.joinPath(dest, 'types'), { overwrite: true });
  await fs.copy(vscode.Uri.joinPath(src, 'gradlens.js'), vscode.Uri.joinPath(dest, 'index.js'), { overwrite: true });
  const manifest = {
    name: 'gradlens',
    version: ctx.extension.extension.packageJSON.version,
    description: 'Typings and runtime of the Gradlens engine, installed by the Gradlens VS Code extension.',
    main: 'index.js',
    types: 'types/index.d.ts',
  };
  await fs.writeFile(vscode.Uri.joinPath(dest, 'package.json'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  ctx.output.info(`typings installed in ${dest.fsPath}`);
  // The TypeScript server caches failed resolutions; a restart makes the squiggles go at once.
  await vscode.commands.executeCommand('typescript.restartTsServer').then(undefined, () => undefined);
  void vscode.window.showInformationMessage(`Gradlens: typings installed in ${vscode.workspace.asRelativePath(dest)}. Imports from 'gradlens' now resolve.`);
  return dest;
}

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Install Gradlens typings into which folder?' });
}
