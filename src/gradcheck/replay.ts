// Incremental re-evaluation of a recorded forward, for the element-by-element sweep. A full check
// moves one parameter element at a time, and a real forward recomputes the whole model for each
// move. Here the forward's op applications are recorded once; a moved element then recomputes only
// the ops downstream of its parameter, and where the registry says how (OpDef.incremental), only
// the output elements that the move reaches: a pointwise op the moved positions, a broadcasting op
// the positions its changed operand feeds, a matrix product a rank-one update of a row or column.
// What changes is patched into the recorded tensors in place and restored exactly afterwards.
// Moves of whole tensors along directions (the fast probes, the Taylor test) go through shifts.ts.
//
// A recording stands for the model only when the forward is a fixed composition of registry ops.
// A forward that reads `.data` or branches on values is not; the checker compares the replay with
// the real forward at a moved point (model.ts replayCheck) and falls back to real forwards when
// they disagree.
import { withOpObserver } from '../engine/autograd';
import { broadcastIndex } from '../engine/broadcast';
import type { OpDef } from '../engine/registry';
import { Tensor } from '../engine/tensor';
import { project } from './objective';
import type { Direction } from './directions';
import { type Recording, ShiftedEvaluator } from './shifts';

interface Step {
  op: OpDef<any>;
  attrs: unknown;
  inputs: number[];
  out: number;
  /** Scratch for patching: a mark per output element (or row/column), and broadcast maps. */
  marks?: Int32Array;
  maps?: (Int32Array | null)[];
  feeds?: ({ start: Int32Array; list: Int32Array } | undefined)[];
  /**
   * Buffers of the output's size for one patch (a step is patched at most once per evaluation, and
   * everything is restored before the next): allocating small typed arrays per evaluation would
   * cost more than the arithmetic they hold.
   */
  scratch?: { idx: Int32Array; old: Float64Array; a: Float64Array; b: Float64Array };
}

function scratchOf(step: Step, size: number): NonNullable<Step['scratch']> {
  return (step.scratch ??= { idx: new Int32Array(size), old: new Float64Array(size), a: new Float64Array(size), b: new Float64Array(size) });
}

/** One op application, as an OpObserver sees it. */
export interface OpRecord {
  op: OpDef<any>;
  inputs: readonly Tensor[];
  out: Tensor;
  attrs: unknown;
}

/** Per changed tensor: which flat elements moved and their recorded values before the move. */
interface Change {
  idx: Int32Array;
  old: Float64Array;
}

const noop = (): void => {};

/** Above this share of a tensor's elements, recomputing the op whole is cheaper than patching. */
const PATCH_SHARE = 0.25;

export class Replay implements Recording {
  readonly steps: Step[] = [];
  /** Every tensor the recording touches, by slot: leaves (params, data, constants) and op outputs. */
  readonly tensors: Tensor[] = [];
  readonly out: number;
  readonly paramSlots: number[];
  // What only the element-by-element sweep (valueAt) and value() use is made at their first call:
  // a fast check evaluates through shifts.ts alone and would build it for nothing.
  /** Per parameter, the steps that depend on it, in execution order. */
  private cones: number[][] | undefined;
  // Per evaluation, by slot; `stamp` tells which entries belong to the current evaluation.
  private stamp!: Int32Array;
  private fresh!: (Tensor | undefined)[];
  private change!: (Change | undefined)[];
  private generation = 0;
  private readonly undo: { data: Float64Array; idx: Int32Array; old: Float64Array }[] = [];
  private markGeneration = 0;
  /** Per parameter, the one-element change record valueAt reuses. */
  private moved: (Change | undefined)[] | undefined;

