// The checker's report: plain serialisable data, shared by the runner, the CLI (its --json output),
// the extension and the webview. Indices are multi-indices into the parameter's shape.
// Their schemas (src/shared/checkResult.ts, the guards' source) are pinned to these interfaces: a
// field added here and not there, or there and not here, does not compile.

export type CheckMode = 'auto' | 'full' | 'fast' | 'sampled';

export interface CheckOptions {
  mode: CheckMode;
  /** Central-difference step (PyTorch's default 1e-6). */
  eps: number;
  /** An element passes when |analytic − numeric| <= atol + rtol·|numeric| (PyTorch: 1e-5, 1e-3). */
  atol: number;
  rtol: number;
  seed: number;
  /** Auto mode runs a full check while the total parameter count is at most this. */
  paramBudget: number;
  /** Sampled mode: coordinates per parameter. */
  samples: number;
  /**
   * 1: the gradient. 2: the second order, H·v by double backward against central differences of
   * the gradient along a random v (gradcheck/secondOrder.ts).
   */
  order: 1 | 2;
}

export const defaultCheckOptions: CheckOptions = {
  mode: 'auto',
  eps: 1e-6,
  atol: 1e-5,
  rtol: 1e-3,
  seed: 0,
  paramBudget: 20000,
  samples: 32,
  order: 1,
};

export interface WorstElement {
  /** Multi-index into the tensor, e.g. [3, 7]. */
  index: number[];
  analytic: number;
  numeric: number;
}

/** Where a hand-written backward first goes wrong, found by replaying it against true adjoints. */
export interface Blame {
  /** The user's call site of the blamed op, a stack line; the runner maps it to file:line:col. */
  site: string;
  /** What is wrong there, in a sentence or three (which inputs are right, a hint). */
  message: string;
  /**
   * Other places the message points to, each a stack line and a phrase the runner ends with the
   * line it maps the place to ("that input is computed from right values starting at the sqrt
   * call" + " on line 17."), then folds into the message.
   */
  related?: { site: string; what: string }[];
}

/**
 * How an entry was judged: `exact`, a hand-written gradient against autograd's on the same forward,
 * every element at once; `full`, every element by central differences; `fast`, random vᵀJu probes
 * with a drill-down to the element; `sampled`, random elements by central differences.
 */
export type CheckMethod = 'exact' | 'full' | 'fast' | 'sampled';

/**
 * The signal that decided a verdict: `tolerance`, PyTorch's |a − n| <= atol + rtol·|n|; `noise`, a
 * discrepancy many times the measured noise floor of the comparison (fails even under the
 * tolerances); `taylor`, the Taylor remainder slope (≈1: the gradient is wrong); `error`, the entry
 * could not be compared (a throw, NaN, a missing gradient).
 */
export type Decider = 'tolerance' | 'noise' | 'taylor' | 'error';

export interface TensorCheck {
  /** Parameter name (or `x0`, `x1` … for a custom op's inputs). */
  name: string;
  shape: number[];
  passed: boolean;
  /** How it was judged. */
  method: CheckMethod;
  /**
   * The comparison's own error, estimated: for numeric methods the central difference's (truncation
   * from two step sizes plus round-off), for `exact` the round-off of two float64 backward passes.
   * Absolute, in the gradient's units; per element, or of the directional derivative in fast mode.
   */
  noiseFloor?: number;
  /** What decided the verdict (absent while nothing was compared). */
  decidedBy?: Decider;
  /** Elements found wrong (counted among `checked`). */
  wrong?: number;
  /**
   * The row fails only through a custom op's wrong backward on the parameter's path: autograd
   * through the custom ops' own forwards agrees with the reference (exactly, or with the numbers
   * at the worst element) where this row does not. The op's own row names the op.
   */
  viaCustomOps?: boolean;
  /** On a failing row, the element with the largest |analytic − reference| where it is not `worst` (ranked by how far past the tolerance). */
  maxAbsAt?: number[];
  maxAbsError: number;
  maxRelError: number;
  worst: WorstElement | null;
  /** Elements compared (all of them in full mode). */
  checked: number;
  /**
   * Set when an element sits on a kink (relu at 0), which is not reported as a failure: the first
   * found (`index`, why), and `count`, how many elements sat on one, when more than one.
   */
  nonDifferentiable?: { index: number[]; note: string; count?: number };
  /** Why the check could not be done or failed outright (NaN gradient, a missing manual entry…). */
  error?: string;
  /**
   * Fast mode: the directional derivative (vᵀJ)·u from the gradient and vᵀ(Ju) from differences.
   * With `together`, the tensors so named (this one among them) were moved at once, each along its
   * own direction, and both numbers are sums over them: the probe that agreed for all of them.
   */
  directional?: { analytic: number; numeric: number; together?: string[] };
  /** Manual gradients only: the op call in the user's backward where the mistake first shows. */
  blame?: Blame;
  /** Small tensors whose every element was compared: all analytic and numeric values, flat, row-major (the results' heatmaps). */
  elements?: { analytic: number[]; numeric: number[] };
}

