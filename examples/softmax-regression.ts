// Multinomial (softmax) regression: K logistic regressions side by side.
//
// Labels are classes y in {0, …, K-1}; the weights W in R^{K×d} hold one row w_k per class.
// The prediction is argmax_k w_kᵀx, and the loss is the cross-entropy
//
//     L(x, y, W) = -log( exp(w_yᵀx) / Σ_k exp(w_kᵀx) ).
//
// Computation graph: z_k = w_kᵀx (the logits), a_k = exp(z_k), L = -log(a_y / Σ_k a_k).
// Differentiating it by hand gives dL/dz = softmax(z) - onehot(y), so dL/dW = (softmax(z) - onehot(y)) xᵀ:
// "predicted probabilities minus the truth", the same shape of answer as logistic regression.
import { defineModel, F, randint, randn, Tensor, tensor } from 'gradlens';

const batch = 8;
const features = 5; // d
const classes = 3; // K

/** Row i is e_{labels[i]}: the "truth" the softmax is compared with. Labels are data, so plain code is fine. */
function oneHot(labels: Tensor, k: number): Tensor {
  const rows = Array.from(labels.data, (c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));
  return tensor(rows);
}

export const softmaxRegression = defineModel({
  inputs: {
    X: randn([batch, features], { seed: 1 }),
    y: randint([batch], classes, { seed: 3 }), // whole numbers 0..K-1
  },
  params: {
    W: randn([classes, features], { seed: 4, scale: 0.5 }), // row k is w_k
  },

  forward({ X, y }, { W }) {
    const logits = F.matmul(X, F.transpose(W)); // z[i, k] = w_kᵀx_i, shape [batch, K]
    return F.crossEntropy(logits, y); // averaged over the batch
  },

  // The hand-derived gradient: (softmax(z) - onehot(y))ᵀ X, averaged over the batch.
  backward({ X, y }, { W }) {
    const logits = F.matmul(X, F.transpose(W));
    const dLogits = F.div(F.sub(F.softmax(logits, -1), oneHot(y, classes)), batch); // [batch, K]
    return { W: F.matmul(F.transpose(dLogits), X) }; // [K, d], like W
  },
});
