// "Open Examples": copies the bundled lecture examples into the workspace (so they can be edited
// and run), then opens the one the user picks.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';

export async function openExamples(ctx: Ctx): Promise<void> {
  const bundled = vscode.Uri.joinPath(ctx.extensionUri, 'examples');
  const entries = (await vscode.workspace.fs.readDirectory(bundled)).filter(([n, t]) => t === vscode.FileType.File && n.endsWith('.ts')).map(([n]) => n).sort();
  const pick = await vscode.window.showQuickPick(entries.map((label) => ({ label, description: exampleBlurb[label] ?? '' })), { placeHolder: 'Open which example?' });
  if (!pick) return;
  const folder = vscode.workspace.workspaceFolders?.[0];
  let target = vscode.Uri.joinPath(bundled, pick.label);
  if (folder) {
    const dir = vscode.Uri.joinPath(folder.uri, 'gradlens-examples');
    await vscode.workspace.fs.createDirectory(dir);
    target = vscode.Uri.joinPath(dir, pick.label);
    // Never overwrite the user's edits of an example copied earlier.
    const exists = await vscode.workspace.fs.stat(target).then(() => true, () => false);
    if (!exists) await vscode.workspace.fs.copy(vscode.Uri.joinPath(bundled, pick.label), target);
  }
  await vscode.window.showTextDocument(target);
  ctx.output.info(`opened example ${target.fsPath}`);
}

const exampleBlurb: Record<string, string> = {
  'logreg.ts': 'Logistic regression with logloss and a hand-derived gradient',
  'softmax-regression.ts': 'Multinomial regression with cross-entropy',
  'mlp.ts': 'Two-layer MLP with the lecture’s manual backward',
  'cnn.ts': 'Convolution, pooling and weight sharing',
  'mixer.ts': 'MLP-Mixer',
  'gmlp.ts': 'Gated MLP',
  'embeddings.ts': 'An embedding lookup',
  'reinforce.ts': 'A policy-gradient loss',
  'custom-op.ts': 'A custom op with a correct backward',
  'buggy-backward.ts': 'A deliberate mistake for the checker to find',
};
