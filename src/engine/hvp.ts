// Hessian-vector products by double backward (Pearlmutter's trick): H v = ∇⟨∇L, v⟩. The first
// backward is recorded (createGraph), the inner product with v is taken with registry ops, and a
// second backward differentiates it; H itself is never formed.
import { type GradOptions, grad } from './autograd';
import { add, mul } from './ops/arithmetic';
import { sum } from './ops/reduce';
import { GradlensError, Tensor, fmtShape } from './tensor';

/**
 * H·v for a scalar `loss` of `params`, one tensor per parameter (each of that parameter's shape).
 * `createGraph` records the second backward too, for third-order uses.
 */
export function hvp(loss: Tensor, params: readonly Tensor[], v: readonly Tensor[], options?: GradOptions): Tensor[] {
  if (!(loss instanceof Tensor) || loss.size !== 1) {
    throw new GradlensError('hvp', `the loss must be a scalar tensor${loss instanceof Tensor ? `, got shape ${fmtShape(loss.shape)}` : ''}`);
  }
  if (!Array.isArray(params) || !Array.isArray(v) || params.length !== v.length) {
    throw new GradlensError('hvp', 'expects an array of parameters and an array of directions v, one per parameter');
  }
  params.forEach((p, i) => {
    if (!(p instanceof Tensor) || !(v[i] instanceof Tensor)) throw new GradlensError('hvp', `parameter ${i} and its direction must both be tensors`);
    if (p.size !== v[i].size) throw new GradlensError('hvp', `direction ${i} has shape ${fmtShape(v[i].shape)}, but its parameter has shape ${fmtShape(p.shape)}`);
  });
  const gs = grad(loss, params, undefined, { createGraph: true });
  const inner = gs.map((g, i) => sum(mul(g, v[i].detach()))).reduce((a, b) => add(a, b));
  return grad(inner, params, undefined, options);
}
