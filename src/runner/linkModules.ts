// Joins transpiled files into the one CommonJS script the worker evaluates (execute.ts), and their
// source maps into one index map with a section per file. Each file becomes a function; a small
// loader in front runs the first and hands each file's `require` its own relative imports, as
// resolved at bundle time. Anything else goes to the worker's `require`, which supplies gradlens.
import * as path from 'node:path';
import type { RawSourceMap } from './transpile';

export interface LinkedModule {
  file: string;
  /** CommonJS code of the file. */
  js: string;
  map: RawSourceMap;
  /** Each relative specifier the file imports, to the index of the module it resolved to. */
  links: Record<string, number>;
}

const NAME = '__gradlens_modules';

/**
 * The loader comes first and the files after it as hoisted function declarations, so no line of
 * the loader follows a section: a frame there maps to nothing rather than into the file above.
 */
function loader(modules: LinkedModule[]): string[] {
  const table = {
    files: modules.map((m) => m.file),
    links: modules.map((m) => m.links),
  };
  return [
    `var ${NAME} = ${JSON.stringify(table)};`,
    `${NAME}.run = [${modules.map((_, i) => `${NAME}_${i}`).join(', ')}];`,
    `${NAME}.cache = [];`,
    `${NAME}.load = function (i) {`,
    `  var m = ${NAME}.cache[i];`,
    '  if (m) return m.exports;',
    `  m = ${NAME}.cache[i] = { exports: {} };`,
    `  var links = ${NAME}.links[i], file = ${NAME}.files[i];`,
    `  var own = function (id) { return Object.prototype.hasOwnProperty.call(links, id) ? ${NAME}.load(links[id]) : require(id); };`,
    `  ${NAME}.run[i].call(m.exports, m.exports, own, m, file, ${NAME}.dirname(file));`,
    '  return m.exports;',
    '};',
    `${NAME}.dirname = function (file) { return file.slice(0, Math.max(1, file.lastIndexOf(${JSON.stringify(path.sep)}))); };`,
    `${NAME}.load(0);`,
  ];
}

export function linkModules(modules: LinkedModule[]): { code: string; sourceMap: string } {
  const lines = loader(modules);
  const sections: { offset: { line: number; column: number }; map: RawSourceMap }[] = [];
  modules.forEach((m, i) => {
    lines.push(`function ${NAME}_${i}(exports, require, module, __filename, __dirname) {`);
    sections.push({ offset: { line: lines.length, column: 0 }, map: m.map });
    lines.push(...m.js.replace(/\n$/, '').split('\n'));
    lines.push('}');
  });
  return { code: `${lines.join('\n')}\n`, sourceMap: JSON.stringify({ version: 3, sections }) };
}