  private constructor(
    records: readonly OpRecord[],
    output: Tensor,
    private readonly params: readonly Tensor[],
    readonly v: Float64Array,
  ) {
    const slotOf = new Map<Tensor, number>();
    const slot = (t: Tensor): number => {
      let s = slotOf.get(t);
      if (s === undefined) {
        s = this.tensors.length;
        this.tensors.push(t);
        slotOf.set(t, s);
      }
      return s;
    };
    this.paramSlots = params.map(slot);
    for (const r of records) {
      const inputs = r.inputs.map(slot);
      // An op that hands back an existing tensor would alias a slot; such a forward is not replayed.
      if (slotOf.has(r.out)) throw new Error('an op returned a tensor it was given');
      this.steps.push({ op: r.op, attrs: r.attrs, inputs, out: slot(r.out) });
    }
    this.out = slot(output);
  }

  /** The per-evaluation tables, made at the first valueAt or value(). */
  private ready(): void {
    if (this.stamp) return;
    const n = this.tensors.length;
    this.stamp = new Int32Array(n);
    this.fresh = new Array(n);
    this.change = new Array(n);
  }

  /** The steps that depend on parameter t, in execution order (made once per parameter, when first moved). */
  private coneOf(t: number): number[] {
    const cones = (this.cones ??= new Array(this.params.length));
    let cone = cones[t];
    if (cone) return cone;
    const reached = new Uint8Array(this.tensors.length);
    reached[this.paramSlots[t]] = 1;
    cone = [];
    for (let i = 0; i < this.steps.length; i++) {
      const s = this.steps[i];
      let hit = false;
      for (const x of s.inputs) if (reached[x]) hit = true;
      if (hit) {
        reached[s.out] = 1;
        cone.push(i);
      }
    }
    return (cones[t] = cone);
  }

  /**
   * Runs `forward` once, recording every op application; undefined when the output is not the
   * result of a recorded op (a forward that returns a parameter, or builds its output from raw data).
   */
  static record(forward: () => Tensor, params: readonly Tensor[], v: Float64Array): { replay?: Replay; output: Tensor } {
    const records: OpRecord[] = [];
    const output = withOpObserver((op, inputs, out, attrs) => records.push({ op, inputs, out, attrs }), forward);
    return { replay: Replay.of(records, output, params, v), output };
  }

  /** A replay of op applications an observer saw (undefined as for `record`). */
  static of(records: readonly OpRecord[], output: Tensor, params: readonly Tensor[], v: Float64Array): Replay | undefined {
    if (!records.some((r) => r.out === output) || output.size !== v.length) return undefined;
    try {
      return new Replay(records, output, params, v);
    } catch {
      return undefined;
    }
  }

  /** The projected output with element k of parameter t set to `value`; everything is restored after. */
  valueAt(t: number, k: number, value: number): number {
    this.ready();
    const cone = this.coneOf(t);
    const gen = ++this.generation;
    const p = this.params[t];
    const old = p.data[k];
    p.data[k] = value;
    const ps = this.paramSlots[t];
    this.stamp[ps] = gen;
    this.fresh[ps] = undefined;
    const moved = ((this.moved ??= new Array(this.params.length))[t] ??= { idx: new Int32Array(1), old: new Float64Array(1) });
    moved.idx[0] = k;
    moved.old[0] = old;
    this.change[ps] = moved;
    try {
      for (const s of cone) this.run(this.steps[s], gen);
      return project(this.current(this.out, gen), this.v);
    } finally {
      for (let i = this.undo.length - 1; i >= 0; i--) {
        const u = this.undo[i];
        for (let j = 0; j < u.idx.length; j++) u.data[u.idx[j]] = u.old[j];
      }
      this.undo.length = 0;
      p.data[k] = old;
    }
  }

  /**
   * The projected output with parameters moved by h·dirs[t] (undefined: not moved), recomputing only
   * what is not linear in the move (shifts.ts); the recording is left as it is.
   */
  valueShifted(dirs: readonly (Direction | undefined)[], h: number): number {
    return (this.shifted ??= new ShiftedEvaluator(this)).value(dirs, h);
  }

  private shifted: ShiftedEvaluator | undefined;

  /** The projected output recomputed op by op from the tensors' current values (no user code runs). */
  value(): number {
    this.ready();
    const gen = ++this.generation;
    for (const step of this.steps) this.recompute(step, gen);
    return project(this.current(this.out, gen), this.v);
  }

