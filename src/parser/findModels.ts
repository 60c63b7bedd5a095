// (fileName, text) → every model, custom op, F call and nn layer class in a model file, with
// ranges. One parse and one walk over the tree; no type-checking, no file system, so it works on
// unsaved buffers, and on broken files thanks to the compiler's error-tolerant parser.
import ts from 'typescript';
import { addImport, addImportEquals, emptyBindings, isNnBase } from './bindings';
import { nodeRange, nodeText, rangeOf } from './positions';
import { membersByKey, readMember, readStringMember, readTensorRecord, resolveObject, unwrap } from './specs';
import { deepestNesting, isStackOverflow, tooDeepMessage } from './nesting';
import { syntaxErrorsOf } from './syntaxErrors';
import { CustomOpInfo, LayerClassInfo, ModelInfo, ParseOptions, ParseResult, SourceRange } from './types';
import { Binding, PendingCall, PendingClass, Walker } from './walker';

const DEFAULT_MODULES = ['gradlens'];

function scriptKindOf(fileName: string): ts.ScriptKind {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (lower.endsWith('.jsx')) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(lower)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS; // also for an untitled buffer with no extension
}

function exportNamesOf(binding: Binding, aliases: Map<string, string[]>): string[] {
  const names = binding.exportedAs ? [binding.exportedAs] : [];
  if (binding.name && binding.exportedAs !== 'default') {
    for (const alias of aliases.get(binding.name) ?? []) if (!names.includes(alias)) names.push(alias);
  }
  return names;
}

/** Drops keys whose value is undefined, so the result survives a JSON round trip unchanged. */
function compact<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

function toModel(w: Walker, { call, binding }: PendingCall): ModelInfo {
  const sf = w.sf;
  const arg = call.arguments[0];
  const spec = arg ? resolveObject(arg, w.consts) : undefined;
  const members = spec ? membersByKey(spec) : new Map<string, ts.ObjectLiteralElementLike>();
  const explicitName = readStringMember(members.get('name'))?.value;
  const range = nodeRange(sf, call);
  const backward = readMember(sf, members.get('backward'));
  return compact({
    name: explicitName ?? binding.name ?? `model@${range.start.line + 1}`,
    explicitName,
    bindingName: binding.name,
    exportNames: exportNamesOf(binding, w.exportAliases),
    range,
    calleeRange: nodeRange(sf, call.expression),
    specResolved: spec !== undefined,
    forward: readMember(sf, members.get('forward')),
    hasBackward: backward !== undefined,
    backward,
    params: readTensorRecord(sf, members.get('params'), w.consts),
    inputs: readTensorRecord(sf, members.get('inputs'), w.consts),
  });
}

function toOp(w: Walker, { call, binding }: PendingCall): CustomOpInfo {
  const sf = w.sf;
  const arg = call.arguments[0];
  const spec = arg ? resolveObject(arg, w.consts) : undefined;
  const members = spec ? membersByKey(spec) : new Map<string, ts.ObjectLiteralElementLike>();
  const name = readStringMember(members.get('name'));
  return compact({
    name: name?.value,
    nameRange: name ? nodeRange(sf, name.node) : undefined,
    bindingName: binding.name,
    exportNames: exportNamesOf(binding, w.exportAliases),
    range: nodeRange(sf, call),
    calleeRange: nodeRange(sf, call.expression),
    specResolved: spec !== undefined,
    forward: readMember(sf, members.get('forward')),
    backward: readMember(sf, members.get('backward')),
  });
}

/** An anonymous class is pointed at by its `class` keyword, which follows any modifiers. */
function classKeywordRange(sf: ts.SourceFile, node: ts.ClassLikeDeclaration): SourceRange {
  const from = node.modifiers?.end ?? node.getStart(sf);
  const at = sf.text.indexOf('class', from);
  return at >= 0 && at < node.end ? rangeOf(sf, at, at + 'class'.length) : nodeRange(sf, node);
}

/** Layer classes: an nn base directly, or a class of this file that is one (`class B extends Block`). */
function toLayerClasses(w: Walker): LayerClassInfo[] {
  const layerNames = new Set<string>();
  const isLayer = new Set<PendingClass>();
  for (let changed = true; changed;) {
    changed = false;
    for (const c of w.classes) {
      if (isLayer.has(c)) continue;
      const base = unwrap(c.base);
      if (isNnBase(w.b, base) || (ts.isIdentifier(base) && layerNames.has(base.text))) {
        isLayer.add(c);
        layerNames.add(c.name);
        changed = true;
      }
    }
  }
  return w.classes.filter((c) => isLayer.has(c)).map((c) => ({
    name: c.name,
    baseText: nodeText(w.sf, c.base),
    exported: c.exported || w.exportAliases.has(c.name),
    range: nodeRange(w.sf, c.node),
    nameRange: c.node.name ? nodeRange(w.sf, c.node.name) : classKeywordRange(w.sf, c.node),
  }));
}

export function findModels(fileName: string, text: string, options: ParseOptions = {}): ParseResult {
  try {
    return parseModels(fileName, text, options);
  } catch (err) {
    if (!isStackOverflow(err)) throw err;
    // Nested too deep for the compiler's recursive parser (or for our walk): no models, and why, where.
    const at = deepestNesting(text);
    const position = { offset: at.offset, line: at.line, character: at.character };
    const syntaxErrors = [{ message: tooDeepMessage(at.depth, 'the TypeScript parser'), code: 0, range: { start: position, end: position }, related: [] }];
    return { fileName, importsGradlens: false, models: [], ops: [], opCalls: [], layerClasses: [], syntaxErrors };
  }
}

function parseModels(fileName: string, text: string, options: ParseOptions): ParseResult {
  const moduleNames = options.moduleNames ?? DEFAULT_MODULES;
  const sf = ts.createSourceFile(fileName, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, scriptKindOf(fileName));
  const bindings = emptyBindings();
  // Imports first: they bind for the whole file wherever they sit among the top-level statements.
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) addImport(bindings, statement, moduleNames);
    else if (ts.isImportEqualsDeclaration(statement)) addImportEquals(bindings, statement, moduleNames);
  }
  const syntaxErrors = syntaxErrorsOf(sf);
  const result: ParseResult = { fileName, importsGradlens: bindings.imported, models: [], ops: [], opCalls: [], layerClasses: [], syntaxErrors };
  if (!bindings.imported && !hasNestedImport(sf, syntaxErrors.length > 0)) return result;

  const walker = new Walker(sf, bindings, moduleNames);
  ts.forEachChild(sf, walker.visit);
  result.importsGradlens = bindings.imported;
  result.models = walker.models.map((m) => toModel(walker, m));
  result.ops = walker.ops.map((o) => toOp(walker, o));
  result.opCalls = walker.opCalls;
  result.layerClasses = toLayerClasses(walker);
  return result;
}

/**
 * In a broken file an unclosed brace can swallow a later import into a block. Only then is the
 * walk worth doing for a file whose top level imports nothing from gradlens.
 */
function hasNestedImport(sf: ts.SourceFile, broken: boolean): boolean {
  return broken && /\bfrom\s*['"]/.test(sf.text);
}
