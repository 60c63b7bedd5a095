// What the parser finds in a model file: plain serialisable data (no TypeScript nodes, no
// `vscode` types), so the extension, the CLI and the runner can all use it and send it anywhere.
//
// Positions: `offset` counts UTF-16 code units from the start of the text (as JavaScript strings
// and the TypeScript compiler do). `line` and `character` are 0-based, exactly like an LSP or
// `vscode.Position`. For human-facing `file:line:col` output, add 1 to both (see `oneBased`).
// A range starts at the first character of its node (leading comments and blanks excluded) and
// ends just after its last character.

export interface SourcePosition {
  offset: number;
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 column. */
  character: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

/** How a member of a spec object is written. */
export type MemberKind =
  | 'method' // forward(i, p) { ... }
  | 'arrow' // forward: (i, p) => ...
  | 'function' // forward: function (i, p) { ... }
  | 'reference' // forward: lossFn, or any other expression
  | 'shorthand'; // { forward } with forward defined elsewhere

export interface SpecMember {
  kind: MemberKind;
  /** The whole member: `forward(i, p) { ... }` or `forward: (i, p) => ...`. */
  range: SourceRange;
  /** The key alone (`forward`), where a CodeLens or a diagnostic would point. */
  nameRange: SourceRange;
}

/** One entry of `params: { ... }` or `inputs: { ... }`. */
export interface RecordEntry {
  /** The key; for a spread, the spread expression's text (`base` in `...base`). */
  name: string;
  kind: 'property' | 'shorthand' | 'method' | 'computed' | 'spread';
  /** The whole entry (`W1: randn([4, 3])`, `b1`, `...base`). */
  range: SourceRange;
  /** The key alone (for a spread, the spread expression). */
  nameRange: SourceRange;
}

/**
 * `params` or `inputs` of a model. A literal object lists its entries. Anything else
 * (`params: mlp.parameters()`, a variable, a getter) is only known when the model runs.
 */
export type TensorRecordInfo =
  | { kind: 'literal'; range: SourceRange; entries: RecordEntry[] }
  | { kind: 'dynamic'; range: SourceRange; text: string };

export interface ModelInfo {
  /**
   * The name to show: the spec's `name:` if it is a string literal, else the binding name, else
   * `model@<1-based line>` for an anonymous call (the same rule the runner uses for display).
   */
  name: string;
  /** The spec's `name: '...'` when written as a string literal. */
  explicitName?: string;
  /** The variable, property or export the model is assigned to: 'default' for `export default`. */
  bindingName?: string;
  /** Every name the model is exported under (`export const`, `export { x as y }`, `export default x`). */
  exportNames: string[];
  /** The whole `defineModel(...)` call. */
  range: SourceRange;
  /** The callee (`defineModel`, `dm`, `gl.defineModel`), where a CodeLens belongs. */
  calleeRange: SourceRange;
  /** True when the spec is an object literal, written inline or in a same-file `const`; false for `defineModel(makeSpec())`. */
  specResolved: boolean;
  forward?: SpecMember;
  /** True when a hand-written `backward` is present. */
  hasBackward: boolean;
  backward?: SpecMember;
  params?: TensorRecordInfo;
  inputs?: TensorRecordInfo;
}

export interface CustomOpInfo {
  /** The `name:` string, when it is a string literal. */
  name?: string;
  nameRange?: SourceRange;
  /** The variable the op function is assigned to (`const softplus = defineOp(...)`). */
  bindingName?: string;
  exportNames: string[];
  range: SourceRange;
  calleeRange: SourceRange;
  specResolved: boolean;
  forward?: SpecMember;
  backward?: SpecMember;
}

/** A call `F.matmul(x, W)` (also `gl.F.matmul(...)`, or `ops.matmul(...)` for a renamed F). */
export interface OpCallInfo {
  op: string;
  /** The op's name alone (`matmul`): for hovers and highlighting. */
  nameRange: SourceRange;
  /** The whole call, arguments included. */
  range: SourceRange;
}

/** A class whose base is an `nn` layer or module (directly, or through another such class here). */
export interface LayerClassInfo {
  /** The class name; 'default' for `export default class extends ...`, the variable for a class expression. */
  name: string;
  /** The base as written: `nn.Module`, `Module`, `gl.nn.Linear`, `Block`. */
  baseText: string;
  exported: boolean;
  range: SourceRange;
  /** The class name (or the `class` keyword when anonymous). */
  nameRange: SourceRange;
}

export interface SyntaxErrorInfo {
  message: string;
  /** The TypeScript diagnostic code (1005 for "',' expected"); 0 for Gradlens' own (a file nested too deep to parse). */
  code: number;
  range: SourceRange;
  /** Where the compiler points as well, e.g. the `{` that a missing `}` should close. */
  related: { message: string; range: SourceRange }[];
}

/** A TypeScript error in the file (syntax or types), reported as a warning by the check. */
export interface TypeErrorInfo {
  message: string;
  code: number;
  range: SourceRange;
}

export interface ParseResult {
  fileName: string;
  /** True when the file imports the gradlens module at all; nothing else is found otherwise. */
  importsGradlens: boolean;
  models: ModelInfo[];
  ops: CustomOpInfo[];
  opCalls: OpCallInfo[];
  layerClasses: LayerClassInfo[];
  syntaxErrors: SyntaxErrorInfo[];
  /** Only when asked for (`typeCheck`): the file's TypeScript errors against the shipped declarations. */
  typeErrors?: TypeErrorInfo[];
}

export interface ParseOptions {
  /** Module specifiers that mean "our public module". Default: 'gradlens' and 'gradlens/...'. */
  moduleNames?: readonly string[];
}

/** 1-based line and column, for `file:line:col` messages meant for people. */
export function oneBased(pos: SourcePosition): { line: number; column: number } {
  return { line: pos.line + 1, column: pos.character + 1 };
}