export interface OpCheck {
  name: string;
  /** Which call of this op in the run (0-based) was the worst. */
  callIndex: number;
  /** The user's call site, a stack line; the runner maps it to file:line:col. */
  site: string;
  passed: boolean;
  maxAbsError: number;
  maxRelError: number;
  worst: (WorstElement & { input: number }) | null;
  /**
   * How the op's backward was judged: `exact` against autograd through the op's own forward (when
   * that forward is built from F ops), otherwise by central differences in the check's mode.
   */
  method?: CheckMethod;
  /** The noise floor of the comparison that holds the worst element (that input's, at that call). */
  noiseFloor?: number;
  /** The shapes of the inputs at the reported call (`callIndex`), in argument order. */
  inputShapes?: number[][];
  /** Why the op's check failed outright (its backward threw, returned NaN…). */
  error?: string;
  /** What decided a failure (the first failing input's); absent on a pass. */
  decidedBy?: Decider;
  /** Where the op's hand-written backward first goes wrong, at its worst call (localize.ts localizeOpBackward). */
  blame?: Blame;
}

export interface ModelReport {
  name: string;
  passed: boolean;
  /** What decided the model's verdict: the first failing entry's decider, or `taylor` when only the slope failed. */
  decidedBy?: Decider;
  mode: Exclude<CheckMode, 'auto'>;
  /** Set for a second-order check: its rows compare H·v, not the gradient (absent: order 1). */
  order?: 2;
  loss: number;
  /** Autograd against central differences, per parameter. */
  params: TensorCheck[];
  /** The model's hand-written backward against central differences, when it has one. */
  manual?: TensorCheck[];
  /** Custom ops, checked at their own call sites. */
  ops: OpCheck[];
  /** Slope of log remainder against log h: about 2 when the gradient is right, about 1 when wrong. */
  taylorSlope?: number;
  /** The same Taylor test for the model's hand-written backward (same direction), when it gave every gradient. */
  manualTaylorSlope?: number;
  /** Backward run twice gave the same numbers. */
  deterministic: boolean;
  /** A non-scalar output was reduced with a random projection vᵀy. */
  projected?: boolean;
  /** Why the check failed outright: the forward threw, the loss is NaN or Inf… */
  error?: string;
  /** Remarks that qualify the verdict (a Taylor test skipped at round-off, nondeterminism…). */
  notes?: string[];
}

/** What phase one found for the parameters it checked; plain data, so it travels between workers. */
export interface ParamPhase {
  /** One row per checked parameter, in the model's order. */
  params: TensorCheck[];
  /** The hand-written backward's rows for the same parameters, when the model has one. */
  manual?: TensorCheck[];
  /** Kinks found, flat indices by parameter name: the Taylor direction must not move them. */
  kinks: Record<string, number[]>;
  /** Remarks on how the rows were judged (a fallback to real forwards…). */
  notes: string[];
}
