// One op's second-order check, PyTorch's gradgradcheck: the op's VJP, taken as a function
// (inputs, dy) ↦ input gradients, has its Jacobian compared twice, once by double backward (the
// recorded backward differentiated again) and once by central differences of the plain first-order
// backward. Projected on a random cotangent u of the VJP's outputs, so one double backward gives
// uᵀJ for every input and dy element, and each element's central difference is one more pair of
// first-order backwards. The registry-wide test and the checker's order-2 localisation use it.
import { grad } from '../engine/autograd';
import { add, mul } from '../engine/ops/arithmetic';
import { sum } from '../engine/ops/reduce';
import { Rng } from '../engine/random';
import { type OpDef, apply } from '../engine/registry';
import { Tensor, unravel } from '../engine/tensor';

export interface GradGradTolerance {
  eps: number;
  atol: number;
  rtol: number;
}

/** PyTorch's gradgradcheck defaults. */
export const gradgradDefaults: GradGradTolerance = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };

export interface GradGradWorst {
  /** Which argument of (inputs…, dy): an input's position, or `inputs.length` for dy. */
  input: number;
  index: number[];
  analytic: number;
  numeric: number;
}

export interface GradGradResult {
  passed: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The element furthest outside the tolerance (or nearest to it, when all pass). */
  worst: GradGradWorst | null;
  /** Elements compared over the inputs and dy. */
  checked: number;
  error?: string;
}

/**
 * Checks the second-order rule of `def` at `xs`: `differentiable[i]` says which inputs have a
 * gradient (labels and indices do not). The tensors in `xs` are not changed.
 */
export function gradgradcheckOp(
  def: OpDef<any>,
  xs: readonly Tensor[],
  attrs: unknown,
  differentiable: readonly boolean[],
  seed = 0,
  tol: GradGradTolerance = gradgradDefaults,
  maxElements = Infinity,
): GradGradResult {
  const rng = new Rng(seed);
  const diff = xs.map((_, i) => i).filter((i) => differentiable[i]);
  const leaves = xs.map((x, i) => new Tensor(Float64Array.from(x.data), x.shape.slice(), differentiable[i]));
  try {
    const y = apply(def, leaves, attrs);
    const dy = new Tensor(randomData(y.size, rng), y.shape.slice(), true);
    const u = diff.map((i) => new Tensor(randomData(xs[i].size, rng), xs[i].shape.slice()));
    const project = (gs: Tensor[]): number => gs.reduce((s, g, k) => s + dotData(g.data, u[k].data), 0);

    // Double backward: d⟨VJP(x, dy), u⟩ / d(x, dy).
    const gs = grad(y, diff.map((i) => leaves[i]), dy, { createGraph: true });
    const inner = gs.map((g, k) => sum(mul(g, u[k]))).reduce((a, b) => add(a, b));
    const targets = [...diff.map((i) => leaves[i]), dy];
    const analytic = grad(inner, targets);

    // Central differences of the first-order backward, element by element.
    const firstOrder = (): number => {
      const out = apply(def, leaves, attrs);
      return project(grad(out, diff.map((i) => leaves[i]), dy));
    };
    let worst: (GradGradWorst & { ratio: number }) | null = null;
    let maxAbs = 0;
    let maxRel = 0;
    let checked = 0;
    // Above maxElements, a seeded random share of the elements (each kept with the same chance).
    const total = targets.reduce((s, t) => s + t.size, 0);
    const share = Math.min(1, maxElements / total);
    targets.forEach((t, k) => {
      for (let j = 0; j < t.size; j++) {
        if (share < 1 && rng.next() >= share) continue;
        const keep = t.data[j];
        t.data[j] = keep + tol.eps;
        const plus = firstOrder();
        t.data[j] = keep - tol.eps;
        const minus = firstOrder();
        t.data[j] = keep;
        const numeric = (plus - minus) / (2 * tol.eps);
        const a = analytic[k].data[j];
        const abs = Math.abs(a - numeric);
        const ratio = Number.isNaN(abs) ? Infinity : abs / (tol.atol + tol.rtol * Math.abs(numeric));
        maxAbs = Math.max(maxAbs, abs);
        maxRel = Math.max(maxRel, abs / Math.max(Math.abs(numeric), 1e-300));
        checked++;
        if (!worst || ratio > worst.ratio) {
          worst = { input: k < diff.length ? diff[k] : xs.length, index: unravel(j, t.shape), analytic: a, numeric, ratio };
        }
      }
    });
    const w = worst as (GradGradWorst & { ratio: number }) | null;
    const passed = !w || w.ratio <= 1;
    return { passed, maxAbsError: maxAbs, maxRelError: maxRel, worst: w && { input: w.input, index: w.index, analytic: w.analytic, numeric: w.numeric }, checked };
  } catch (e) {
    return { passed: false, maxAbsError: NaN, maxRelError: NaN, worst: null, checked: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

function randomData(n: number, rng: Rng): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.uniform(-1, 1);
  return d;
}

function dotData(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
