// f(x + h·d) of a recorded forward for many step sizes h along one set of directions d: a fast
// probe's ±h (and 2h for its noise floor), the Taylor test's shrinking steps, the replay's check.
// Until the first op that is not linear in what moved, every tensor of the forward is affine in h,
// t(h) = t + h·Δt, so Δt is computed once per set of directions (a JVP through the linear ops) and
// each h costs only the ops from the first nonlinearity on: for an MLP's first layer, the tanh and
// what follows, never the product X·W1 again. A rank-one direction of a matrix stays rank-one
// through a matrix product with a fixed operand, X·(a bᵀ) = (X a) bᵀ, so even its Δ costs O(n·k)
// instead of a matrix product. And the first nonlinearity itself, where its op has a movedForward
// (tanh, sigmoid), takes its recorded output and the move h·Δ instead of a fresh transcendental.
import { type OpDef, registry } from '../engine/registry';
import { Tensor } from '../engine/tensor';
import { type Direction, RankOne } from './directions';
import { project } from './objective';

/** What a recording is made of (replay.ts): the op applications, by slot, and where the parameters sit. */
export interface Recording {
  readonly steps: readonly { op: OpDef<any>; attrs: unknown; inputs: readonly number[]; out: number }[];
  readonly tensors: readonly Tensor[];
  readonly paramSlots: readonly number[];
  readonly out: number;
  readonly v: Float64Array;
}

/**
 * The change of one tensor per unit of h: dense, or a matrix's sum of rank-one terms Σ aₖbₖᵀ, kept
 * factored and densified on demand. A first layer's X·(a bᵀ) + 1·dᵀ (a moved weight and a moved
 * bias) stays two terms: densifying it cost more than the evaluations it serves (27 µs a plan at
 * 50k parameters, for a 32×64 sum).
 */
class Delta {
  constructor(
    readonly shape: readonly number[],
    private data: Float64Array | undefined,
    readonly terms?: readonly RankOne[],
  ) {}

  static of(shape: readonly number[], d: Direction): Delta {
    return d instanceof RankOne ? new Delta(shape, undefined, [d]) : new Delta(shape, d);
  }

  dense(): Float64Array {
    if (this.data) return this.data;
    const terms = this.terms!;
    if (terms.length === 1) return (this.data = terms[0].dense());
    // Entry by entry in term order, as shiftInto sums them.
    const out = new Float64Array(terms[0].length);
    const n = terms[0].right.length;
    for (let i = 0, o = 0; i < terms[0].left.length; i++, o += n) {
      for (let j = 0; j < n; j++) {
        let v = terms[0].left[i] * terms[0].right[j];
        for (let k = 1; k < terms.length; k++) v += terms[k].left[i] * terms[k].right[j];
        out[o + j] = v;
      }
    }
    return (this.data = out);
  }

  tensor(): Tensor {
    return new Tensor(this.dense(), this.shape.slice());
  }
}

/** A few terms at most: past this a sum of rank-ones costs more per evaluation than its dense form. */
const MAX_TERMS = 4;

/**
 * Ops linear in their inputs jointly (Δout = op(Δ of each input, zeros for the fixed ones)), and
 * ops linear in each input while the others stay fixed (Δout = op with the moved one replaced by Δ).
 */
const JOINTLY_LINEAR = ['add', 'sub', 'neg', 'transpose', 'permute', 'reshape', 'broadcastTo', 'sum', 'mean', 'slice', 'concat', 'trace'];
const LINEAR_IN_EACH: Record<string, readonly number[]> = { mul: [0, 1], matmul: [0, 1], outer: [0, 1], dot: [0, 1], div: [0] };

let linearity: Map<OpDef<any>, 'joint' | readonly number[]> | undefined;

/** Looked up by the registry's own definitions, so a custom op that shares a name is not mistaken for one. */
function linearityOf(op: OpDef<any>): 'joint' | readonly number[] | undefined {
  if (!linearity) {
    linearity = new Map();
    for (const name of JOINTLY_LINEAR) {
      const def = registry.get(name);
      if (def) linearity.set(def, 'joint');
    }
    for (const [name, positions] of Object.entries(LINEAR_IN_EACH)) {
      const def = registry.get(name);
      if (def) linearity.set(def, positions);
    }
  }
  return linearity.get(op);
}

const noop = (): void => {};

/** For one set of directions: the affine tensors' Δ and the steps to recompute for each h. */
interface Plan {
  dirs: readonly (Direction | undefined)[];
  delta: (Delta | undefined)[];
  recompute: number[];
}

/**
 * Plans kept, newest first: a fast check's two joint probes and the Taylor test, whose direction
 * the replay's check planned before the probes (model.ts), each keep theirs.
 */
const KEPT_PLANS = 4;

