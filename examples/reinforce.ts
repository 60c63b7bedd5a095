// A reinforcement-learning loss (REINFORCE, the policy gradient): nothing like a classification loss,
// and the framework differentiates it all the same. That flexibility is the lecture's point.
//
// A policy π(a | s) = softmax(logits(s))_a picks one of A actions in state s. After playing, each
// step i has a state s_i, the action a_i that was taken, and an advantage A_i (how much better than
// usual the outcome was). Raising log π(a_i | s_i) in proportion to A_i improves the policy, so we
// minimise
//
//     L = -mean_i( A_i · log π(a_i | s_i) ).
//
// The advantages and actions are data: no gradient flows into them. log π comes from logSoftmax,
// which is stable where log(softmax(·)) would underflow; the taken action's entry is picked out
// (gathered) by multiplying with a one-hot mask and summing each row.
import { defineModel, F, randint, randn, Tensor, tensor } from 'gradlens';

const steps = 8;
const stateSize = 5;
const hidden = 6;
const actions = 3;

function oneHot(labels: Tensor, k: number): Tensor {
  return tensor(Array.from(labels.data, (c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0))));
}

const taken = randint([steps], actions, { seed: 3 });

export const reinforce = defineModel({
  inputs: {
    states: randn([steps, stateSize], { seed: 1 }),
    takenMask: oneHot(taken, actions), // row i is e_{a_i}
    advantages: randn([steps], { seed: 2 }),
  },
  params: {
    W1: randn([stateSize, hidden], { seed: 4, scale: 0.5 }),
    W2: randn([hidden, actions], { seed: 5, scale: 0.5 }),
  },
  forward({ states, takenMask, advantages }, { W1, W2 }) {
    const logits = F.matmul(F.tanh(F.matmul(states, W1)), W2); // the policy network, [steps, A]
    const logPi = F.logSoftmax(logits, -1); // log π(· | s_i) for every action
    const logPiTaken = F.sum(F.mul(logPi, takenMask), 1); // log π(a_i | s_i), shape [steps]
    return F.neg(F.mean(F.mul(advantages, logPiTaken)));
  },
});
