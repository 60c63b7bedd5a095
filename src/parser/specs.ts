// Reads the object literal passed to defineModel/defineOp: where `forward`, `backward`, `name`,
// `params` and `inputs` are, and which entries `params` and `inputs` list.
import ts from 'typescript';
import { nodeRange, nodeText } from './positions';
import { RecordEntry, SpecMember, TensorRecordInfo } from './types';

// `typescript` exposes its API through getters: every `ts.x` is a function call, which made the
// walk several times slower (bench/parse.ts). Bind what runs per node once, here.
const {
  isArrowFunction, isAsExpression, isComputedPropertyName, isFunctionExpression, isIdentifier,
  isMethodDeclaration, isNoSubstitutionTemplateLiteral, isNonNullExpression, isNumericLiteral,
  isObjectLiteralExpression, isParenthesizedExpression, isPrivateIdentifier, isPropertyAssignment,
  isSatisfiesExpression, isShorthandPropertyAssignment, isSpreadAssignment, isStringLiteral,
  isStringLiteralLike, isTypeAssertionExpression,
} = ts;

/** Object literals bound to a name in this file (`const params = { ... }`), to follow `{ params }`. */
export type ObjectConsts = Map<string, ts.ObjectLiteralExpression | null>;

/** Parentheses, `as`, `satisfies` and `!` change nothing about what the spec is. */
export function unwrap(expr: ts.Expression): ts.Expression {
  for (;;) {
    if (isParenthesizedExpression(expr) || isAsExpression(expr) || isSatisfiesExpression(expr)
      || isNonNullExpression(expr) || isTypeAssertionExpression(expr)) expr = expr.expression;
    else return expr;
  }
}

/** A property key's name, or undefined for a computed key such as `['W' + i]`. */
export function keyName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (isIdentifier(name) || isStringLiteral(name) || isNumericLiteral(name) || isPrivateIdentifier(name)) return name.text;
  if (isNoSubstitutionTemplateLiteral(name)) return name.text;
  if (isComputedPropertyName(name) && isStringLiteralLike(name.expression)) return name.expression.text;
  return undefined;
}

/** The spec's properties by key; a later duplicate wins, as it does when the object is built. */
export function membersByKey(obj: ts.ObjectLiteralExpression): Map<string, ts.ObjectLiteralElementLike> {
  const members = new Map<string, ts.ObjectLiteralElementLike>();
  for (const prop of obj.properties) {
    const key = keyName(prop.name);
    if (key !== undefined) members.set(key, prop);
  }
  return members;
}

/** Follows an identifier to a same-file `const x = { ... }`, when that is unambiguous. */
export function resolveObject(expr: ts.Expression, consts: ObjectConsts): ts.ObjectLiteralExpression | undefined {
  const e = unwrap(expr);
  if (isObjectLiteralExpression(e)) return e;
  if (isIdentifier(e)) return consts.get(e.text) ?? undefined;
  return undefined;
}

export function readMember(sf: ts.SourceFile, prop: ts.ObjectLiteralElementLike | undefined): SpecMember | undefined {
  if (!prop || !prop.name) return undefined;
  let kind: SpecMember['kind'] = 'reference';
  if (isMethodDeclaration(prop)) kind = 'method';
  else if (isShorthandPropertyAssignment(prop)) kind = 'shorthand';
  else if (isPropertyAssignment(prop)) {
    const init = unwrap(prop.initializer);
    if (isArrowFunction(init)) kind = 'arrow';
    else if (isFunctionExpression(init)) kind = 'function';
  }
  return { kind, range: nodeRange(sf, prop), nameRange: nodeRange(sf, prop.name) };
}

/** The string of `name: 'softplus'`, when it is a literal. */
export function readStringMember(prop: ts.ObjectLiteralElementLike | undefined): { value: string; node: ts.Node } | undefined {
  if (!prop || !isPropertyAssignment(prop)) return undefined;
  const init = unwrap(prop.initializer);
  return isStringLiteralLike(init) ? { value: init.text, node: init } : undefined;
}

function readEntry(sf: ts.SourceFile, prop: ts.ObjectLiteralElementLike): RecordEntry {
  const range = nodeRange(sf, prop);
  if (isSpreadAssignment(prop)) {
    return { name: nodeText(sf, prop.expression), kind: 'spread', range, nameRange: nodeRange(sf, prop.expression) };
  }
  const key = keyName(prop.name);
  const nameRange = nodeRange(sf, prop.name);
  if (key === undefined) {
    const keyNode = isComputedPropertyName(prop.name) ? prop.name.expression : prop.name;
    return { name: nodeText(sf, keyNode), kind: 'computed', range, nameRange };
  }
  const kind = isShorthandPropertyAssignment(prop) ? 'shorthand' : isPropertyAssignment(prop) ? 'property' : 'method';
  return { name: key, kind, range, nameRange };
}

/** `params` / `inputs`: its entries when it is (or names) an object literal, else a dynamic expression. */
export function readTensorRecord(sf: ts.SourceFile, prop: ts.ObjectLiteralElementLike | undefined, consts: ObjectConsts): TensorRecordInfo | undefined {
  if (!prop) return undefined;
  let value: ts.Node = prop;
  if (isPropertyAssignment(prop)) value = prop.initializer;
  else if (isShorthandPropertyAssignment(prop)) value = prop.name;
  const obj = isPropertyAssignment(prop) || isShorthandPropertyAssignment(prop)
    ? resolveObject(value as ts.Expression, consts)
    : undefined;
  if (obj) return { kind: 'literal', range: nodeRange(sf, obj), entries: obj.properties.map((p) => readEntry(sf, p)) };
  return { kind: 'dynamic', range: nodeRange(sf, value), text: nodeText(sf, value) };
}
