// Every message between the extension and the Gradlens webview, in one place (GitLens style): a
// literal `type`, a payload type and an `is…()` guard. Both sides treat what they receive as
// untrusted, so the guards check every field the receiver reads, not only `type`.
// The webview sends `ready` first; the extension sends nothing before it.
// Requests carry an `id`; the answer is a `reply` with `{ id, ok: true, result }` or `{ id, ok: false, error }`.
// The check results travel as the schemas of checkResult.ts declare them (their guards come from
// the same declarations); a results message is read model by model, so a bad entry costs only itself.
import * as v from 'valibot';
import type { CheckMode } from '../gradcheck/types';
import { type Invalid, type ManualCheckResult, type ModelCheckResult, ModelCheckResultSchema, type OpCheckResult, type Read, type RunError, RunErrorSchema, type SourceLocation, isRunError, isSourceLocation, read } from './checkResult';
import type { GraphEdge, GraphGroup, GraphNode, ValueStats } from './workerProtocol';

export { isSourceLocation };

export type ViewName = 'graph' | 'table' | 'results';
export const VIEWS: readonly ViewName[] = ['graph', 'table', 'results'];
export const CHECK_MODES: readonly CheckMode[] = ['auto', 'full', 'fast', 'sampled'];

// ---- Payload types ---------------------------------------------------------------------------

/** Summary statistics of a tensor's values (from the runner), shown on hover. */
export type { ValueStats };

/** A traced node as the webview draws it: the runner's node plus optional values. */
export interface GraphNodeView extends GraphNode {
  stats?: ValueStats;
  /** ‖∂L/∂node‖₂, when a gradient was computed. */
  gradNorm?: number;
}

export interface GraphView {
  nodes: GraphNodeView[];
  edges: GraphEdge[];
  groups: GraphGroup[];
}

export interface ModelGraph {
  name: string;
  loc?: SourceLocation;
  graph?: GraphView;
  error?: RunError;
}

/** The names the views use for the check result's parts: the runner's types, as they are. */
export type ModelResultView = ModelCheckResult;
export type TensorCheckView = ManualCheckResult;
export type OpCheckView = OpCheckResult;

export type RuleGroup = 'scalar-by-vector' | 'vector-by-vector' | 'scalar-by-matrix' | 'losses' | 'layers' | 'ops';

/** One row of the derivative table. LaTeX is rendered in the webview by KaTeX (MathML output). */
export interface TableRule {
  id: string;
  group: RuleGroup;
  title: string;
  /** The function, e.g. `f(x) = x^\top A x`. */
  forward: string;
  /** The derivative(s) in the layout convention: the gradient has the shape of the variable. */
  grads: string[];
  shapes?: string;
  /** Registry ops whose use in a model highlights this rule. */
  ops: string[];
  /** For registry entries: the op's summary. */
  summary?: string;
}

export interface RuleVerification {
  id: string;
  maxAbsError: number;
  passed: boolean;
  error?: string;
}

// ---- Extension → webview ---------------------------------------------------------------------

export interface GraphDidChange {
  type: 'graph/didChange';
  file: string;
  models: ModelGraph[];
  /** The buffer does not run now: the models above are the last good graph, shown with this error. */
  error?: RunError;
  /** Why there is no graph when that is not an error (Restricted Mode): shown as information. */
  notice?: string;
}

const ResultsDidChangeSchema = v.object({
  type: v.literal('results/didChange'),
  file: v.pipe(v.string(), v.maxLength(4096)),
  /** As `toWire` makes them: non-finite figures by name, since postMessage is JSON. */
  models: v.pipe(v.array(ModelCheckResultSchema), v.maxLength(1000)),
  /** The file did not run. */
  error: v.optional(RunErrorSchema),
  /** Information above the results, or instead of them: why there are none (Restricted Mode), or that the file was edited since they ran. */
  notice: v.optional(v.pipe(v.string(), v.maxLength(2000))),
});
/** A file's check results, as sent (JSON). The webview reads them with `readResults`. */
export type ResultsDidChange = v.InferInput<typeof ResultsDidChangeSchema>;

