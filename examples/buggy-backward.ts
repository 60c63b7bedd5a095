// A hand-written backward with a realistic mistake. THIS EXAMPLE FAILS ON PURPOSE.
//
// It is the two-layer MLP of mlp.ts (z1 = W1 x, a1 = σ(z1), z2 = W2 a1, softmax cross-entropy),
// but its manual backward gets the sigmoid's derivative wrong: it multiplies δa1 by σ(z1) = a1,
// where σ'(z1) = σ(z1)(1 − σ(z1)) = a1(1 − a1) belongs. This slip is common: "the derivative of
// the sigmoid is the sigmoid times something" is easy to half-remember.
//
// What the checker shows:
//   - autograd's gradient (from `forward`) passes: the model itself is fine;
//   - the manual gradient of W2 passes: δW2 only needs δz2 and a1, which are right;
//   - the manual gradient of W1 fails, with its worst element and the analytic vs numeric values.
//     The checker also points at the line marked BUG below: the first op of the backward whose
//     inputs are right (δa1 and a1) but whose result is not. Multiply by `F.mul(a1, F.sub(1, a1))`
//     instead of `a1` to fix it.
import { defineModel, F, randint, randn, Tensor, tensor } from 'gradlens';

const batch = 8;
const features = 5; // d
const hidden = 4; // n
const classes = 3; // K

function oneHot(labels: Tensor, k: number): Tensor {
  return tensor(Array.from(labels.data, (c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))));
}

export const buggyMlp = defineModel({
  inputs: {
    X: randn([batch, features], { seed: 1 }),
    y: randint([batch], classes, { seed: 3 }),
  },
  params: {
    W1: randn([hidden, features], { seed: 4, scale: 0.5 }),
    W2: randn([classes, hidden], { seed: 5, scale: 0.5 }),
  },

  forward({ X, y }, { W1, W2 }) {
    const a1 = F.sigmoid(F.matmul(X, F.transpose(W1)));
    const z2 = F.matmul(a1, F.transpose(W2));
    return F.crossEntropy(z2, y);
  },

  backward({ X, y }, { W1, W2 }) {
    const a1 = F.sigmoid(F.matmul(X, F.transpose(W1)));
    const z2 = F.matmul(a1, F.transpose(W2));

    const dz2 = F.div(F.sub(F.softmax(z2), oneHot(y, classes)), batch);
    const dW2 = F.matmul(F.transpose(dz2), a1);
    const da1 = F.matmul(dz2, W2);
    const dz1 = F.mul(da1, a1); // BUG: σ'(z1) is σ(1 − σ) = a1(1 − a1), not σ = a1
    const dW1 = F.matmul(F.transpose(dz1), X);
    return { W1: dW1, W2: dW2 };
  },
});
