// The check result, declared once, as valibot schemas: the checker's report (per-tensor check, op
// check, model report) and what the runner adds to it (places in the user's file, a RunError).
// The runner, the CLI, the extension and the webview use the types inferred here, and validate with
// guards made from the same declarations, so a field cannot be added to one and missed by another.
//
// The checker's own types stay the plain interfaces of gradcheck/types.ts: they are the public
// module's declarations (dist/types, installed into users' workspaces without valibot), and they
// hold the field docs. Each checker-side schema is pinned to its interface: it compiles only while
// its inferred type is exactly that interface (a missing or extra field, optional or not, fails).
//
// Non-finite numbers: structured clone (worker → extension) keeps NaN and ±Infinity; JSON
// (postMessage to a webview, the standalone report's data block) turns them into null. So where a
// figure may be non-finite, the schema accepts it as a number or by name ('NaN', 'Infinity',
// '-Infinity'), and `toWire` names them before a result is sent as JSON.
import * as v from 'valibot';
import type { Blame, ModelReport, OpCheck, TensorCheck, WorstElement } from '../gradcheck/types';

// ---- Pinning a schema to a hand-written type --------------------------------------------------

/** T with every nested object flattened (intersections merged), so equal shapes compare equal. */
type Plain<T> = T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;
/** Exactly the same type: not merely assignable, so an optional field missing on one side counts. */
type Same<A, B> = (<X>() => X extends Plain<A> ? 1 : 2) extends <X>() => X extends Plain<B> ? 1 : 2 ? true : false;

/**
 * Types a schema's output as `T` (its docs then show wherever the result is used). A schema whose
 * output is not exactly `T` does not compile: the call then wants a second argument.
 */
export function pinned<T>() {
  return <S extends v.GenericSchema<unknown, unknown>>(schema: S, ..._mismatch: Same<v.InferOutput<S>, T> extends true ? [] : [schemaDiffersFromType: never]): v.GenericSchema<v.InferInput<S>, T> =>
    schema as v.GenericSchema<v.InferInput<S>, T>;
}

// ---- Primitives -------------------------------------------------------------------------------

export const NON_FINITE_NAMES = ['NaN', 'Infinity', '-Infinity'] as const;
export type NonFiniteName = (typeof NON_FINITE_NAMES)[number];
const NON_FINITE: Record<NonFiniteName, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Any float64, NaN and ±Infinity included: as a number (structured clone) or by its name (JSON). */
const real = v.union([v.number(), v.nan(), v.pipe(v.picklist(NON_FINITE_NAMES), v.transform((name) => NON_FINITE[name]))]);
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const position = v.pipe(count, v.minValue(1));
/** A shape or a multi-index. */
const dims = v.pipe(v.array(count), v.maxLength(16));
const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const list = <S extends v.GenericSchema<unknown, unknown>>(item: S, max: number) => v.pipe(v.array(item), v.maxLength(max));

/** Bounds for what a webview accepts: generous for real reports, finite for hostile ones. */
const NAME = 500;
const PATH = 4096;
const SENTENCE = 100_000;
const ENTRIES = 10_000;
/** A stack line of the user's file (Blame.site, OpCheck.site). */
const SITE = 10_000;

// ---- Places and errors (the runner's) ---------------------------------------------------------

export const SourceLocationSchema = v.object({
  file: text(PATH),
  /** 1-based, like `file:line:col` in compilers. */
  line: position,
  /** 1-based. */
  column: position,
});
/** A place in the user's source. Line and column are 1-based, like `file:line:col` in compilers. */
export type SourceLocation = v.InferOutput<typeof SourceLocationSchema>;

/**
 * What kind of failure: `syntax` the file does not parse; `import` an import other than `gradlens`
 * or a relative file; `exception` user code threw; `shape` an engine op rejected its inputs
 * (GradlensError); `nan` NaN or Infinity in the loss or a gradient; `no-output` forward returned
 * nothing (or not a tensor); `no-model` the file defines no model, or --model names none; `timeout`
 * stopped at the time limit; `memory` stopped at the memory limit; `cancelled` the caller aborted;
 * `internal` a bug in Gradlens itself.
 */
export const RunErrorKindSchema = v.picklist(['syntax', 'import', 'exception', 'shape', 'nan', 'no-output', 'no-model', 'timeout', 'memory', 'cancelled', 'untrusted', 'internal']);
export type RunErrorKind = v.InferOutput<typeof RunErrorKindSchema>;