  private current(slot: number, gen: number): Tensor {
    return (this.stamp[slot] === gen && this.fresh[slot]) || this.tensors[slot];
  }

  private run(step: Step, gen: number): void {
    let freshInput = false;
    for (const x of step.inputs) if (this.stamp[x] === gen && this.fresh[x]) freshInput = true;
    const kind = step.op.incremental;
    if (!freshInput && kind && this.patch(step, kind, gen)) return;
    this.recompute(step, gen);
  }

  private recompute(step: Step, gen: number): void {
    const inputs = step.inputs.map((x) => this.current(x, gen));
    this.stamp[step.out] = gen;
    this.fresh[step.out] = step.op.forward(inputs, step.attrs, noop);
    this.change[step.out] = undefined;
  }

  /** Patches the recorded output in place; false when the op is better recomputed whole. */
  private patch(step: Step, kind: NonNullable<OpDef['incremental']>, gen: number): boolean {
    const changed = step.inputs.map((x) => (this.stamp[x] === gen ? this.change[x] : undefined));
    const out = this.tensors[step.out];
    if (kind === 'pointwise') return this.patchPointwise(step, changed[0], out, gen);
    if (kind === 'broadcast') return this.patchBroadcast(step, changed, out, gen);
    return this.patchMatmul(step, changed, out, gen);
  }

  private patchPointwise(step: Step, c: Change | undefined, out: Tensor, gen: number): boolean {
    if (!c || c.idx.length > PATCH_SHARE * out.size) return false;
    const x = this.tensors[step.inputs[0]];
    const sc = scratchOf(step, out.size);
    const xs = sc.a.subarray(0, c.idx.length);
    for (let j = 0; j < xs.length; j++) xs[j] = x.data[c.idx[j]];
    const vals = step.op.forward([new Tensor(xs, [xs.length])], step.attrs, noop).data;
    this.write(step, out, c.idx, vals, gen);
    return true;
  }

  private patchBroadcast(step: Step, changed: (Change | undefined)[], out: Tensor, gen: number): boolean {
    const [a, b] = step.inputs.map((x) => this.tensors[x]);
    const maps = (step.maps ??= [broadcastIndex(a.shape, out.shape), broadcastIndex(b.shape, out.shape)]);
    const limit = PATCH_SHARE * out.size;
    // An upper bound on the output elements reached, before any work: most rejections end here.
    let bound = 0;
    for (let i = 0; i < 2; i++) {
      const c = changed[i];
      if (c) bound += maps[i] ? c.idx.length * (out.size / this.tensors[step.inputs[i]].size) : c.idx.length;
    }
    if (bound > limit) return false;
    const marks = this.marksFor(step, out.size);
    const mark = ++this.markGeneration;
    const sc = scratchOf(step, out.size);
    const reached = sc.idx;
    let count = 0;
    for (let i = 0; i < 2; i++) {
      const c = changed[i];
      if (!c) continue;
      const map = maps[i];
      const feeds = map ? feedsOf(step, i, map, this.tensors[step.inputs[i]].size) : undefined;
      for (const q of c.idx) {
        const lo = feeds ? feeds.start[q] : 0;
        const hi = feeds ? feeds.start[q + 1] : 1;
        for (let j = lo; j < hi; j++) {
          const o = feeds ? feeds.list[j] : q;
          if (marks[o] !== mark) {
            marks[o] = mark;
            reached[count++] = o;
          }
        }
      }
    }
    const idx = reached.subarray(0, count);
    const at = (x: Tensor, map: Int32Array | null, buf: Float64Array): Tensor => {
      const vals = buf.subarray(0, count);
      for (let j = 0; j < count; j++) vals[j] = x.data[map ? map[idx[j]] : idx[j]];
      return new Tensor(vals, [count]);
    };
    const vals = step.op.forward([at(a, maps[0], sc.a), at(b, maps[1], sc.b)], step.attrs, noop).data;
    this.write(step, out, idx, vals, gen);
    return true;
  }

