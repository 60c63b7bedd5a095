// `defineModel` and `defineOp`: how user files declare what Gradlens checks and draws.
// Both register what they define in module-level lists, so the runner finds every model and
// custom op in a file whether or not it is exported, in definition order.
import { isGradEnabled, noGrad } from './autograd';
import { callerFrame } from './callSite';
import { notATensorMessage } from './describeValue';
import { OpDef, TensorLike, apply, asTensor, collectOpOutputs } from './registry';
import { reshape } from './ops/shape';
import { GradlensError, Tensor, fmtShape } from './tensor';

export type TensorRecord = Record<string, Tensor>;

export interface ModelSpec<I extends TensorRecord = TensorRecord, P extends TensorRecord = TensorRecord> {
  /** Optional display name; otherwise the runner uses the variable or export name. */
  name?: string;
  /** Data: features, labels. Not differentiated. */
  inputs: I;
  /** What the gradient is taken with respect to. */
  params: P;
  /** Returns the loss: a scalar, or any tensor (the checker then projects it randomly). */
  forward(inputs: I, params: P): Tensor;
  /** A hand-written gradient of the loss for every parameter, checked against the numeric one. */
  backward?(inputs: I, params: P): Record<string, Tensor>;
  /**
   * A hand-written Hessian-vector product: for a direction v (a record by parameter name), H·v
   * by parameter, e.g. Xᵀ diag(σ(1−σ)) X v for logistic regression. A second-order check
   * (`--order 2`) compares it with central differences of the gradient along v.
   */
  hessian?(inputs: I, params: P, v: P): Record<string, Tensor>;
}

export interface Model<I extends TensorRecord = TensorRecord, P extends TensorRecord = TensorRecord> {
  readonly kind: 'gradlens.model';
  readonly spec: ModelSpec<I, P>;
  /** Where defineModel was called: the user's stack line (engine/callSite.ts), which the runner matches to the parser's ranges. */
  readonly site: string;
  /** Definition order within the file run. */
  readonly index: number;
}

export interface CustomOpSpec {
  name: string;
  /** Computes the output; may use `F` ops (they are not recorded). */
  forward(...xs: Tensor[]): Tensor;
  /**
   * One gradient per input, each of that input's shape; may use `F` ops. Written with `F` ops
   * only, it is differentiable too: a second-order check (`--order 2`), `hvp` or
   * `grad(..., { createGraph: true })` differentiates it again. A gradient built from raw data
   * (a loop over `.data`, `tensor(...)`) is right at first order but has no derivative, so there
   * a second-order pass stops with an error naming the op, never a silently wrong number.
   */
  backward(dy: Tensor, xs: Tensor[], y: Tensor): Tensor[];
  /** Optional derivative rule for display. */
  latex?: string;
}

export interface CustomOp {
  readonly name: string;
  readonly def: OpDef<Record<string, never>>;
  /** Where defineOp was called: the user's stack line, like Model.site. */
  readonly site: string;
  readonly fn: (...xs: TensorLike[]) => Tensor;
  /** The user's forward, so the checker can tape it and compare the hand-written backward with autograd's. */
  readonly forward: (...xs: Tensor[]) => Tensor;
  /** The user's backward, so the checker can run it op by op to find the line of a mistake (gradcheck/localize.ts). */
  readonly backward: (dy: Tensor, xs: Tensor[], y: Tensor) => unknown;
}

export const definedModels: Model[] = [];

let customForwardsTaped = false;

/**
 * Runs `fn` with every custom op replaced by its user's forward, recorded op by op like any F
 * code: autograd then differentiates the forward itself, the reference a hand-written backward
 * is compared with (gradcheck/model.ts).
 */
export function withCustomForwardsTaped<T>(fn: () => T): T {
  const prev = customForwardsTaped;
  customForwardsTaped = true;
  try {
    return fn();
  } finally {
    customForwardsTaped = prev;
  }
}
export const definedOps: CustomOp[] = [];

/** Forgets what a previous run defined (the runner calls it before each file). */
export function resetDefinitions(): void {
  definedModels.length = 0;
  definedOps.length = 0;
}

export function isModel(x: unknown): x is Model {
  return typeof x === 'object' && x !== null && (x as Model).kind === 'gradlens.model';
}

export function defineModel<I extends TensorRecord, P extends TensorRecord>(spec: ModelSpec<I, P>): Model<I, P> {
  const where = spec?.name ? `defineModel('${spec.name}')` : 'defineModel';
  if (typeof spec !== 'object' || spec === null) throw new GradlensError(where, 'expects an object { inputs, params, forward }');
  if (typeof spec.forward !== 'function') throw new GradlensError(where, 'needs a forward(inputs, params) function that returns the loss');
  for (const key of ['inputs', 'params'] as const) {
    const rec = spec[key];
    if (typeof rec !== 'object' || rec === null) throw new GradlensError(where, `needs ${key}: a record of tensors`);
    for (const [name, t] of Object.entries(rec)) {
      if (!(t instanceof Tensor)) throw new GradlensError(where, `${key}.${name} is not a tensor (wrap arrays with tensor(...))`);
      if (!t.name) t.name = name;
    }
  }
  if (spec.backward !== undefined && typeof spec.backward !== 'function') throw new GradlensError(where, 'backward must be a function');
  if (spec.hessian !== undefined && typeof spec.hessian !== 'function') throw new GradlensError(where, 'hessian must be a function (inputs, params, v) => H·v by parameter');
  const model: Model<I, P> = { kind: 'gradlens.model', spec, site: callerFrame(defineModel), index: definedModels.length };
  definedModels.push(model as unknown as Model);
  return model;
}