export const RunErrorSchema = v.object({
  kind: RunErrorKindSchema,
  /** A sentence the user can act on; never a stack trace. */
  message: text(1_000_000),
  /** A stack, for logs only. */
  detail: v.optional(text(1_000_000)),
  file: v.optional(text(PATH)),
  line: v.optional(count),
  column: v.optional(count),
});
/** An error the user can act on: a sentence and a place. `detail` (a stack) is for logs only. */
export type RunError = v.InferOutput<typeof RunErrorSchema>;

// ---- The checker's report (gradcheck/types.ts has the field docs) -----------------------------

const WorstElementSchema = pinned<WorstElement>()(v.object({ index: dims, analytic: real, numeric: real }));
const BlameSchema = pinned<Blame>()(v.object({ site: text(SITE), message: text(SITE), related: v.optional(list(v.object({ site: text(SITE), what: text(SENTENCE) }), 100)) }));
export const CheckMethodSchema = v.picklist(['exact', 'full', 'fast', 'sampled']);
export const DeciderSchema = v.picklist(['tolerance', 'noise', 'taylor', 'error']);

const ElementValuesSchema = v.pipe(
  v.object({ analytic: list(real, 1_000_000), numeric: list(real, 1_000_000) }),
  v.check((e) => e.analytic.length === e.numeric.length, 'analytic and numeric values differ in number'),
);

export const TensorCheckSchema = pinned<TensorCheck>()(
  v.object({
    name: text(NAME),
    shape: dims,
    passed: v.boolean(),
    method: CheckMethodSchema,
    noiseFloor: v.optional(real),
    decidedBy: v.optional(DeciderSchema),
    wrong: v.optional(count),
    viaCustomOps: v.optional(v.boolean()),
    maxAbsAt: v.optional(dims),
    maxAbsError: real,
    maxRelError: real,
    worst: v.nullable(WorstElementSchema),
    checked: count,
    nonDifferentiable: v.optional(v.object({ index: dims, note: text(SENTENCE), count: v.optional(count) })),
    error: v.optional(text(SENTENCE)),
    directional: v.optional(v.object({ analytic: real, numeric: real, together: v.optional(list(text(NAME), 10_000)) })),
    blame: v.optional(BlameSchema),
    elements: v.optional(ElementValuesSchema),
  }),
);

export const OpCheckSchema = pinned<OpCheck>()(
  v.object({
    name: text(NAME),
    callIndex: count,
    site: text(SITE),
    passed: v.boolean(),
    maxAbsError: real,
    maxRelError: real,
    worst: v.nullable(v.intersect([WorstElementSchema, v.object({ input: count })])),
    method: v.optional(v.picklist(['exact', 'full', 'fast', 'sampled'])),
    noiseFloor: v.optional(real),
    inputShapes: v.optional(list(dims, 1000)),
    error: v.optional(text(SENTENCE)),
    decidedBy: v.optional(DeciderSchema),
    blame: v.optional(BlameSchema),
  }),
);

/** The report's fields the runner passes on as they are (the rest it names, locates or replaces). */
type ReportBody = Omit<ModelReport, 'name' | 'ops' | 'error' | 'manual'>;
const ReportBodySchema = pinned<ReportBody>()(
  v.object({
    passed: v.boolean(),
    decidedBy: v.optional(DeciderSchema),
    mode: v.picklist(['full', 'fast', 'sampled']),
    order: v.optional(v.literal(2)),
    loss: real,
    params: list(TensorCheckSchema, ENTRIES),
    taylorSlope: v.optional(real),
    manualTaylorSlope: v.optional(real),
    deterministic: v.boolean(),
    projected: v.optional(v.boolean()),
    notes: v.optional(list(text(SENTENCE), 1000)),
  }),
);

/** The checker's whole report (what `checkModel` returns), e.g. to validate one in a test. */
export const ModelReportSchema = pinned<ModelReport>()(
  v.intersect([
    ReportBodySchema,
    v.object({ name: text(NAME), manual: v.optional(list(TensorCheckSchema, ENTRIES)), ops: list(OpCheckSchema, ENTRIES), error: v.optional(text(SENTENCE)) }),
  ]),
);

// ---- The runner's result: the report, named and located ---------------------------------------

