// One op, one place. A registry entry holds an op's forward, its VJP (one function per input,
// called only for inputs that need a gradient), the tensors it saves for backward, its
// derivative in LaTeX (for the derivative table and hovers) and its test spec.
// `apply` is the only way an op runs, so recording on the tape happens here and nowhere else.
import { recordOp } from './autograd';
import { GradlensError, Shape, Tensor } from './tensor';

/** What a VJP sees: the op's inputs, its output, what forward saved, and the attributes. */
export interface VjpContext<A> {
  readonly inputs: readonly Tensor[];
  readonly out: Tensor;
  readonly saved: Readonly<Record<string, Tensor>>;
  readonly attrs: A;
  /** Which input this VJP is for (variadic ops such as concat share one VJP). */
  readonly index: number;
}

/** Returns the gradient for one input. It may be in the output's (broadcast) shape: the tape reduces it. */
export type Vjp<A> = (dy: Tensor, ctx: VjpContext<A>) => Tensor;

/** How the generic op test draws one input. */
export interface InputSpec {
  shape: number[];
  /** Values are drawn uniformly from [lo, hi]; default [-2, 2]. */
  lo?: number;
  hi?: number;
  /** Draw whole numbers in [0, high) instead (labels, indices); such inputs are not differentiated. */
  intHigh?: number;
  /** Draw ±1 (the lecture's labels). */
  signs?: boolean;
  /** Keep values at least this far from zero (abs, relu kinks, division). */
  awayFromZero?: number;
}

export interface OpTestCase<A> {
  /** Shown in the test title. */
  label?: string;
  inputs: InputSpec[];
  attrs?: A;
}

export interface OpTestSpec<A> {
  /** At least one case; add broadcasting cases for elementwise ops. */
  cases: OpTestCase<A>[];
  /** Tolerance for the forward-against-reference comparison; default 1e-12 relative. */
  tol?: number;
  /** Independent plain-loop forward, on flat data, for the forward test. */
  reference(inputs: { data: Float64Array; shape: Shape }[], attrs: A): { data: ArrayLike<number>; shape: Shape };
}

/** A derivative rule in LaTeX with the shapes it applies to; shared by the table and hovers. */
export interface DerivativeRule {
  /** The forward, e.g. `y = \sigma(x)`. */
  forward: string;
  /** One rule per differentiable input, e.g. `\bar{x} = \bar{y} \odot \sigma(x)(1-\sigma(x))`. */
  grads: string[];
  /** Shapes, e.g. `x, y \in \mathbb{R}^{n}`. */
  shapes?: string;
}

export interface OpDef<A = Record<string, never>> {
  name: string;
  /** Group in the derivative table: arithmetic, reduction, shape, activation, loss, layer, linalg; `backward` for backward ops (see backwardOf). */
  family: string;
  /** Named inputs, in order. */
  inputs: readonly string[];
  summary: string;
  /** Computes the output on plain data. `save` names a tensor for backward (tfjs style). */
  forward(xs: readonly Tensor[], attrs: A, save: (name: string, t: Tensor) => void): Tensor;
  /** One entry per input; null for inputs that have no gradient (labels, indices). */
  vjp: readonly (Vjp<A> | null)[];
  /** Takes any number of inputs (concat, custom ops): `inputs` and `vjp` then hold one entry for all. */
  variadic?: boolean;
  latex: DerivativeRule;
  test: OpTestSpec<A>;
  /**
   * How a change of a few input elements reaches the output, so the checker's sweep
   * (gradcheck/replay.ts) recomputes only what a moved element touches: `pointwise`, one tensor
   * input, output element i from input element i alone (forward works on any 1-D gather);
   * `broadcast`, two inputs combined elementwise under broadcasting; `matmul`, a matrix product.
   * Absent: the op is recomputed whole.
   */
  incremental?: 'pointwise' | 'broadcast' | 'matmul';
  /**
   * For a pointwise op: f(x0 + dx) written into `out`, given the recorded y0 = f(x0). The checker's
   * fast probes and Taylor test (gradcheck/shifts.ts) move an op's input by steps of 1e-7 to 1e-2, and
   * where an addition theorem holds, the moved value costs a few flops instead of a fresh
   * transcendental: tanh(x0 + dx) = (y0 + tanh dx)/(1 + y0·tanh dx), with tanh dx its series to dx⁷
   * for |dx| < 1e-2 (3 ns an element against Math.tanh's 12). It must agree with forward to a few ulps
   * (the ops test checks it), and may fall back to forward's function for a large dx.
   */
  movedForward?: (x0: Float64Array, y0: Float64Array, dx: Float64Array, out: Float64Array) => void;
  /**
   * Set on an op that is another op's backward, run from that op's VJP: the raw kernel a fast
   * VJP needs, made a registry op (forward = the kernel, with VJPs of its own) so a recorded
   * backward can be differentiated again, as PyTorch's convolution_backward. The derivative
   * table groups these under the op they differentiate.
   */
  backwardOf?: string;
}

export const registry = new Map<string, OpDef<any>>();

export function registerOp<A>(def: OpDef<A>): OpDef<A> {
  if (registry.has(def.name)) throw new Error(`op ${def.name} registered twice`);
  if (!def.variadic && def.vjp.length !== def.inputs.length) throw new Error(`op ${def.name}: ${def.inputs.length} inputs but ${def.vjp.length} VJPs`);
  registry.set(def.name, def);
  return def;
}

export type TensorLike = Tensor | number;

/** The VJP for input i (variadic ops use their single entry for every input). */
export function vjpFor<A>(def: OpDef<A>, i: number): Vjp<A> | null {
  return def.vjp[def.variadic ? 0 : i] ?? null;
}

/** Wraps a plain number as a constant scalar tensor. */
export function asTensor(op: string, x: TensorLike): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return new Tensor(Float64Array.of(x), []);
  throw new GradlensError(op, `expected a tensor or a number, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === undefined) return 'undefined (a missing argument?)';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a plain array (wrap it with tensor(...))';
  return typeof x;
}

/** Runs an op: forward on plain data, then a tape record when any input needs a gradient. */
export function apply<A>(def: OpDef<A>, xs: readonly TensorLike[], attrs: A): Tensor {
  const inputs = new Array<Tensor>(xs.length);
  for (let i = 0; i < xs.length; i++) inputs[i] = asTensor(def.name, xs[i]);
  const saved: Record<string, Tensor> = {};
  const out = def.forward(inputs, attrs, (name, t) => {
    saved[name] = t;
  });
  recordOp(def, inputs, out, saved, attrs);
  if (opOutputs) opOutputs.add(out);
  return out;
}

let opOutputs: WeakSet<Tensor> | null = null;

/**
 * Runs `fn` and returns, with its result, the set of tensors registry ops made meanwhile: a custom
 * op's backward is differentiable when its gradients come from ops, not from raw data (define.ts).
 */
export function collectOpOutputs<T>(fn: () => T): { result: T; made: WeakSet<Tensor> } {
  const prev = opOutputs;
  const made = new WeakSet<Tensor>();
  opOutputs = made;
  try {
    return { result: fn(), made };
  } finally {
    opOutputs = prev;
  }
}