/**
 * A custom op with a hand-written backward. The returned function takes part in autograd like
 * any built-in op, and the checker checks its backward at every call site.
 */
export function defineOp(spec: CustomOpSpec): (...xs: TensorLike[]) => Tensor {
  if (typeof spec?.name !== 'string' || !spec.name) throw new GradlensError('defineOp', 'needs a name');
  const opName = spec.name;
  if (typeof spec.forward !== 'function') throw new GradlensError(`defineOp('${opName}')`, 'needs forward(...xs)');
  if (typeof spec.backward !== 'function') throw new GradlensError(`defineOp('${opName}')`, 'needs backward(dy, xs, y)');

  // backward() yields every input's gradient at once; each per-input VJP reads the cached result.
  const cache = new WeakMap<Tensor, { dy: Tensor; grads: Tensor[] }>();
  const site = callerFrame(defineOp);
  // A bad return is found after backward returned, so no user frame is on the stack; the
  // defineOp call is where it is fixed, so the error carries that frame for the runner to place it.
  const atDefinition = (e: GradlensError): GradlensError => {
    if (site) e.stack = `${e.stack ?? e.message}\n    ${site}`;
    return e;
  };
  const gradsFor = (dy: Tensor, xs: readonly Tensor[], y: Tensor): Tensor[] => {
    const hit = cache.get(y);
    if (hit && hit.dy === dy) return hit.grads;
    // A recorded backward (createGraph) hands the user's backward the live tensors, so the F ops
    // in it are recorded; otherwise detached copies, so nothing is.
    const recorded = isGradEnabled();
    const { result: raw, made } = collectOpOutputs(() => (recorded ? spec.backward(dy, xs.slice(), y) : spec.backward(dy, xs.map((x) => x.detach()), y.detach())));
    if (!Array.isArray(raw) || raw.length !== xs.length) {
      throw atDefinition(new GradlensError(opName, `backward returned ${Array.isArray(raw) ? raw.length : typeof raw} gradient(s) for ${xs.length} input(s)`));
    }
    const grads = raw.map((g, i) => {
      const t = asTensor(opName, g as TensorLike);
      // Same size is not enough: a transposed or reshaped gradient would be silently relaid out.
      if (!sameGradientShape(t.shape, xs[i].shape)) {
        throw atDefinition(new GradlensError(opName, `backward returned a gradient of shape ${fmtShape(t.shape)} for input ${i} of shape ${fmtShape(xs[i].shape)}`));
      }
      if (!recorded) return new Tensor(t.data, xs[i].shape.slice());
      if (!(g instanceof Tensor) || made.has(t) || t.requiresGrad || t === dy || xs.includes(t) || t === y || ![dy, ...xs].some((x) => x.requiresGrad)) {
        return sameGradientShape(t.shape, xs[i].shape) && t.shape.length === xs[i].shape.length ? t : reshape(t, xs[i].shape.slice());
      }
      throw atDefinition(
        new GradlensError(
          opName,
          `backward's gradient for input ${i} was not computed with F ops (a loop over .data, or tensor(...)), so it has no derivative: a second-order check (order 2, hvp, createGraph) cannot differentiate it. Write backward with F ops.`,
        ),
      );
    });
    cache.set(y, { dy, grads });
    return grads;
  };

  const def: OpDef<Record<string, never>> = {
    name: opName,
    family: 'custom',
    inputs: ['xs'],
    variadic: true,
    summary: `Custom op '${opName}' with a hand-written backward.`,
    forward: (xs) => {
      const y = noGrad(() => spec.forward(...xs.map((x) => x.detach())));
      if (!(y instanceof Tensor)) throw new GradlensError(opName, notATensorMessage('forward', y));
      return new Tensor(y.data, y.shape.slice());
    },
    vjp: [(dy, ctx) => gradsFor(dy, ctx.inputs, ctx.out)[ctx.index]],
    latex: { forward: spec.latex ?? `y = \\operatorname{${opName}}(x)`, grads: [] },
    test: { cases: [], reference: () => { throw new Error('custom ops have no reference forward'); } },
  };
  const fn = (...xs: TensorLike[]): Tensor => (customForwardsTaped ? spec.forward(...xs.map((x) => asTensor(opName, x))) : apply(def, xs, {}));
  definedOps.push({ name: opName, def, site, fn, forward: spec.forward, backward: spec.backward });
  return fn;
}

/** A gradient must have its input's exact shape; a scalar may be given as [] or [1] either way. */
function sameGradientShape(got: readonly number[], want: readonly number[]): boolean {
  const scalarLike = (s: readonly number[]) => s.length === 0 || (s.length === 1 && s[0] === 1);
  if (scalarLike(got) && scalarLike(want)) return true;
  return got.length === want.length && got.every((d, j) => d === want[j]);
}
