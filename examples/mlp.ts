// A two-layer perceptron (MLP) with a sigmoid, and the lecture's manual backward.
//
// Feed the activations of one multinomial regression into another one:
//
//     z1 = W1 x       W1 in R^{n×d}   (first linear layer)
//     a1 = σ(z1)                      (the nonlinearity: without it the two layers collapse into one linear model)
//     z2 = W2 a1      W2 in R^{K×n}   (second linear layer: the logits)
//     L  = cross-entropy(softmax(z2), y)
//
// Backward is the chain rule walked from the loss to the weights, with each derivative from the
// table substituted in (δ is dL/d·):
//
//     δz2 = softmax(z2) - onehot(y)         softmax + cross-entropy
//     δW2 = δz2 a1ᵀ                          dL/dW of z = W a is δz aᵀ
//     δa1 = W2ᵀ δz2                          dL/da of z = W a is Wᵀ δz
//     δz1 = δa1 ⊙ σ(z1)(1 - σ(z1))           the sigmoid's Jacobian is diag(σ(1 - σ))
//     δW1 = δz1 xᵀ
//
// With a batch, the objects are rows: Z1 = X W1ᵀ, and the sums over objects become matrix products.
import { defineModel, F, randint, randn, Tensor, tensor } from 'gradlens';

const batch = 8;
const features = 5; // d
const hidden = 4; // n
const classes = 3; // K

function oneHot(labels: Tensor, k: number): Tensor {
  return tensor(Array.from(labels.data, (c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))));
}

export const mlp = defineModel({
  inputs: {
    X: randn([batch, features], { seed: 1 }),
    y: randint([batch], classes, { seed: 3 }),
  },
  params: {
    W1: randn([hidden, features], { seed: 4, scale: 0.5 }),
    W2: randn([classes, hidden], { seed: 5, scale: 0.5 }),
  },

  forward({ X, y }, { W1, W2 }) {
    const z1 = F.matmul(X, F.transpose(W1)); // [batch, n]
    const a1 = F.sigmoid(z1);
    const z2 = F.matmul(a1, F.transpose(W2)); // [batch, K]
    return F.crossEntropy(z2, y);
  },

  backward({ X, y }, { W1, W2 }) {
    // Forward again, keeping the intermediates that backward needs.
    const a1 = F.sigmoid(F.matmul(X, F.transpose(W1)));
    const z2 = F.matmul(a1, F.transpose(W2));

    const dz2 = F.div(F.sub(F.softmax(z2), oneHot(y, classes)), batch); // the loss is a mean
    const dW2 = F.matmul(F.transpose(dz2), a1); // [K, n]
    const da1 = F.matmul(dz2, W2); // [batch, n]
    const dz1 = F.mul(da1, F.mul(a1, F.sub(1, a1))); // σ'(z1) = σ(z1)(1 - σ(z1)) = a1(1 - a1)
    const dW1 = F.matmul(F.transpose(dz1), X); // [n, d]
    return { W1: dW1, W2: dW2 };
  },
});