/** The same message with its models left unread, so that each can be read (and rejected) alone. */
const ResultsEnvelopeSchema = v.object({ ...ResultsDidChangeSchema.entries, models: v.pipe(v.array(v.unknown()), v.maxLength(1000)) });

/** One entry of a results message: its model, decoded, or why it could not be read. */
export type ResultEntry = { ok: true; model: ModelCheckResult } | { ok: false; name?: string; invalid: Invalid };

/** A results message as the webview shows it. */
export interface ResultsShown {
  file: string;
  /** In the order sent. */
  entries: ResultEntry[];
  error?: RunError;
  notice?: string;
}

export interface CheckDidChangeState {
  type: 'check/didChangeState';
  running: boolean;
  mode?: CheckMode;
}

export interface TableDidChange {
  type: 'table/didChange';
  rules: TableRule[];
  /** Ops the current model uses, to highlight their rules. */
  usedOps: string[];
}

export interface TableDidVerify {
  type: 'table/didVerify';
  results: RuleVerification[];
  error?: string;
}

export interface ViewShow {
  type: 'view/show';
  view: ViewName;
}

/**
 * Opens a view on one thing: an op's rule in the table (the hover link), a model's graph (the
 * CodeLens) or a model's results. `file` names the document a model belongs to, so a graph of
 * another file still on screen is not mistaken for it; the webview waits until that file's data
 * arrives.
 */
export interface ViewFocus {
  type: 'view/focus';
  view: ViewName;
  /** An op name (table) or a model name (graph, results). */
  target: string;
  file?: string;
}

/** The user's settings the panel shows: the check mode (`gradlens.mode`) preselects the Mode box. */
export interface SettingsDidChange {
  type: 'settings/didChange';
  mode: CheckMode;
}

export type Reply = { type: 'reply'; id: number; ok: true; result: unknown } | { type: 'reply'; id: number; ok: false; error: string };

export type ToWebview = GraphDidChange | ResultsDidChange | CheckDidChangeState | TableDidChange | TableDidVerify | ViewShow | ViewFocus | SettingsDidChange | Reply;

// ---- Webview → extension ---------------------------------------------------------------------

export interface Ready {
  type: 'ready';
}

export interface RevealNode {
  type: 'graph/revealNode';
  nodeId: string;
  loc: SourceLocation;
}

export interface CheckRun {
  type: 'check/run';
  id: number;
  mode: CheckMode;
  /** 2: the second-order check (H·v by double backward); absent or 1: gradients. */
  order?: 1 | 2;
}

export interface CheckCancel {
  type: 'check/cancel';
  id: number;
}

export interface TableVerify {
  type: 'table/verify';
  id: number;
}

export interface ViewDidChange {
  type: 'view/didChange';
  view: ViewName;
}

export type FromWebview = Ready | RevealNode | CheckRun | CheckCancel | TableVerify | ViewDidChange;

/** What the panel's serializer stores (vscode.getState in the webview). */
export interface PanelState {
  view: ViewName;
  file?: string;
}

// ---- Primitive checks ------------------------------------------------------------------------

const MAX_ITEMS = 100_000;
const MAX_STRING = 100_000;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isStr(x: unknown, max = MAX_STRING): x is string {
  return typeof x === 'string' && x.length <= max;
}
function isOptStr(x: unknown): boolean {
  return x === undefined || isStr(x);
}
/** Error figures may be Infinity or NaN (a NaN gradient): numbers, but not necessarily finite. */
function isAnyNum(x: unknown): x is number {
  return typeof x === 'number';
}
function isBool(x: unknown): x is boolean {
  return typeof x === 'boolean';
}
function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
function isArrayOf<T>(x: unknown, item: (v: unknown) => v is T, max = MAX_ITEMS): x is T[] {
  return Array.isArray(x) && x.length <= max && x.every(item);
}
function isShape(x: unknown): x is number[] {
  return isArrayOf(x, (v): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, 16);
}
function oneOf<T extends string>(x: unknown, options: readonly T[]): x is T {
  return typeof x === 'string' && (options as readonly string[]).includes(x);
}

function isOptLoc(x: unknown): boolean {
  return x === undefined || isSourceLocation(x);
}

