// A model file and the relative files it imports, each transpiled once, in the order they are
// first imported. The first error stops the walk: a file's syntax errors first, then its imports
// in the order they are written, each at its place in that file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunError } from '../shared/workerProtocol';
import { fileNotFound, gradlensExports, notExported, notExportedByGradlens, packageNotAllowed } from './importErrors';
import type { ImportSite } from './importSites';
import type { LinkedModule } from './linkModules';
import { type ModuleExports, moduleExportsOf } from './moduleExports';
import { isPathSpecifier, resolveImport } from './resolveImport';
import { emptyMap, type TranspiledFile, transpileFile } from './transpile';

interface Loaded {
  module: LinkedModule;
  /** Undefined for JSON, whose exports are whatever the data holds. */
  transpiled?: TranspiledFile;
}

export function collectModules(entry: string, entryText: string): { ok: true; modules: LinkedModule[] } | { ok: false; error: RunError } {
  const loaded: Loaded[] = [];
  const indexOf = new Map<string, number>();
  const load = (file: string, text: string): number => {
    indexOf.set(file, loaded.length);
    loaded.push(file.toLowerCase().endsWith('.json') ? jsonModule(file, text) : transpiledModule(file, text));
    return loaded.length - 1;
  };
  load(entry, entryText);
  // Files are appended as they are found, so this walks every file once.
  for (let i = 0; i < loaded.length; i++) {
    const { module, transpiled } = loaded[i];
    if (!transpiled) continue;
    const [syntax] = transpiled.syntaxErrors;
    if (syntax) return { ok: false, error: at(transpiled, syntax.pos, 'syntax', syntaxMessage(syntax.message)) };
    for (const site of [...transpiled.imports].sort((a, b) => a.pos - b.pos)) {
      if (!site.kept || site.specifier === 'gradlens') continue;
      if (!isPathSpecifier(site.specifier)) return { ok: false, error: at(transpiled, site.pos, 'import', packageNotAllowed(site.specifier)) };
      const target = resolveImport(site.specifier, path.dirname(module.file));
      if (!target) return { ok: false, error: at(transpiled, site.pos, 'import', fileNotFound(site.specifier)) };
      let index = indexOf.get(target);
      if (index === undefined) {
        let text: string;
        try {
          text = fs.readFileSync(target, 'utf8');
        } catch (err) {
          return { ok: false, error: at(transpiled, site.pos, 'import', `Cannot read '${site.specifier}': ${(err as Error).message}.`) };
        }
        index = load(target, text);
      }
      module.links[site.specifier] = index;
    }
  }
  // Names are checked once every file is read: `export * from` may point anywhere in the graph.
  for (const { module, transpiled } of loaded) {
    if (!transpiled) continue;
    for (const site of transpiled.imports) {
      const missing = missingName(site, module, loaded);
      if (missing) return { ok: false, error: at(transpiled, missing.pos, 'import', missing.message) };
    }
  }
  return { ok: true, modules: loaded.map((l) => l.module) };
}

function transpiledModule(file: string, text: string): Loaded {
  const transpiled = transpileFile(file, text);
  return { module: { file, js: transpiled.js, map: transpiled.map, links: {} }, transpiled };
}

function jsonModule(file: string, text: string): Loaded {
  return { module: { file, js: `module.exports = ${text.trim() || 'null'};\n`, map: emptyMap(file), links: {} } };
}

/** The first name of an import that its module does not export, with the message to say so. */
function missingName(site: ImportSite, importer: LinkedModule, loaded: Loaded[]): { pos: number; message: string } | undefined {
  if (!site.kept) return undefined;
  if (site.specifier === 'gradlens') {
    const exported = new Set(gradlensExports());
    const name = site.names.find((n) => !exported.has(n.name));
    return name && { pos: name.pos, message: notExportedByGradlens(name.name) };
  }
  const target = importer.links[site.specifier];
  const exported = target === undefined ? undefined : exportsOf(target, loaded, new Set());
  if (!exported) return undefined;
  const name = site.names.find((n) => !exported.has(n.name));
  const listed = [...exported].filter((n) => n !== 'default');
  return name && { pos: name.pos, message: notExported(name.name, site.specifier, listed) };
}

/** Every value a loaded file exports, following `export * from`; undefined if any of it is unknown. */
function exportsOf(index: number, loaded: Loaded[], seen: Set<number>): Set<string> | undefined {
  const { module, transpiled } = loaded[index];
  const own: ModuleExports | undefined = transpiled && moduleExportsOf(transpiled.source);
  if (!own) return undefined;
  seen.add(index);
  const names = new Set(own.names);
  for (const from of own.starFrom) {
    if (from === 'gradlens') {
      gradlensExports().forEach((n) => names.add(n));
      continue;
    }
    const target = module.links[from];
    if (target === undefined) return undefined;
    if (seen.has(target)) continue;
    const more = exportsOf(target, loaded, seen);
    if (!more) return undefined;
    more.forEach((n) => n !== 'default' && names.add(n));
  }
  return names;
}

/** TypeScript's words (`')' expected.`), as one sentence after "Syntax error:". */
function syntaxMessage(text: string): string {
  const t = text.trim();
  return `Syntax error: ${/[.!?]$/.test(t) ? t : `${t}.`}`;
}

function at(t: TranspiledFile, pos: number, kind: 'syntax' | 'import', message: string): RunError {
  const { line, character } = t.source.getLineAndCharacterOfPosition(pos);
  return { kind, message, file: t.file, line: line + 1, column: character + 1 };
}
