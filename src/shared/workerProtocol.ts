// Messages between the thread that calls the runner and the worker that runs a user's file.
// Everything here is plain serialisable data (structured clone), and each side checks what it
// receives with the `is…()` guards: a worker that died half-way must never crash the caller.
import type { ParamPhase } from '../gradcheck/model';
import type { CheckOptions, ModelReport, OpCheck, TensorCheck } from '../gradcheck/types';

export type RunTask = 'check' | 'grad' | 'graph';

/** A place in the user's source. Line and column are 1-based, like `file:line:col` in compilers. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export type RunErrorKind =
  | 'syntax' // the file does not parse
  | 'import' // an import other than `gradlens` or a relative file
  | 'exception' // user code threw
  | 'shape' // an engine op rejected its inputs (GradlensError)
  | 'nan' // NaN or Infinity in the loss or a gradient
  | 'no-output' // forward returned nothing (or not a tensor)
  | 'no-model' // the file defines no model, or --model names none
  | 'timeout' // stopped at the time limit
  | 'memory' // stopped at the memory limit
  | 'cancelled' // the caller aborted
  | 'untrusted' // the caller's workspace is not trusted, so nothing of it may run
  | 'internal'; // a bug in Gradlens itself

/** An error the user can act on: a sentence and a place. `detail` (a stack) is for logs only. */
export interface RunError extends Partial<SourceLocation> {
  kind: RunErrorKind;
  message: string;
  detail?: string;
}

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

export type OpCheckResult = OpCheck & {
  /** The worst call of the op, in the user's file. */
  loc?: SourceLocation;
  /** The defineOp call, where its hand-written backward lives. */
  definedAt?: SourceLocation;
};

/** A hand-written backward's check; `blameLoc` is where its mistake was located (see gradcheck/localize.ts). */
export type ManualCheckResult = TensorCheck & { blameLoc?: SourceLocation };

/** The checker's report, named and located; its `error` string becomes a RunError. */
export interface ModelCheckResult extends ModelBase, Omit<ModelReport, 'name' | 'ops' | 'error' | 'manual'> {
  ops: OpCheckResult[];
  manual?: ManualCheckResult[];
  /** Set when the pool split this check: how many workers shared it. */
  slices?: number;
  /** The hand-written backward, when the model has one (found in the text after defineModel). */
  backwardLoc?: SourceLocation;
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

// ---- Guards -------------------------------------------------------------------------------

const TASKS: readonly string[] = ['check', 'grad', 'graph'];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function isRunError(x: unknown): x is RunError {
  return isRecord(x) && typeof x.kind === 'string' && typeof x.message === 'string';
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

export function isWorkerReply(x: unknown): x is WorkerReply {
  return isWorkerDone(x) || isWorkerFailed(x) || isWorkerPhase(x);
}
