// Messages between the thread that calls the runner and the worker that runs a user's file.
// Everything here is plain serialisable data (structured clone), and each side checks what it
// receives with the `is…()` guards: a worker that died half-way must never crash the caller.
// The check result, its places and errors are declared once, as schemas, in checkResult.ts.
import type { CheckOptions, ParamPhase } from '../gradcheck/types';
import { type ModelCheckResult, type RunError, type SourceLocation, isRunError, isSourceLocation } from './checkResult';

export type { ManualCheckResult, ModelCheckResult, OpCheckResult, RunError, RunErrorKind, SourceLocation } from './checkResult';
export { isRunError } from './checkResult';

export type RunTask = 'check' | 'grad' | 'graph';

// ---- Traced graph -------------------------------------------------------------------------

export type GraphNodeKind = 'input' | 'param' | 'intermediate' | 'output';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** Input or parameter name; for a constant created inside forward, its value or 'const'. */
  name?: string;
  /** The op that produced the node (intermediate and output nodes). */
  op?: string;
  shape: number[];
  /** For an op node, the user's line that called the op. */
  loc?: SourceLocation;
  /** Module path joined with '/', e.g. 'encoder/layer1'; absent at the top level. */
  group?: string;
  /** A tensor created inside forward (not an input or a parameter): drawn as an input. */
  constant?: boolean;
  /** Summary of the node's value in the traced forward (never the data: a node may be large). */
  stats?: ValueStats;
  /** ‖∂L/∂node‖₂ from one backward of a scalar output; absent for a non-scalar output and for
   *  constants made inside forward (the tape does not record a path through them). */
  gradNorm?: number;
}

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by n). */
  std: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  shape: number[];
}

export interface GraphGroup {
  /** The joined scope path, the value of GraphNode.group. */
  id: string;
  /** Last path segment. */
  label: string;
  parent?: string;
}

export interface TracedGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
}

// ---- Per-model results --------------------------------------------------------------------

interface ModelBase {
  name: string;
  /** Where defineModel was called, when it could be mapped. */
  loc?: SourceLocation;
  /** Set when this model could not be run; the other fields are then empty. */
  error?: RunError;
}

export interface GradParam {
  name: string;
  shape: number[];
  data: number[];
}

export interface ModelGradResult extends ModelBase {
  /** The loss value (its sum when forward returned a non-scalar tensor). */
  loss: number;
  lossShape: number[];
  params: GradParam[];
}

export interface ModelGraphResult extends ModelBase {
  graph: TracedGraph;
}

export interface TaskResults {
  check: ModelCheckResult[];
  grad: ModelGradResult[];
  graph: ModelGraphResult[];
}

// ---- Messages -----------------------------------------------------------------------------

/**
 * One phase of a large check that the parent planned (runner/pool.ts): phase one checks some of
 * the model's parameters; phase two, run once, completes the report from what phase one found.
 */
export type CheckPhaseRequest =
  | { kind: 'parameters'; model: string; paramNames: string[] }
  | { kind: 'complete'; model: string; found: ParamPhase };

/** One run: the payload of a request to the runner's worker (workers/protocol.ts carries it). */
export interface WorkerRequest {
  type: 'run';
  task: RunTask;
  /** The user's file, absolute; errors point into it. */
  fileName: string;
  /** Its text as the editor holds it (used to name models by their variable). */
  text: string;
  /** The CommonJS bundle and its source map (JSON), made by bundle.ts. */
  code: string;
  sourceMap: string;
  model?: string;
  options?: Partial<CheckOptions>;
  /** Check task: run this phase of a planned check of `model` (which the request also names). */
  phase?: CheckPhaseRequest;
  /** A full check with more parameter elements than this is handed back for the pool to plan. */
  splitAbove?: number;
}

/** A model the worker left to the parent to plan: too large to check element by element in one. */
export interface SplitPlan {
  model: string;
  /** Its place among the file's models (the reply's `models` holds the others, in order). */
  index: number;
  /** Parameter names and element counts, in definition order. */
  params: { name: string; size: number }[];
}

export interface WorkerDone<T extends RunTask = RunTask> {
  type: 'done';
  task: T;
  models: TaskResults[T];
  /** Check task only: models left to the parent to plan, with their places in the file's list. */
  split?: SplitPlan[];
}

/** The answer to a phase-one request: the rows it checked, or why it could not. */
export type WorkerPhase = { type: 'phase'; phase: ParamPhase; error?: undefined } | { type: 'phase'; error: RunError; phase?: undefined };

export interface WorkerFailed {
  type: 'failed';
  error: RunError;
}

export type WorkerReply = WorkerDone | WorkerFailed | WorkerPhase;

/**
 * What a check's worker tells as it goes, ahead of its reply (workers/protocol.ts PartialMessage):
 * the file's models once it has found them, each model as its check starts, and each result as it
 * is in. A time limit that stops the worker then loses only the model it was checking (runner/partial.ts).
 */
export type CheckNote =
  | { type: 'models'; models: { name: string; loc?: SourceLocation }[] }
  | { type: 'checking'; index: number; mode: string; size: number }
  | { type: 'checked'; index: number; result: ModelCheckResult };

// ---- Guards -------------------------------------------------------------------------------

const TASKS: readonly string[] = ['check', 'grad', 'graph'];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function isWorkerRequest(x: unknown): x is WorkerRequest {
  return (
    isRecord(x) &&
    x.type === 'run' &&
    typeof x.task === 'string' &&
    TASKS.includes(x.task) &&
    typeof x.fileName === 'string' &&
    typeof x.text === 'string' &&
    typeof x.code === 'string' &&
    typeof x.sourceMap === 'string' &&
    (x.model === undefined || typeof x.model === 'string')
  );
}

export function isWorkerDone(x: unknown): x is WorkerDone {
  return isRecord(x) && x.type === 'done' && typeof x.task === 'string' && TASKS.includes(x.task) && Array.isArray(x.models);
}

export function isWorkerFailed(x: unknown): x is WorkerFailed {
  return isRecord(x) && x.type === 'failed' && isRunError(x.error);
}

export function isWorkerPhase(x: unknown): x is WorkerPhase {
  return isRecord(x) && x.type === 'phase' && ((isRecord(x.phase) && Array.isArray(x.phase.params) && isRecord(x.phase.kinks)) || isRunError(x.error));
}

export function isCheckNote(x: unknown): x is CheckNote {
  if (!isRecord(x) || typeof x.type !== 'string') return false;
  const index = (i: unknown): boolean => typeof i === 'number' && Number.isInteger(i) && i >= 0;
  switch (x.type) {
    case 'models':
      return Array.isArray(x.models) && x.models.every((m) => isRecord(m) && typeof m.name === 'string' && (m.loc === undefined || isSourceLocation(m.loc)));
    case 'checking':
      return index(x.index) && typeof x.mode === 'string' && typeof x.size === 'number';
    case 'checked':
      return index(x.index) && isRecord(x.result) && typeof x.result.name === 'string';
    default:
      return false;
  }
}

export function isWorkerReply(x: unknown): x is WorkerReply {
  return isWorkerDone(x) || isWorkerFailed(x) || isWorkerPhase(x);
}
