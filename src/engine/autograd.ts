// Reverse-mode autograd on a dynamic tape, as in micrograd: every op application that touches a
// tensor needing a gradient leaves a node on its output; `backward` walks those nodes in reverse
// topological order. Gradients are summed when a tensor is used more than once (parameter sharing).
import { unbroadcast } from './broadcast';
import { type OpDef, vjpFor } from './registry';
import { GradlensError, Tensor, fmtShape } from './tensor';
import { zeroedValues } from './memory';

export interface TapeNode {
  op: OpDef<any>;
  inputs: readonly Tensor[];
  saved: Readonly<Record<string, Tensor>>;
  attrs: unknown;
}

/** Observes every op application, recorded or not. The runner uses it to trace graphs. */
export type OpObserver = (op: OpDef<any>, inputs: readonly Tensor[], out: Tensor, attrs: unknown) => void;

let gradEnabled = true;
let observer: OpObserver | null = null;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording: VJPs and custom-op forwards use it. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on or off, whatever the caller's mode, restoring it after. */
function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Installs an observer for the duration of `fn` (nesting restores the previous one). */
export function withOpObserver<T>(obs: OpObserver, fn: () => T): T {
  const prev = observer;
  observer = obs;
  try {
    return fn();
  } finally {
    observer = prev;
  }
}

export function recordOp(op: OpDef<any>, inputs: readonly Tensor[], out: Tensor, saved: Record<string, Tensor>, attrs: unknown): void {
  if (gradEnabled && observer) observer(op, inputs, out, attrs);
  if (!gradEnabled || !needsGradient(op, inputs)) return;
  out.requiresGrad = true;
  out.node = { op, inputs, saved, attrs };
}

/** Whether any input with a VJP needs a gradient (a loop: this runs on every op application). */
function needsGradient(op: OpDef<any>, inputs: readonly Tensor[]): boolean {
  for (let i = 0; i < inputs.length; i++) if (inputs[i].requiresGrad && vjpFor(op, i)) return true;
  return false;
}

/** Nodes reachable from `root`, inputs before outputs. Iterative, so deep graphs do not overflow the stack. */
function topoOrder(root: Tensor, stop?: ReadonlySet<number>): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  // Two parallel stacks (the tensor, and whether its inputs are already pushed) rather than a
  // tuple per entry.
  const stack: Tensor[] = [root];
  const expanded: boolean[] = [false];
  while (stack.length) {
    const t = stack.pop()!;
    if (expanded.pop()) {
      order.push(t);
      continue;
    }
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    stack.push(t);
    expanded.push(true);
    if (t.node && !stop?.has(t.id)) {
      for (const x of t.node.inputs) {
        if (x.requiresGrad && !seen.has(x.id)) {
          stack.push(x);
          expanded.push(false);
        }
      }
    }
  }
  return order;
}

/** How a backward pass runs. */
export interface GradOptions {
  /**
   * Record the backward on the tape, so the gradients it returns can be differentiated again
   * (Hessian-vector products, gradient penalties, second-order checks). Without it the backward
   * runs unrecorded, at first-order cost.
   */
  createGraph?: boolean;
}

/**
 * Gradients of `root` with respect to `wrt`, without touching `.grad`. `seed` is the upstream
 * gradient (defaults to ones, so a scalar loss gets dL/dx). Tensors that `root` does not depend
 * on get zeros.
 */
export function grad(root: Tensor, wrt: readonly Tensor[], seed?: Tensor, options?: GradOptions): Tensor[] {
  const grads = new Map<number, Tensor>();
  backprop(root, seed, grads, options?.createGraph === true);
  return gradientsOf(wrt, grads);
}

/** Accumulates dL/dx into `.grad` of every leaf that requires a gradient. */
export function backward(root: Tensor, seed?: Tensor, options?: GradOptions): void {
  const createGraph = options?.createGraph === true;
  const grads = new Map<number, Tensor>();
  const order = backprop(root, seed, grads, createGraph);
  for (const t of order) {
    if (t.node || !t.requiresGrad) continue;
    const g = grads.get(t.id);
    if (!g) continue;
    t.grad = t.grad ? (createGraph ? recordedAlgebra().add(t.grad, g) : addInto(t.grad, g)) : g;
  }
}