const NODE_KINDS = ['input', 'param', 'intermediate', 'output'] as const;

function isStats(x: unknown): x is ValueStats {
  return isRecord(x) && isAnyNum(x.min) && isAnyNum(x.max) && isAnyNum(x.mean) && isAnyNum(x.std);
}

export function isGraphNode(x: unknown): x is GraphNodeView {
  return (
    isRecord(x) &&
    isStr(x.id, 200) &&
    oneOf(x.kind, NODE_KINDS) &&
    (x.name === undefined || isStr(x.name, 500)) &&
    (x.op === undefined || isStr(x.op, 200)) &&
    isShape(x.shape) &&
    isOptLoc(x.loc) &&
    (x.group === undefined || isStr(x.group, 1000)) &&
    (x.constant === undefined || isBool(x.constant)) &&
    (x.stats === undefined || isStats(x.stats)) &&
    (x.gradNorm === undefined || isAnyNum(x.gradNorm))
  );
}

function isGraphEdge(x: unknown): x is GraphEdge {
  return isRecord(x) && isStr(x.from, 200) && isStr(x.to, 200) && isShape(x.shape);
}

function isGraphGroup(x: unknown): x is GraphGroup {
  return isRecord(x) && isStr(x.id, 1000) && isStr(x.label, 1000) && (x.parent === undefined || isStr(x.parent, 1000));
}

/** A graph is valid when its parts are and every edge joins two known nodes. */
export function isGraphView(x: unknown): x is GraphView {
  if (!(isRecord(x) && isArrayOf(x.nodes, isGraphNode) && isArrayOf(x.edges, isGraphEdge) && isArrayOf(x.groups, isGraphGroup, 10_000))) return false;
  const ids = new Set(x.nodes.map((n) => n.id));
  if (ids.size !== x.nodes.length) return false;
  return x.edges.every((e) => ids.has(e.from) && ids.has(e.to));
}

function isModelGraph(x: unknown): x is ModelGraph {
  return isRecord(x) && isStr(x.name, 500) && isOptLoc(x.loc) && (x.graph === undefined || isGraphView(x.graph)) && (x.error === undefined || isRunError(x.error));
}

const RULE_GROUPS: readonly RuleGroup[] = ['scalar-by-vector', 'vector-by-vector', 'scalar-by-matrix', 'losses', 'layers', 'ops'];

export function isTableRule(x: unknown): x is TableRule {
  const isLatex = (v: unknown): v is string => isStr(v, 4000);
  return (
    isRecord(x) &&
    isStr(x.id, 200) &&
    oneOf(x.group, RULE_GROUPS) &&
    isStr(x.title, 500) &&
    isLatex(x.forward) &&
    isArrayOf(x.grads, isLatex, 20) &&
    (x.shapes === undefined || isLatex(x.shapes)) &&
    isArrayOf(x.ops, (v): v is string => isStr(v, 200), 50) &&
    (x.summary === undefined || isStr(x.summary, 2000))
  );
}

export function isRuleVerification(x: unknown): x is RuleVerification {
  return isRecord(x) && isStr(x.id, 200) && isAnyNum(x.maxAbsError) && isBool(x.passed) && isOptStr(x.error);
}

// ---- Message guards: extension → webview -----------------------------------------------------

export function isGraphDidChange(x: unknown): x is GraphDidChange {
  return isRecord(x) && x.type === 'graph/didChange' && isStr(x.file, 4096) && isArrayOf(x.models, isModelGraph, 1000) && (x.error === undefined || isRunError(x.error)) && (x.notice === undefined || isStr(x.notice, 2000));
}

/** Every model well formed (what a sender must send). The webview reads with `readResults` instead. */
export function isResultsDidChange(x: unknown): x is ResultsDidChange {
  return v.is(ResultsDidChangeSchema, x);
}

/**
 * A results message, read model by model: a malformed model becomes an unreadable entry (with the
 * path of its bad field) and the others are shown. Fails only when the envelope itself is bad.
 */
