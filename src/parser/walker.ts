// The single walk over a model file's tree: it collects the defineModel/defineOp calls, the F
// calls, the classes with a base, the object-literal consts and the export aliases, and leaves
// turning them into plain data to findModels.ts.
import ts from 'typescript';
import { GradlensBindings, addImport, isF, refersTo } from './bindings';
import { nodeRange, rangeOf } from './positions';
import { ObjectConsts, keyName, unwrap } from './specs';
import { OpCallInfo } from './types';

// `typescript` exposes its API through getters: every `ts.x` is a function call, which made the
// walk several times slower (bench/parse.ts). Bind what runs per node once, here.
const {
  SyntaxKind, canHaveModifiers, forEachChild, getModifiers, isAsExpression, isBinaryExpression,
  isElementAccessExpression, isExportAssignment, isExportDeclaration, isIdentifier, isNamedExports,
  isNonNullExpression, isObjectLiteralExpression, isParenthesizedExpression, isPropertyAccessExpression,
  isPropertyAssignment, isSatisfiesExpression, isStringLiteralLike, isTypeAssertionExpression, isTypeNode,
  isVariableDeclaration, isVariableStatement,
} = ts;

function hasExportModifier(node: ts.Node): boolean {
  return canHaveModifiers(node) && (getModifiers(node) ?? []).some((m) => m.kind === SyntaxKind.ExportKeyword);
}

function hasDefaultModifier(node: ts.Node): boolean {
  return canHaveModifiers(node) && (getModifiers(node) ?? []).some((m) => m.kind === SyntaxKind.DefaultKeyword);
}

export interface Binding {
  name?: string;
  /** Exported by its own declaration (`export const`, `export default`). */
  exportedAs?: string;
}

/**
 * What a call's value is assigned to: `const x = call`, `export default call`, `{ x: call }`,
 * `exports.x = call`. `ancestors` ends with the node's parent: the walk keeps its own stack because
 * asking the compiler to set `parent` pointers costs a second pass over the whole tree.
 */
function bindingOf(node: ts.Node, ancestors: readonly ts.Node[]): Binding {
  let child: ts.Node = node;
  let i = ancestors.length - 1;
  const isWrapper = (n: ts.Node): boolean => isParenthesizedExpression(n) || isAsExpression(n)
    || isSatisfiesExpression(n) || isNonNullExpression(n) || isTypeAssertionExpression(n);
  while (i >= 0 && isWrapper(ancestors[i])) child = ancestors[i--];
  const parent = ancestors[i];
  if (!parent) return {};
  if (isVariableDeclaration(parent) && parent.initializer === child && isIdentifier(parent.name)) {
    const statement = ancestors[i - 2]; // VariableDeclaration ⊂ VariableDeclarationList ⊂ VariableStatement
    const exported = statement !== undefined && isVariableStatement(statement) && hasExportModifier(statement);
    return { name: parent.name.text, exportedAs: exported ? parent.name.text : undefined };
  }
  if (isExportAssignment(parent) && !parent.isExportEquals) return { name: 'default', exportedAs: 'default' };
  if (isPropertyAssignment(parent) && parent.initializer === child) return { name: keyName(parent.name) };
  if (isBinaryExpression(parent) && parent.right === child && parent.operatorToken.kind === SyntaxKind.EqualsToken) {
    const left = parent.left;
    if (isIdentifier(left)) return { name: left.text };
    if (isPropertyAccessExpression(left)) return { name: left.name.text };
  }
  return {};
}

/** Names exported by `export { a as b }` and `export default a`, keyed by the local name. */
function addExportAliases(node: ts.Node, aliases: Map<string, string[]>): void {
  const add = (local: string, exported: string): void => {
    const list = aliases.get(local) ?? [];
    if (!list.includes(exported)) list.push(exported);
    aliases.set(local, list);
  };
  if (isExportDeclaration(node) && !node.moduleSpecifier && !node.isTypeOnly && node.exportClause && isNamedExports(node.exportClause)) {
    for (const el of node.exportClause.elements) add((el.propertyName ?? el.name).text, el.name.text);
  } else if (isExportAssignment(node) && !node.isExportEquals && isIdentifier(node.expression)) {
    add(node.expression.text, 'default');
  }
}

