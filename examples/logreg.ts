// Logistic regression, the lecture's first model.
//
// Data {x_i, y_i}: x_i in R^d are the features, y_i in {-1, +1} the class. The classifier is
// sign(wᵀx), and it is trained by minimising the logloss
//
//     L(x, y, w) = -log σ(y wᵀx),      σ(z) = 1 / (1 + exp(-z)).
//
// Its computation graph: z = wᵀx (the logit), a = σ(y z) (the probability of the true class),
// L = -log a. The chain rule gives the gradient the lecture derives by hand:
//
//     dL/dw = d(y wᵀx)/dw · dσ/dz · d(-log σ)/dσ
//           = y x · σ(1 - σ) · (-1/σ)
//           = -y x (1 - σ(y wᵀx)).
//
// `forward` lets autograd differentiate the loss; `backward` is that formula, written out.
// The checker compares both with central differences.
import { defineModel, F, randn, signs } from 'gradlens';

const batch = 8; // objects
const features = 5; // d

export const logreg = defineModel({
  inputs: {
    X: randn([batch, features], { seed: 1 }), // one object per row
    y: signs([batch], { seed: 2 }), // labels in {-1, +1}
  },
  params: {
    w: randn([features], { seed: 4, scale: 0.5 }),
  },

  // Q = mean_i L(x_i, y_i, w): F.logloss(scores, y) is -log σ(y·s), averaged over the batch.
  forward({ X, y }, { w }) {
    const scores = F.matmul(X, w); // z_i = wᵀx_i, shape [batch]
    return F.logloss(scores, y);
  },

  // The lecture's gradient, -y x (1 - σ(y wᵀx)), one row per object, averaged over the batch.
  backward({ X, y }, { w }) {
    const margin = F.mul(y, F.matmul(X, w)); // y_i wᵀx_i, shape [batch]
    const coef = F.mul(F.neg(y), F.sub(1, F.sigmoid(margin))); // -y_i (1 - σ(y_i wᵀx_i))
    const perObject = F.mul(F.reshape(coef, [batch, 1]), X); // row i: -y_i x_i (1 - σ)
    return { w: F.mean(perObject, 0) }; // shape [features], like w
  },
});
