// Which local names refer to the gradlens module's exports. Recognition goes through imports, so
// a file that defines its own `defineModel` or `F` without importing ours yields nothing, and
// aliases (`defineModel as dm`, `F as ops`, `import * as gl`) are followed.
import ts from 'typescript';

// `typescript` exposes its API through getters: every `ts.x` is a function call, which made the
// walk several times slower (bench/parse.ts). Bind what runs per node once, here.
const {
  isExternalModuleReference, isIdentifier, isNamedImports, isNamespaceImport,
  isPropertyAccessExpression, isStringLiteral,
} = ts;

/** Named exports of `gradlens` that are classes but not `nn` layers, so `extends` them is not a layer. */
const NOT_LAYERS = new Set(['Tensor', 'GradlensError']);

export interface GradlensBindings {
  imported: boolean;
  defineModel: Set<string>;
  defineOp: Set<string>;
  F: Set<string>;
  nn: Set<string>;
  /** `import * as gl`, `import gl from`, `import gl = require(...)`: `gl.defineModel`, `gl.F.x`, `gl.nn.X`. */
  namespaces: Set<string>;
  /** Classes imported by name (`import { Module } from 'gradlens'`) that a layer may extend. */
  layerBases: Set<string>;
}

export function emptyBindings(): GradlensBindings {
  return {
    imported: false,
    defineModel: new Set(),
    defineOp: new Set(),
    F: new Set(),
    nn: new Set(),
    namespaces: new Set(),
    layerBases: new Set(),
  };
}

export function isGradlensModule(specifier: string, moduleNames: readonly string[]): boolean {
  return moduleNames.some((m) => specifier === m || specifier.startsWith(m + '/'));
}

/** `gradlens/nn` exports layers directly, so its namespace is an `nn` and its classes are layers. */
function isNnSubmodule(specifier: string): boolean {
  return specifier.endsWith('/nn');
}

function addNamedImport(b: GradlensBindings, imported: string, local: string, fromNn: boolean): void {
  if (imported === 'defineModel') b.defineModel.add(local);
  else if (imported === 'defineOp') b.defineOp.add(local);
  else if (imported === 'F') b.F.add(local);
  else if (imported === 'nn') b.nn.add(local);
  else if (/^[A-Z]/.test(imported) && (fromNn || !NOT_LAYERS.has(imported))) b.layerBases.add(local);
}

/** Adds what one import statement brings in; returns false when it is not about our module. */
export function addImport(b: GradlensBindings, node: ts.ImportDeclaration, moduleNames: readonly string[]): boolean {
  if (!isStringLiteral(node.moduleSpecifier)) return false;
  const specifier = node.moduleSpecifier.text;
  if (!isGradlensModule(specifier, moduleNames)) return false;
  b.imported = true;
  const clause = node.importClause;
  if (!clause || clause.isTypeOnly) return true; // a side-effect or type-only import binds no values
  const fromNn = isNnSubmodule(specifier);
  if (clause.name) (fromNn ? b.nn : b.namespaces).add(clause.name.text);
  const named = clause.namedBindings;
  if (named && isNamespaceImport(named)) (fromNn ? b.nn : b.namespaces).add(named.name.text);
  if (named && isNamedImports(named)) {
    for (const el of named.elements) {
      if (el.isTypeOnly) continue;
      addNamedImport(b, (el.propertyName ?? el.name).text, el.name.text, fromNn);
    }
  }
  return true;
}

/** `import gl = require('gradlens')`. */
export function addImportEquals(b: GradlensBindings, node: ts.ImportEqualsDeclaration, moduleNames: readonly string[]): boolean {
  const ref = node.moduleReference;
  if (!isExternalModuleReference(ref) || !isStringLiteral(ref.expression)) return false;
  if (!isGradlensModule(ref.expression.text, moduleNames)) return false;
  b.imported = true;
  if (!node.isTypeOnly) (isNnSubmodule(ref.expression.text) ? b.nn : b.namespaces).add(node.name.text);
  return true;
}

function isNamespaceMember(b: GradlensBindings, expr: ts.Expression, member: string): boolean {
  return isPropertyAccessExpression(expr) && expr.name.text === member
    && isIdentifier(expr.expression) && b.namespaces.has(expr.expression.text);
}

/** `defineModel`, `dm` (aliased) or `gl.defineModel`. */
export function refersTo(b: GradlensBindings, expr: ts.Expression, name: 'defineModel' | 'defineOp'): boolean {
  if (isIdentifier(expr)) return b[name].has(expr.text);
  return isNamespaceMember(b, expr, name);
}

/** `F`, a renamed F, or `gl.F`. */
export function isF(b: GradlensBindings, expr: ts.Expression): boolean {
  if (isIdentifier(expr)) return b.F.has(expr.text);
  return isNamespaceMember(b, expr, 'F');
}

/** A base class expression that is an nn layer: `nn.Module`, `gl.nn.Linear`, or an imported `Module`. */
export function isNnBase(b: GradlensBindings, expr: ts.Expression): boolean {
  if (isIdentifier(expr)) return b.layerBases.has(expr.text);
  if (!isPropertyAccessExpression(expr)) return false;
  const owner = expr.expression;
  if (isIdentifier(owner)) return b.nn.has(owner.text);
  return isNamespaceMember(b, owner, 'nn');
}
