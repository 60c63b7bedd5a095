// The imports of one file, and which of their names the file uses as values. TypeScript drops an
// import whose names are only used as types, so only the names that survive are checked against
// what the imported module exports (and a dropped import is never resolved), as esbuild did.
import ts from 'typescript';

/** One name a file takes from an import and uses as a value, at the offset where the file names it. */
export interface UsedName {
  name: string;
  pos: number;
}

export interface ImportSite {
  specifier: string;
  /** Offset of the specifier's string literal (its opening quote). */
  pos: number;
  /** False when TypeScript drops the import: nothing of it is used as a value. */
  kept: boolean;
  /** Imported names used as values: named imports, `default`, and each `ns.name` of `import * as ns`. */
  names: UsedName[];
}

/** A local name bound by an import: a named or default import, or a namespace (`*`). */
interface Binding {
  site: ImportSite;
  imported: string;
  /** Where the imported name is written in the import (for a named import, the name before `as`). */
  namePos: number;
}

export function importSitesOf(source: ts.SourceFile, checker: ts.TypeChecker): ImportSite[] {
  const sites: ImportSite[] = [];
  const bindings = new Map<ts.Symbol, Binding>();
  const site = (literal: ts.StringLiteralLike, kept: boolean): ImportSite => {
    const s = { specifier: literal.text, pos: literal.getStart(source), kept, names: [] };
    sites.push(s);
    return s;
  };
  const bind = (local: ts.Identifier, s: ImportSite, imported: string, nameNode: ts.Node): void => {
    const symbol = checker.getSymbolAtLocation(local);
    if (symbol) bindings.set(symbol, { site: s, imported, namePos: nameNode.getStart(source) });
  };

  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      // `import './x'` runs the file for its effects: always kept.
      const s = site(statement.moduleSpecifier, clause === undefined);
      if (clause?.name) bind(clause.name, s, 'default', clause.name);
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) bind(named.name, s, '*', named.name);
      if (named && ts.isNamedImports(named)) {
        for (const el of named.elements) if (!el.isTypeOnly) bind(el.name, s, (el.propertyName ?? el.name).text, el.propertyName ?? el.name);
      }
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      // A re-export is kept; its names are not checked (a type re-exported without `type` is legal).
      if (!statement.isTypeOnly) site(statement.moduleSpecifier, true);
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference)) {
      const expr = statement.moduleReference.expression;
      if (!statement.isTypeOnly && ts.isStringLiteral(expr)) bind(statement.name, site(expr, false), '*', statement.name);
    }
  }

  const visit = (node: ts.Node): void => {
    if (isTypeOnlyNode(node)) return;
    if (ts.isExpressionWithTypeArguments(node)) return visit(node.expression);
    if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isRequire || node.expression.kind === ts.SyntaxKind.ImportKeyword) && node.arguments.length === 1 && ts.isStringLiteralLike(arg)) site(arg, true);
    }
    if (ts.isIdentifier(node)) {
      const binding = bindings.get(referencedSymbol(node, checker) as ts.Symbol);
      if (binding) use(binding, node);
      return;
    }
    ts.forEachChild(node, visit);
  };
  const use = (b: Binding, id: ts.Identifier): void => {
    b.site.kept = true;
    if (b.imported !== '*') {
      b.site.names.push({ name: b.imported, pos: b.namePos });
      return;
    }
    // `ns.name`: the name is checked where it is written.
    const parent = id.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === id && ts.isIdentifier(parent.name)) {
      b.site.names.push({ name: parent.name.text, pos: parent.name.getStart(source) });
    }
  };
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isImportEqualsDeclaration(statement)) visit(statement);
  }
  for (const s of sites) s.names = firstOfEachName(s.names);
  return sites;
}

/** Types, interfaces, `declare` statements and `implements` clauses: TypeScript erases them. */
function isTypeOnlyNode(node: ts.Node): boolean {
  if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return true;
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true;
  if (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword) return true;
  if (ts.isExportSpecifier(node) && (node.isTypeOnly || node.parent.parent.isTypeOnly)) return true;
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

/** The symbol an identifier refers to, where a shorthand property or an export specifier names a local. */
function referencedSymbol(id: ts.Identifier, checker: ts.TypeChecker): ts.Symbol | undefined {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent) && parent.name === id) return checker.getShorthandAssignmentValueSymbol(parent);
  if (ts.isExportSpecifier(parent) && !parent.parent.parent.moduleSpecifier) {
    return (parent.propertyName ?? parent.name) === id ? checker.getExportSpecifierLocalTargetSymbol(parent) : undefined;
  }
  return checker.getSymbolAtLocation(id);
}

function firstOfEachName(names: UsedName[]): UsedName[] {
  const seen = new Set<string>();
  return names.sort((a, b) => a.pos - b.pos).filter((n) => !seen.has(n.name) && seen.add(n.name));
}