export class ShiftedEvaluator {
  private readonly plans: Plan[] = [];
  private readonly fresh: (Tensor | undefined)[];
  private readonly stamp: Int32Array;
  private generation = 0;
  /** Per affine slot that a recomputed step (or the output) reads: its value at the current h. */
  private readonly scratch: (Float64Array | undefined)[];
  /** Per affine slot read by a movedForward: h·Δ at the current h. */
  private readonly moves: (Float64Array | undefined)[];
  /** Per movedForward step's output slot: its value at the current h. */
  private readonly outputs: (Float64Array | undefined)[];

  constructor(private readonly rec: Recording) {
    this.fresh = new Array(rec.tensors.length);
    this.stamp = new Int32Array(rec.tensors.length);
    this.scratch = new Array(rec.tensors.length);
    this.moves = new Array(rec.tensors.length);
    this.outputs = new Array(rec.tensors.length);
  }

  /** The projected output with every parameter t moved by h·dirs[t] (undefined: left as is). Nothing is written to the recording. */
  value(dirs: readonly (Direction | undefined)[], h: number): number {
    const plan = this.planFor(dirs);
    const gen = ++this.generation;
    const { steps } = this.rec;
    for (const s of plan.recompute) {
      const step = steps[s];
      const moved = step.op.movedForward;
      const only = step.inputs[0];
      // The first nonlinearity after the linear ops: its input is affine, x0 + h·Δ, and the op can
      // take y0 = f(x0) from the recording and the move h·Δ alone (registry.ts movedForward).
      this.fresh[step.out] =
        moved && step.inputs.length === 1 && plan.delta[only]
          ? this.movedOutput(plan, step, moved, h)
          : step.op.forward(step.inputs.map((x) => this.current(plan, x, h, gen)), step.attrs, noop);
      this.stamp[step.out] = gen;
    }
    return project(this.current(plan, this.rec.out, h, gen), this.rec.v);
  }

  /** A pointwise op's output at the moved input, from its recorded output and the move. */
  private movedOutput(plan: Plan, step: Recording['steps'][number], moved: NonNullable<OpDef['movedForward']>, h: number): Tensor {
    const x = step.inputs[0];
    const base = this.rec.tensors[x];
    const dx = (this.moves[x] ??= new Float64Array(base.size));
    shiftInto(plan.delta[x]!, h, dx);
    const y0 = this.rec.tensors[step.out];
    // Read only until the next evaluation, like every fresh tensor here: one buffer per step serves them all.
    const out = (this.outputs[step.out] ??= new Float64Array(y0.size));
    moved(base.data, y0.data, dx, out);
    return new Tensor(out, y0.shape);
  }

  /** A slot's value at this h: recomputed, affine (materialized), or as recorded. */
  private current(plan: Plan, slot: number, h: number, gen: number): Tensor {
    if (this.stamp[slot] === gen) return this.fresh[slot]!;
    const d = plan.delta[slot];
    const base = this.rec.tensors[slot];
    if (!d) return base;
    const out = (this.scratch[slot] ??= new Float64Array(base.size));
    shiftInto(d, h, out, base.data);
    const t = new Tensor(out, base.shape);
    this.fresh[slot] = t;
    this.stamp[slot] = gen;
    return t;
  }

  private planFor(dirs: readonly (Direction | undefined)[]): Plan {
    for (const cached of this.plans) if (cached.dirs.length === dirs.length && cached.dirs.every((d, i) => d === dirs[i])) return cached;
    const { steps, tensors, paramSlots } = this.rec;
    const delta: (Delta | undefined)[] = new Array(tensors.length);
    const reached = new Uint8Array(tensors.length);
    dirs.forEach((d, t) => {
      if (!d) return;
      const slot = paramSlots[t];
      delta[slot] = Delta.of(tensors[slot].shape, d);
      reached[slot] = 1;
    });
    const recompute: number[] = [];
    steps.forEach((step, s) => {
      if (!step.inputs.some((x) => reached[x])) return;
      reached[step.out] = 1;
      const d = this.linearDelta(step, delta, reached);
      if (d) delta[step.out] = d;
      else recompute.push(s);
    });
    const plan = { dirs: [...dirs], delta, recompute };
    if (this.plans.unshift(plan) > KEPT_PLANS) this.plans.pop();
    return plan;
  }