export function readResults(x: unknown): Read<ResultsShown> {
  const envelope = read(ResultsEnvelopeSchema, x);
  if (!envelope.ok) return envelope;
  const { file, models, error, notice } = envelope.value;
  const entries = models.map((raw): ResultEntry => {
    const r = read(ModelCheckResultSchema, raw);
    if (r.ok) return { ok: true, model: r.value };
    const name = (raw as { name?: unknown } | null)?.name;
    return { ok: false, ...(typeof name === 'string' ? { name: name.slice(0, 500) } : {}), invalid: r.invalid };
  });
  return { ok: true, value: { file, entries, ...(error ? { error } : {}), ...(notice !== undefined ? { notice } : {}) } };
}

/** The models of a results message that could be read. */
export function readableModels(r: ResultsShown): ModelCheckResult[] {
  return r.entries.flatMap((e) => (e.ok ? [e.model] : []));
}

export function isCheckDidChangeState(x: unknown): x is CheckDidChangeState {
  return isRecord(x) && x.type === 'check/didChangeState' && isBool(x.running) && (x.mode === undefined || oneOf(x.mode, CHECK_MODES));
}

export function isTableDidChange(x: unknown): x is TableDidChange {
  return isRecord(x) && x.type === 'table/didChange' && isArrayOf(x.rules, isTableRule, 2000) && isArrayOf(x.usedOps, (v): v is string => isStr(v, 200), 2000);
}

export function isTableDidVerify(x: unknown): x is TableDidVerify {
  return isRecord(x) && x.type === 'table/didVerify' && isArrayOf(x.results, isRuleVerification, 2000) && isOptStr(x.error);
}

export function isViewShow(x: unknown): x is ViewShow {
  return isRecord(x) && x.type === 'view/show' && oneOf(x.view, VIEWS);
}

export function isViewFocus(x: unknown): x is ViewFocus {
  return isRecord(x) && x.type === 'view/focus' && oneOf(x.view, VIEWS) && isStr(x.target, 500) && x.target.length > 0 && (x.file === undefined || isStr(x.file, 4096));
}

export function isSettingsDidChange(x: unknown): x is SettingsDidChange {
  return isRecord(x) && x.type === 'settings/didChange' && oneOf(x.mode, CHECK_MODES);
}

export function isReply(x: unknown): x is Reply {
  if (!(isRecord(x) && x.type === 'reply' && isId(x.id) && isBool(x.ok))) return false;
  return x.ok ? 'result' in x : isStr(x.error);
}

export function isToWebview(x: unknown): x is ToWebview {
  return isGraphDidChange(x) || isResultsDidChange(x) || isCheckDidChangeState(x) || isTableDidChange(x) || isTableDidVerify(x) || isViewShow(x) || isViewFocus(x) || isSettingsDidChange(x) || isReply(x);
}

// ---- Message guards: webview → extension -----------------------------------------------------

export function isReady(x: unknown): x is Ready {
  return isRecord(x) && x.type === 'ready';
}

export function isRevealNode(x: unknown): x is RevealNode {
  return isRecord(x) && x.type === 'graph/revealNode' && isStr(x.nodeId, 200) && isSourceLocation(x.loc);
}

export function isCheckRun(x: unknown): x is CheckRun {
  return isRecord(x) && x.type === 'check/run' && isId(x.id) && oneOf(x.mode, CHECK_MODES) && (x.order === undefined || x.order === 1 || x.order === 2);
}

export function isCheckCancel(x: unknown): x is CheckCancel {
  return isRecord(x) && x.type === 'check/cancel' && isId(x.id);
}

export function isTableVerify(x: unknown): x is TableVerify {
  return isRecord(x) && x.type === 'table/verify' && isId(x.id);
}

export function isViewDidChange(x: unknown): x is ViewDidChange {
  return isRecord(x) && x.type === 'view/didChange' && oneOf(x.view, VIEWS);
}

export function isFromWebview(x: unknown): x is FromWebview {
  return isReady(x) || isRevealNode(x) || isCheckRun(x) || isCheckCancel(x) || isTableVerify(x) || isViewDidChange(x);
}

export function isPanelState(x: unknown): x is PanelState {
  return isRecord(x) && oneOf(x.view, VIEWS) && (x.file === undefined || isStr(x.file, 4096));
}