  private marksFor(step: Step, size: number): Int32Array {
    return (step.marks ??= new Int32Array(size));
  }

  /** A rank-|S| update of the product when one operand moved in a few elements (2-D and 1-D operands). */
  private patchMatmul(step: Step, changed: (Change | undefined)[], out: Tensor, gen: number): boolean {
    const [A, B] = step.inputs.map((x) => this.tensors[x]);
    if (A.ndim > 2 || B.ndim > 2 || A.ndim === 0 || B.ndim === 0 || (changed[0] && changed[1])) return false;
    const M = A.ndim === 2 ? A.shape[0] : 1;
    const K = A.shape[A.ndim - 1];
    const N = B.ndim === 2 ? B.shape[1] : 1;
    const c = changed[0] ?? changed[1];
    if (!c) return false;
    const rows = changed[0] !== undefined;
    // Patching costs |S| rows or columns of the output; a whole product costs M·K·N.
    if (c.idx.length > PATCH_SHARE * (rows ? M * K : K * N)) return false;
    // The rows (A moved) or columns (B moved) of the output that the moved elements reach.
    const marks = this.marksFor(step, Math.max(M, N));
    const mark = ++this.markGeneration;
    const lines: number[] = [];
    for (const q of c.idx) {
      const line = rows ? (q / K) | 0 : q % N;
      if (marks[line] !== mark) {
        marks[line] = mark;
        lines.push(line);
      }
    }
    const idx = scratchOf(step, out.size).idx.subarray(0, lines.length * (rows ? N : M));
    let w = 0;
    for (const line of lines) {
      if (rows) for (let j = 0; j < N; j++) idx[w++] = line * N + j;
      else for (let i = 0; i < M; i++) idx[w++] = i * N + line;
    }
    this.saveUndo(step, out, idx);
    const a = A.data;
    const b = B.data;
    const o = out.data;
    const moved = c.idx;
    for (let s = 0; s < moved.length; s++) {
      const q = moved[s];
      if (rows) {
        const delta = a[q] - c.old[s];
        const i = (q / K) | 0;
        const l = q - i * K;
        for (let j = 0, oi = i * N, bl = l * N; j < N; j++) o[oi + j] += delta * b[bl + j];
      } else {
        const delta = b[q] - c.old[s];
        const l = (q / N) | 0;
        const j = q - l * N;
        for (let i = 0; i < M; i++) o[i * N + j] += a[i * K + l] * delta;
      }
    }
    this.mark(step.out, idx, gen);
    return true;
  }

  private write(step: Step, out: Tensor, idx: Int32Array, vals: ArrayLike<number>, gen: number): void {
    this.saveUndo(step, out, idx);
    for (let j = 0; j < idx.length; j++) out.data[idx[j]] = vals[j];
    this.mark(step.out, idx, gen);
  }

  private saveUndo(step: Step, out: Tensor, idx: Int32Array): void {
    const old = scratchOf(step, out.size).old.subarray(0, idx.length);
    for (let j = 0; j < idx.length; j++) old[j] = out.data[idx[j]];
    this.undo.push({ data: out.data, idx, old });
  }

  private mark(slot: number, idx: Int32Array, gen: number): void {
    this.stamp[slot] = gen;
    this.fresh[slot] = undefined;
    this.change[slot] = { idx, old: this.undo[this.undo.length - 1].old };
  }
}

/** For each input element, the output elements it feeds under broadcasting (CSR), built once per step. */
function feedsOf(step: Step, input: number, map: Int32Array, inSize: number): { start: Int32Array; list: Int32Array } {
  const feeds = (step.feeds ??= []);
  let f = feeds[input];
  if (!f) {
    const start = new Int32Array(inSize + 1);
    for (const q of map) start[q + 1]++;
    for (let q = 0; q < inSize; q++) start[q + 1] += start[q];
    const fill = start.slice(0, inSize);
    const list = new Int32Array(map.length);
    map.forEach((q, o) => (list[fill[q]++] = o));
    feeds[input] = f = { start, list };
  }
  return f;
}
