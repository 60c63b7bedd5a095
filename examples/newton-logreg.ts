// Newton's method for the lecture's logistic regression, with the Hessian derived by hand.
//
// The loss is the mean logloss over N objects (y_i ∈ {−1, +1}, σ(z) = 1 / (1 + e^{−z})):
//
//     Q(w) = (1/N) Σ_i −log σ(y_i wᵀx_i).
//
// Its gradient, from logreg.ts, is ∇Q = (1/N) Σ_i −y_i x_i (1 − σ(y_i wᵀx_i)). Differentiating
// once more: d/dw (1 − σ(y wᵀx)) = −σ(1 − σ) y x, and y² = 1, so
//
//     H = ∇²Q = (1/N) Xᵀ diag(σ(Xw) ⊙ (1 − σ(Xw))) X,
//
// using σ(−z)(1 − σ(−z)) = σ(z)(1 − σ(z)). H is positive semi-definite: Q is convex, and Newton's
// step w ← w − H⁻¹ ∇Q converges in a handful of iterations.
//
// `hessian` gives H·v for a direction v. `gradlens check examples/newton-logreg.ts --order 2`
// compares it with central differences of the gradient along a random v, checks autograd's own
// double backward (hvp) the same way, and the hand-written `backward` by its derivative.
import { defineModel, F, hvp, randn, signs, tensor, type Tensor } from 'gradlens';

const batch = 16;
const features = 3;

const X = randn([batch, features], { seed: 21 });
const y = signs([batch], { seed: 22 });

/** The hand-derived Hessian (1/N) Xᵀ diag(σ(1−σ)) X as a matrix, for the Newton step. */
function hessianMatrix(X: Tensor, w: Tensor): Tensor {
  const s = F.sigmoid(F.matmul(X, w)); // σ(x_iᵀw), shape [batch]
  const weights = F.reshape(F.mul(s, F.sub(1, s)), [batch, 1]); // σ(1 − σ), one per row
  return F.div(F.matmul(F.transpose(X), F.mul(weights, X)), batch); // [features, features]
}

/** The lecture's gradient −y x (1 − σ(y wᵀx)), averaged over the batch. */
function gradient(X: Tensor, y: Tensor, w: Tensor): Tensor {
  const coef = F.mul(F.neg(y), F.sub(1, F.sigmoid(F.mul(y, F.matmul(X, w)))));
  return F.mean(F.mul(F.reshape(coef, [batch, 1]), X), 0);
}

/** A few Newton steps from w: w ← w − H⁻¹ ∇Q. */
export function newton(w: Tensor, steps: number): Tensor {
  for (let k = 0; k < steps; k++) {
    const step = F.matmul(F.inv(hessianMatrix(X, w)), gradient(X, y, w));
    w = F.sub(w, step);
  }
  return w;
}

export const newtonLogreg = defineModel({
  inputs: { X, y },
  params: { w: randn([features], { seed: 23, scale: 0.5 }) },

  forward({ X, y }, { w }) {
    return F.logloss(F.matmul(X, w), y);
  },

  backward({ X, y }, { w }) {
    return { w: gradient(X, y, w) };
  },

  // H·v with the hand-derived H.
  hessian({ X }, { w }, { w: v }) {
    return { w: F.matmul(hessianMatrix(X, w), v) };
  },
});

/** The hand-derived H against autograd's hvp, column by column: the largest difference. */
export function hessianAgreement(w: Tensor): number {
  const leaf = w.detach().requireGrad();
  const H = hessianMatrix(X, leaf.detach());
  let worst = 0;
  for (let j = 0; j < features; j++) {
    const e = tensor(Array.from({ length: features }, (_, i) => (i === j ? 1 : 0))); // the j-th axis
    const [column] = hvp(F.logloss(F.matmul(X, leaf), y), [leaf], [e]);
    for (let i = 0; i < features; i++) worst = Math.max(worst, Math.abs(column.data[i] - H.data[i * features + j]));
  }
  return worst;
}