/**
 * The two sums a recorded backward does besides the VJPs, as registry ops: undoing broadcasting
 * and adding up a tensor's gradients. The ops import this module, so they hand these in
 * (ops/recordedAlgebra.ts) rather than being imported here.
 */
export interface RecordedAlgebra {
  sumTo(g: Tensor, shape: readonly number[]): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
}

let algebra: RecordedAlgebra | null = null;

export function provideRecordedAlgebra(a: RecordedAlgebra): void {
  algebra = a;
}

function recordedAlgebra(): RecordedAlgebra {
  if (!algebra) throw new GradlensError('grad', 'createGraph needs the op registry loaded (import the F module)');
  return algebra;
}

function backprop(root: Tensor, seed: Tensor | undefined, grads: Map<number, Tensor>, createGraph = false, stop?: ReadonlySet<number>): Tensor[] {
  if (!seed && root.size !== 1) {
    throw new GradlensError('backward', `the output has shape ${fmtShape(root.shape)}; backward needs a scalar or an explicit upstream gradient`);
  }
  if (seed && seed.size !== root.size) {
    throw new GradlensError('backward', `upstream gradient of shape ${fmtShape(seed.shape)} does not match output ${fmtShape(root.shape)}`);
  }
  grads.set(root.id, seed ?? new Tensor(zeroedValues(root.size).fill(1), root.shape.slice()));
  const order = topoOrder(root, stop);
  if (createGraph) {
    const { sumTo, add } = recordedAlgebra();
    withGradMode(true, () => sweep(order, grads, sumTo, add, stop));
  } else {
    noGrad(() => sweep(order, grads, unbroadcast, addInto, stop));
  }
  return order;
}

/** The reverse sweep itself; `sumTo` and `add` are plain kernels, or registry ops when the backward is recorded. */
function sweep(
  order: Tensor[],
  grads: Map<number, Tensor>,
  sumTo: (g: Tensor, shape: readonly number[]) => Tensor,
  add: (a: Tensor, b: Tensor) => Tensor,
  stop?: ReadonlySet<number>,
): void {
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const node = t.node;
    const dy = grads.get(t.id);
    if (!node || !dy || stop?.has(t.id)) continue;
    const inputs = node.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const x = inputs[i];
      const vjp = vjpFor(node.op, i);
      if (!vjp || !x.requiresGrad) continue;
      const ctx = { inputs, out: t, saved: node.saved, attrs: node.attrs, index: i };
      const g = sumTo(vjp(dy, ctx), x.shape);
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? add(prev, g) : g);
    }
  }
}

/**
 * The VJP of `f` at `xs` for the upstream gradient `seed`: `f` written with registry ops is taped
 * and differentiated, stopping at `xs` (their own history is not walked). Inside a recorded
 * backward the result is recorded too, so it can be differentiated again; otherwise `f` runs on
 * fresh leaves that alias `xs`. A backward op (engine/backwardOp.ts) takes its VJPs from here.
 */
export function vjpThrough(f: (xs: readonly Tensor[]) => Tensor, xs: readonly Tensor[], seed: Tensor): Tensor[] {
  const recorded = gradEnabled;
  const leaves = recorded ? xs : xs.map((x) => new Tensor(x.data, x.shape, true));
  const root = withGradMode(true, () => f(leaves));
  const grads = new Map<number, Tensor>();
  backprop(root, seed, grads, recorded, new Set(leaves.map((t) => t.id)));
  return gradientsOf(leaves, grads);
}

/** Each tensor's gradient from the sweep, zeros for those the root does not depend on. */
function gradientsOf(wrt: readonly Tensor[], grads: ReadonlyMap<number, Tensor>): Tensor[] {
  return wrt.map((t) => grads.get(t.id) ?? new Tensor(zeroedValues(t.size), t.shape.slice()));
}

function addInto(a: Tensor, b: Tensor): Tensor {
  const out = zeroedValues(a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return new Tensor(out, a.shape.slice());
}