  /** Δ of a step's output when it is linear in its moved inputs (all of them affine), else undefined. */
  private linearDelta(step: Recording['steps'][number], delta: (Delta | undefined)[], reached: Uint8Array): Delta | undefined {
    const kind = linearityOf(step.op);
    if (!kind) return undefined;
    const moved = step.inputs.map((x) => (reached[x] ? delta[x] : undefined));
    if (step.inputs.some((x, i) => reached[x] && !moved[i])) return undefined; // a recomputed input: no longer affine
    const inputs = step.inputs.map((x) => this.rec.tensors[x]);
    const outShape = this.rec.tensors[step.out].shape;
    if (kind === 'joint') {
      const op = step.op.name;
      // add/sub of moved operands in the output's shape or along its rows (a bias): Δ is the sum
      // of theirs (the second negated for sub), kept as rank-one terms; a fixed operand adds nothing.
      if ((op === 'add' || op === 'sub') && outShape.length === 2) {
        const terms = sumOfTerms(moved, outShape, op === 'sub');
        if (terms) return new Delta(outShape, undefined, terms);
      }
      const only = moved.filter((d) => d).length === 1 ? moved.findIndex((d) => d) : -1;
      // A lone moved operand in the output's shape, added or the one subtracted from: Δ unchanged.
      if (only >= 0 && (op === 'add' || (op === 'sub' && only === 0)) && sameShape(moved[only]!.shape, outShape)) return moved[only]!;
      const args = inputs.map((x, i) => moved[i]?.tensor() ?? new Tensor(new Float64Array(x.size), x.shape.slice()));
      return new Delta(outShape, step.op.forward(args, step.attrs, noop).data);
    }
    const positions = moved.flatMap((d, i) => (d ? [i] : []));
    if (positions.length !== 1 || !kind.includes(positions[0])) return undefined;
    const i = positions[0];
    const d = moved[i]!;
    const [A, B] = inputs;
    const terms = d.terms;
    if (step.op.name === 'matmul' && terms && A.ndim === 2 && B.ndim === 2) {
      // X·(a bᵀ) = (X a) bᵀ and (a bᵀ)·Y = a (Yᵀ b)ᵀ, term by term.
      return new Delta(outShape, undefined, terms.map((f) => (i === 1 ? new RankOne(f.timesLeft(A), f.right) : new RankOne(f.left, f.rightTimes(B)))));
    }
    const args = inputs.map((x, k) => (k === i ? d.tensor() : x));
    return new Delta(outShape, step.op.forward(args, step.attrs, noop).data);
  }
}

/**
 * base + h·Δ into `out`, or h·Δ alone without a base, each entry as directions.ts addScaled moves
 * a real parameter: base + h·(left[i]·right[j]) for a rank-one Δ.
 */
function shiftInto(d: Delta, h: number, out: Float64Array, base?: Float64Array): void {
  const terms = d.terms;
  if (terms && terms.length === 1) {
    const { left, right } = terms[0];
    const n = right.length;
    for (let i = 0, o = 0; i < left.length; i++, o += n) {
      const l = left[i];
      if (base) for (let j = 0; j < n; j++) out[o + j] = base[o + j] + h * (l * right[j]);
      else for (let j = 0; j < n; j++) out[o + j] = h * (l * right[j]);
    }
    return;
  }
  if (terms && terms.length === 2) {
    // The first layer's weight and bias: each entry summed as Delta.dense sums it.
    const [{ left: l0, right: r0 }, { left: l1, right: r1 }] = terms;
    const n = r0.length;
    for (let i = 0, o = 0; i < l0.length; i++, o += n) {
      const a = l0[i];
      const b = l1[i];
      if (base) for (let j = 0; j < n; j++) out[o + j] = base[o + j] + h * (a * r0[j] + b * r1[j]);
      else for (let j = 0; j < n; j++) out[o + j] = h * (a * r0[j] + b * r1[j]);
    }
    return;
  }
  const dd = d.dense();
  if (base) for (let i = 0; i < out.length; i++) out[i] = base[i] + h * dd[i];
  else for (let i = 0; i < out.length; i++) out[i] = h * dd[i];
}

/**
 * The rank-one terms of Σ ±Δ over the moved operands of an add or sub with a 2-D output: each a
 * sum of terms in the output's shape, or a row vector broadcast down the rows (1·dᵀ). Undefined
 * when an operand is neither, or the terms would be more than MAX_TERMS.
 */
function sumOfTerms(moved: readonly (Delta | undefined)[], outShape: readonly number[], subtract: boolean): RankOne[] | undefined {
  const terms: RankOne[] = [];
  for (let i = 0; i < moved.length; i++) {
    const d = moved[i];
    if (!d) continue;
    const negate = subtract && i === 1;
    if (sameShape(d.shape, outShape) && d.terms) {
      for (const f of d.terms) terms.push(negate ? new RankOne(scaled(f.left, -1), f.right) : f);
    } else if (isRowVector(d.shape, outShape[1])) {
      terms.push(new RankOne(new Float64Array(outShape[0]).fill(negate ? -1 : 1), d.dense()));
    } else {
      return undefined;
    }
  }
  return terms.length > 0 && terms.length <= MAX_TERMS ? terms : undefined;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Shape [n] or [1, n]: broadcast along the rows of an [m, n] output. */
function isRowVector(shape: readonly number[], n: number): boolean {
  return (shape.length === 1 && shape[0] === n) || (shape.length === 2 && shape[0] === 1 && shape[1] === n);
}

function scaled(x: Float64Array, s: number): Float64Array {
  return x.map((v) => v * s);
}
