// A small convolutional network: conv → tanh → max-pool → linear, on 8×8 one-channel images.
//
// Why not an MLP? Count the parameters (the lecture's "growth of the number of parameters").
//
//   This CNN:
//     conv   nn.Conv2d(1 → 4, 3×3)   4·1·3·3 weights + 4 biases          =      40
//     head   nn.Linear(64 → 3)        (4 channels × 4×4 after pooling)   = 64·3 + 3 = 195
//     total                                                              =     235
//
//   A fully connected layer producing the same 4×8×8 = 256 hidden values from the 64 pixels:
//     nn.Linear(64 → 256)              64·256 + 256                        =  16,640
//   and with the same head, nn.MLP([64, 256, 3]): 16,640 + 256·3 + 3      =  17,411
//
// The conv needs 416 times fewer weights for its layer (40 against 16,640) for two reasons:
//   - local connectivity: each output looks at a 3×3 window, not at all 64 pixels;
//   - weight sharing: the same 9 weights of a filter are reused at all 64 positions, so the
//     gradient of each weight is a SUM over positions (autograd accumulates it; the checker
//     verifies that sum element by element).
// The gap grows with the image: a 224×224 RGB image (150,528 inputs) into 1,000 hidden units
// needs 150,529,000 parameters fully connected, while a 3×3 conv from 3 to 64 channels has 1,792
// whatever the image size.
import { defineModel, F, nn, randint, randn, Tensor } from 'gradlens';

const images = 2;
const classes = 3;

/** A module with named sub-layers: its parameters are listed as conv.weight, conv.bias, head.… */
export class SmallCnn extends nn.Module {
  readonly conv = this.child('conv', new nn.Conv2d(1, 4, 3, { padding: 1, seed: 4 }));
  readonly head = this.child('head', new nn.Linear(4 * 4 * 4, classes, { seed: 5 }));

  constructor() {
    super('SmallCnn');
  }

  protected compute(x: Tensor): Tensor {
    const features = F.tanh(this.conv.forward(x)); // [N, 4, 8, 8]: padding 1 keeps 8×8
    const pooled = F.maxPool2d(features, 2); // [N, 4, 4, 4]: the max of each 2×2 block
    const flat = F.reshape(pooled, [x.shape[0], 4 * 4 * 4]); // [N, 64]
    return this.head.forward(flat); // [N, classes]: the logits
  }
}

export const network = new SmallCnn();

export const cnn = defineModel({
  inputs: {
    images: randn([images, 1, 8, 8], { seed: 1 }), // [N, channels, height, width]
    y: randint([images], classes, { seed: 3 }),
  },
  // The checker perturbs these very tensors, so the network sees every perturbation.
  params: network.parameters(),
  forward({ images: x, y }) {
    return F.crossEntropy(network.forward(x), y);
  },
});
