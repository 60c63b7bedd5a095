// Messages between the thread that calls the runner and the worker that runs a user's file.
// Everything here is plain serialisable data (structured clone), and each side checks what it
// receives with the `is…()` guards: a worker that died half-way must never crash the caller.
// The check result, its places and errors are declared once, as schemas, in checkResult.ts.
import type { CheckOptions } from '../gradcheck/types';
import { type ModelCheckResult, type RunError, type SourceLocation, isRunError } from './checkResult';

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

/** A slice of a big full check, run in one pool worker. */
export interface CheckSlice {
  model: string;
  paramNames: string[];
  /** Only the first slice checks custom ops and the Taylor slope, so merging never doubles them. */
  primary: boolean;
}

/** Sent once, as workerData. */
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
  slice?: CheckSlice;
  /** A full check with more parameter elements than this is handed back for the pool to split. */
  splitAbove?: number;
}

/** A model the worker did not check because the pool should split it. */
export interface SplitPlan {
  model: string;
  /** Parameter names and element counts, in definition order. */
  params: { name: string; size: number }[];
}

export interface WorkerDone<T extends RunTask = RunTask> {
  type: 'done';
  task: T;
  models: TaskResults[T];
  /** Check task only: models left to the pool, in the order they appear in `models`' gaps. */
  split?: SplitPlan[];
}

export interface WorkerFailed {
  type: 'failed';
  error: RunError;
}

export type WorkerReply = WorkerDone | WorkerFailed;

// ---- The warm worker (runner/warm.ts) -------------------------------------------------------
// A long-lived worker started with workerData `{ type: 'serve' }`: it answers a stream of runs,
// one at a time, each tagged with an id so a late reply to a cancelled run is never mistaken for
// the current one.

export interface WarmServe {
  type: 'serve';
}

export interface WarmRun {
  type: 'warm/run';
  id: number;
  request: WorkerRequest;
}

export interface WarmReply {
  type: 'warm/reply';
  id: number;
  reply: WorkerReply;
  /** What the user's file printed during this run (captured in the worker, so it cannot leak into the next run). */
  output?: string;
}

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

export function isWorkerReply(x: unknown): x is WorkerReply {
  return isWorkerDone(x) || isWorkerFailed(x);
}

export function isWarmServe(x: unknown): x is WarmServe {
  return isRecord(x) && x.type === 'serve';
}

export function isWarmRun(x: unknown): x is WarmRun {
  return isRecord(x) && x.type === 'warm/run' && typeof x.id === 'number' && isWorkerRequest(x.request);
}

export function isWarmReply(x: unknown): x is WarmReply {
  return isRecord(x) && x.type === 'warm/reply' && typeof x.id === 'number' && isWorkerReply(x.reply) && (x.output === undefined || typeof x.output === 'string');
}
