// Where a model file's relative import points: the file itself, the file with one of the
// extensions below, or an index file in the folder, as esbuild and TypeScript resolve it.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Tried in this order after the path as written. */
export const RESOLVED_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];

/** `import './a.js'` in TypeScript names the file a.ts: the output's extension, the source's file. */
const SOURCE_OF_OUTPUT: Record<string, string[]> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
};

/** Relative (`./`, `../`) and absolute specifiers name files; anything else is a package. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..' || path.isAbsolute(specifier);
}

/** The absolute file a path specifier names, from the folder of the importing file; undefined if none. */
export function resolveImport(specifier: string, fromDir: string): string | undefined {
  const base = path.resolve(fromDir, specifier);
  const ext = path.extname(base).toLowerCase();
  const candidates = [
    base,
    ...(SOURCE_OF_OUTPUT[ext] ?? []).map((source) => base.slice(0, -ext.length) + source),
    ...RESOLVED_EXTENSIONS.map((e) => base + e),
    ...RESOLVED_EXTENSIONS.map((e) => path.join(base, `index${e}`)),
  ];
  return candidates.find(isFile);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
