// Which files a webview's "reveal" may open. The webview is untrusted (a compromised or buggy page
// could send any path), so the panel opens only the document it follows, or an existing file
// inside a workspace folder. Pure (no `vscode`): unit-tested with real files.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RevealScope {
  /** fileName of the document the panel follows (may be unsaved or untitled). */
  followed?: string;
  /** fsPaths of the workspace folders (file scheme only). */
  folders: readonly string[];
  /** Whether a path is an existing regular file; the real file system by default. */
  isFile?: (p: string) => boolean;
}

const realIsFile = (p: string): boolean => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** True when `folder` contains `file` (both absolute); `..` segments are resolved first. */
export function isInside(file: string, folder: string): boolean {
  const rel = path.relative(path.resolve(folder), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Why a reveal is refused, or undefined when it may go ahead. */
export function revealRefusal(file: string, scope: RevealScope): string | undefined {
  if (scope.followed !== undefined && file === scope.followed) return undefined;
  // Relative paths would resolve against the extension host's cwd: never meaningful here.
  if (!path.isAbsolute(file)) return 'not an absolute path';
  if (!scope.folders.some((f) => isInside(file, f))) return 'outside the workspace folders';
  if (!(scope.isFile ?? realIsFile)(file)) return 'no such file';
  return undefined;
}

export const mayReveal = (file: string, scope: RevealScope): boolean => revealRefusal(file, scope) === undefined;