export interface PendingCall {
  call: ts.CallExpression;
  binding: Binding;
}

export interface PendingClass {
  node: ts.ClassLikeDeclaration;
  base: ts.Expression;
  name: string;
  exported: boolean;
}

export class Walker {
  readonly models: PendingCall[] = [];
  readonly ops: PendingCall[] = [];
  readonly opCalls: OpCallInfo[] = [];
  readonly classes: PendingClass[] = [];
  readonly consts: ObjectConsts = new Map();
  readonly exportAliases = new Map<string, string[]>();

  constructor(readonly sf: ts.SourceFile, readonly b: GradlensBindings, readonly moduleNames: readonly string[]) {}

  /** The nodes enclosing the one being visited, outermost first (the source file excluded). */
  private readonly ancestors: ts.Node[] = [];

  readonly visit = (node: ts.Node): void => {
    switch (node.kind) {
      case SyntaxKind.CallExpression: this.onCall(node as ts.CallExpression); break;
      case SyntaxKind.ClassDeclaration:
      case SyntaxKind.ClassExpression: this.onClass(node as ts.ClassLikeDeclaration); break;
      case SyntaxKind.VariableDeclaration: this.onVariable(node as ts.VariableDeclaration); break;
      case SyntaxKind.ImportDeclaration:
        if (this.ancestors.length > 0) addImport(this.b, node as ts.ImportDeclaration, this.moduleNames);
        break;
      case SyntaxKind.ExportDeclaration:
      case SyntaxKind.ExportAssignment: addExportAliases(node, this.exportAliases); break;
      case SyntaxKind.InterfaceDeclaration:
      case SyntaxKind.TypeAliasDeclaration: return; // types hold no calls
      default:
        if (isTypeNode(node)) return; // nor do type annotations
    }
    this.ancestors.push(node);
    forEachChild(node, this.visit);
    this.ancestors.pop();
  };

  private onCall(call: ts.CallExpression): void {
    const callee = unwrap(call.expression);
    if (refersTo(this.b, callee, 'defineModel')) this.models.push({ call, binding: bindingOf(call, this.ancestors) });
    else if (refersTo(this.b, callee, 'defineOp')) this.ops.push({ call, binding: bindingOf(call, this.ancestors) });
    else if (isPropertyAccessExpression(callee) && isF(this.b, unwrap(callee.expression))) {
      this.opCalls.push({ op: callee.name.text, nameRange: nodeRange(this.sf, callee.name), range: nodeRange(this.sf, call) });
    } else if (isElementAccessExpression(callee) && isStringLiteralLike(callee.argumentExpression) && isF(this.b, unwrap(callee.expression))) {
      // F['matmul'](...): the name's range excludes the quotes.
      const literal = callee.argumentExpression;
      const nameRange = rangeOf(this.sf, literal.getStart(this.sf) + 1, literal.end - 1);
      this.opCalls.push({ op: literal.text, nameRange, range: nodeRange(this.sf, call) });
    }
  }

  private onClass(node: ts.ClassLikeDeclaration): void {
    const extendsClause = node.heritageClauses?.find((h) => h.token === SyntaxKind.ExtendsKeyword);
    const base = extendsClause?.types[0]?.expression;
    if (!base) return;
    let name = node.name?.text;
    let exported = hasExportModifier(node);
    if (!name && hasDefaultModifier(node)) name = 'default';
    if (!name) {
      const binding = bindingOf(node, this.ancestors);
      name = binding.name;
      exported ||= binding.exportedAs !== undefined;
    }
    this.classes.push({ node, base, name: name ?? 'anonymous', exported });
  }

  /** Remembers `const x = { ... }` so `defineModel(x)` and `{ params }` can be followed. */
  private onVariable(node: ts.VariableDeclaration): void {
    if (!isIdentifier(node.name) || !node.initializer) return;
    const init = unwrap(node.initializer);
    if (!isObjectLiteralExpression(init)) return;
    const name = node.name.text;
    this.consts.set(name, this.consts.has(name) ? null : init); // ambiguous when declared twice
  }
}
