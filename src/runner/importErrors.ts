// The words of an import error: a name the imported module does not export, or a file or package
// a model file may not import. Positions are the caller's.
import * as gradlens from '../index';
import { nearestName } from './nearestName';

/** The names model files use most, named first when a message lists what gradlens exports. */
const MAIN_EXPORTS = ['defineModel', 'defineOp', 'F', 'nn', 'tensor'];

/** What `gradlens` exports, read from the engine module itself so the list can never go stale. */
export function gradlensExports(): string[] {
  const all = Object.keys(gradlens).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
  return [...MAIN_EXPORTS.filter((k) => all.includes(k)), ...all.filter((k) => !MAIN_EXPORTS.includes(k))];
}

export function notExportedByGradlens(name: string): string {
  if (name === 'default') {
    return "Gradlens has no default export: import { defineModel, F, tensor } from 'gradlens', or import * as gl from 'gradlens'.";
  }
  return notExported(name, 'gradlens', gradlensExports());
}

/** `'sqare' is not exported by ./helpers (did you mean square?); it exports square, cube.` */
export function notExported(name: string, module: string, exported: string[]): string {
  const what = name === 'default' ? 'There is no default export in' : `'${name}' is not exported by`;
  const near = name === 'default' ? undefined : nearestName(name, exported);
  const list = exported.length > 0 ? `it exports ${exported.join(', ')}` : 'it exports nothing';
  return `${what} ${module}${near ? ` (did you mean ${near}?)` : ''}; ${list}.`;
}

export function packageNotAllowed(specifier: string): string {
  return `Cannot import '${specifier}': a model file may import only 'gradlens' and its own relative files.`;
}

export function fileNotFound(specifier: string): string {
  return `Could not resolve '${specifier}': no such file, with or without .ts, .tsx, .js or .json, nor an index file in such a folder.`;
}
