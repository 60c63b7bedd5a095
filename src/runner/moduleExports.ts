// The values a relative model file exports, read off its syntax, so that importing a name it does
// not have is an error at the import rather than `undefined` at run time.
import ts from 'typescript';

export interface ModuleExports {
  names: Set<string>;
  /** Specifiers of `export * from '…'`: their names are exported too (but `default`). */
  starFrom: string[];
}

/**
 * The exported values of an ES module written in TypeScript; undefined when they cannot be known
 * from the syntax: a JavaScript file (it may assign `module.exports`), a script, `export =`.
 */
export function moduleExportsOf(source: ts.SourceFile): ModuleExports | undefined {
  const isTypeScript = /\.[mc]?tsx?$/i.test(source.fileName);
  if (!isTypeScript || !ts.isExternalModule(source)) return undefined;
  const names = new Set<string>();
  const starFrom: string[] = [];
  for (const s of source.statements) {
    if (ts.isExportAssignment(s)) {
      if (s.isExportEquals) return undefined;
      names.add('default');
    } else if (ts.isExportDeclaration(s)) {
      if (s.isTypeOnly) continue;
      const from = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
      if (!s.exportClause) {
        if (from !== undefined) starFrom.push(from);
      } else if (ts.isNamespaceExport(s.exportClause)) {
        names.add(s.exportClause.name.text);
      } else {
        for (const el of s.exportClause.elements) if (!el.isTypeOnly) names.add(el.name.text);
      }
    } else if (hasModifier(s, ts.SyntaxKind.ExportKeyword) && !hasModifier(s, ts.SyntaxKind.DeclareKeyword)) {
      if (hasModifier(s, ts.SyntaxKind.DefaultKeyword)) names.add('default');
      else for (const name of declaredNames(s)) names.add(name);
    }
  }
  return { names, starFrom };
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** The value names an exported statement declares (interfaces and type aliases declare none). */
function declaredNames(s: ts.Statement): string[] {
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.flatMap((d) => bindingNames(d.name));
  if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) return s.name ? [s.name.text] : [];
  if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name)) return [s.name.text];
  if (ts.isImportEqualsDeclaration(s)) return [s.name.text];
  return [];
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((el) => (ts.isOmittedExpression(el) ? [] : bindingNames(el.name)));
}
