// A custom op with a hand-written backward, used inside a model.
//
// F has no swish (also called SiLU): swish(x) = x σ(x). We define it with `defineOp`, giving the
// forward and its derivative. By the product rule,
//
//     swish'(x) = σ(x) + x σ(x)(1 - σ(x)) = σ(x) + y (1 - σ(x)),     where y = swish(x),
//
// so the backward can reuse the output y. Autograd does not look inside a custom op: it calls our
// backward. The checker therefore tests that backward at the op's own call site, so a mistake there
// is blamed on the op, not only on the weights before it.
import { defineModel, defineOp, F, randint, randn } from 'gradlens';

export const swish = defineOp({
  name: 'swish',
  latex: 'y = x\\,\\sigma(x), \\quad \\bar{x} = \\bar{y} \\odot \\big(\\sigma(x) + y \\odot (1 - \\sigma(x))\\big)',
  forward: (x) => F.mul(x, F.sigmoid(x)),
  // One gradient per input: dL/dx = dL/dy ⊙ swish'(x), elementwise.
  backward: (dy, [x], y) => {
    const s = F.sigmoid(x);
    return [F.mul(dy, F.add(s, F.mul(y, F.sub(1, s))))];
  },
});

const batch = 8;
const features = 5;
const hidden = 4;
const classes = 3;

// A two-layer network whose hidden activation is our swish.
export const swishNet = defineModel({
  inputs: {
    X: randn([batch, features], { seed: 1 }),
    y: randint([batch], classes, { seed: 3 }),
  },
  params: {
    W1: randn([features, hidden], { seed: 4, scale: 0.5 }),
    b1: randn([hidden], { seed: 5, scale: 0.1 }),
    W2: randn([hidden, classes], { seed: 6, scale: 0.5 }),
  },
  forward({ X, y }, { W1, b1, W2 }) {
    const h = swish(F.add(F.matmul(X, W1), b1)); // [batch, hidden]
    return F.crossEntropy(F.matmul(h, W2), y);
  },
});
