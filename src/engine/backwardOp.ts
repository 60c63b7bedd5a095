// Backward ops: the raw kernel a fast VJP runs, made a registry op of its own, as PyTorch does with
// convolution_backward. First order calls the kernel exactly as a plain-loop VJP would (the tape
// is off, so nothing is recorded); a recorded backward (grad's createGraph) records the op, and its
// own VJPs come from `composite`, the same function written with registry ops, differentiated by
// autograd (autograd.ts: vjpThrough). So a backward op is differentiable to any order, and the
// second-order rule is never written by hand. Its spec's reference is the composite too, so the
// registry's forward test checks that the kernel and the composite agree.
import { noGrad, vjpThrough } from './autograd';
import { type DerivativeRule, type OpDef, type OpTestCase, type OpTestSpec, type Vjp, registerOp } from './registry';
import { Tensor } from './tensor';

export interface BackwardOpSpec<A> {
  name: string;
  /** The op (or ops) whose VJP this is; the derivative table groups it there. */
  backwardOf: string;
  inputs: readonly string[];
  /** Which inputs have a gradient (indices and saved integer data do not). */
  differentiable: readonly boolean[];
  summary: string;
  /** The fast kernel on plain data. */
  kernel(xs: readonly Tensor[], attrs: A): Tensor;
  /** The same function built from registry ops only: it gives the VJPs and the test reference. */
  composite?(xs: readonly Tensor[], attrs: A): Tensor;
  /**
   * VJPs built from registry ops, for a kernel that no composite can express (a scatter is the
   * primitive itself): one per input, null where `differentiable` is false.
   */
  vjp?: readonly (Vjp<A> | null)[];
  /** A plain-loop reference, where there is no composite. */
  reference?: OpTestSpec<A>['reference'];
  latex: DerivativeRule;
  cases: OpTestCase<A>[];
  tol?: number;
}

export function registerBackwardOp<A>(spec: BackwardOpSpec<A>): OpDef<A> {
  if (!spec.composite && !(spec.vjp && spec.reference)) throw new Error(`backward op ${spec.name}: needs a composite, or VJPs and a reference`);
  // One composite VJP serves every input: it is computed once per (output, upstream gradient).
  const cache = new WeakMap<Tensor, { g: Tensor; grads: Tensor[] }>();
  const composite = spec.composite;
  const vjpOf = (i: number): Vjp<A> => (g, { inputs, out, attrs }) => {
    let hit = cache.get(out);
    if (!hit || hit.g !== g) {
      hit = { g, grads: vjpThrough((zs) => composite!(zs, attrs), inputs, g) };
      cache.set(out, hit);
    }
    return hit.grads[i];
  };
  return registerOp<A>({
    name: spec.name,
    family: 'backward',
    backwardOf: spec.backwardOf,
    inputs: spec.inputs,
    summary: spec.summary,
    forward: (xs, attrs) => spec.kernel(xs, attrs),
    vjp: spec.vjp ?? spec.differentiable.map((d, i) => (d ? vjpOf(i) : null)),
    latex: spec.latex,
    test: {
      cases: spec.cases,
      tol: spec.tol,
      reference: spec.reference ?? ((xs, attrs) => {
        const y = noGrad(() => composite!(xs.map((x) => new Tensor(Float64Array.from(x.data), x.shape.slice())), attrs));
        return { data: y.data, shape: y.shape };
      }),
    },
  });
}