/** A hand-written backward's check, with the place its mistake was located (see gradcheck/localize.ts). */
export const ManualCheckResultSchema = v.intersect([
  TensorCheckSchema,
  v.object({
    /** The op call in the user's backward where the mistake first shows (`blame.site`, mapped). */
    blameLoc: v.optional(SourceLocationSchema),
  }),
]);
export type ManualCheckResult = v.InferOutput<typeof ManualCheckResultSchema>;

export const OpCheckResultSchema = v.intersect([
  OpCheckSchema,
  v.object({
    /** The worst call of the op, in the user's file. */
    loc: v.optional(SourceLocationSchema),
    /** The defineOp call, where its hand-written backward lives. */
    definedAt: v.optional(SourceLocationSchema),
    /** The `backward` key of that call, when the parser found it: where the Problems panel puts the op's failure. */
    backwardAt: v.optional(SourceLocationSchema),
    /** The line in the op's backward where it first goes wrong (its blame's site), when it could be mapped. */
    blameLoc: v.optional(SourceLocationSchema),
  }),
]);
export type OpCheckResult = v.InferOutput<typeof OpCheckResultSchema>;

/** One model's check as the runner hands it on: to the CLI, the extension and (as JSON) the webview. */
export const ModelCheckResultSchema = v.intersect([
  ReportBodySchema,
  v.object({
    /** As the parser names it (the editor and the CLI show the same name). */
    name: text(NAME),
    /** Where defineModel was called, when it could be mapped. */
    loc: v.optional(SourceLocationSchema),
    /** Set when this model could not be checked: the checker's error string, located, or the run's. */
    error: v.optional(RunErrorSchema),
    /** The model's hand-written backward against central differences, when it has one. */
    manual: v.optional(list(ManualCheckResultSchema, ENTRIES)),
    /** Custom ops, checked at their own call sites. */
    ops: list(OpCheckResultSchema, ENTRIES),
    /** Set when the pool split this check: how many workers shared it. */
    slices: v.optional(count),
    /** The hand-written backward, when the model has one (found in the text after defineModel). */
    backwardLoc: v.optional(SourceLocationSchema),
    /** Each parameter's entry in a literal `params: { … }` (its key), by name: where its row's failure is placed. */
    paramLocs: v.optional(v.record(text(NAME), SourceLocationSchema)),
  }),
]);
export type ModelCheckResult = v.InferOutput<typeof ModelCheckResultSchema>;
/** A ModelCheckResult as JSON carries it: non-finite figures by name (see `toWire`). */
export type ModelCheckResultWire = v.InferInput<typeof ModelCheckResultSchema>;

/** The result of a model that was never checked (its file did not run): an error and no entries. */
export function unrunResult(name: string, error: RunError, loc?: SourceLocation): ModelCheckResult {
  return { name, ...(loc ? { loc } : {}), error, passed: false, mode: 'full', loss: NaN, params: [], ops: [], deterministic: false };
}

// ---- Guards and the JSON boundary -------------------------------------------------------------

export function isSourceLocation(x: unknown): x is SourceLocation {
  return v.is(SourceLocationSchema, x);
}

export function isRunError(x: unknown): x is RunError {
  return v.is(RunErrorSchema, x);
}

/** What is wrong with a value a schema rejects: the path of the first bad field and why. */
export interface Invalid {
  /** Dot path from the value's root, e.g. `params.0.maxAbsError`; empty for the root itself. */
  path: string;
  message: string;
}

export type Read<T> = { ok: true; value: T } | { ok: false; invalid: Invalid };

/** Parses with a schema, decoding non-finite names; on failure says where and why. */
export function read<S extends v.GenericSchema<unknown, unknown>>(schema: S, x: unknown): Read<v.InferOutput<S>> {
  const r = v.safeParse(schema, x);
  if (r.success) return { ok: true, value: r.output };
  const issue = r.issues[0];
  return { ok: false, invalid: { path: v.getDotPath(issue) ?? '', message: issue.message } };
}

/** A model check result for JSON: each non-finite number becomes its name, the rest is copied as is. */
export function toWire(m: ModelCheckResult): ModelCheckResultWire {
  return nameNonFinite(m) as ModelCheckResultWire;
}

function nameNonFinite(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? x : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  if (Array.isArray(x)) return x.map(nameNonFinite);
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>, nameNonFinite);
  if (typeof x !== 'object' || x === null) return x;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(x)) if (value !== undefined) out[k] = nameNonFinite(value);
  return out;
}
