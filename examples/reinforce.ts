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
// which is stable where log(softmax(·)) would underflow; the taken action's entry is picked out of
// each row by F.gather (NumPy's take_along_axis), whose backward scatters the gradient back to
// that entry alone. (Multiplying by a one-hot mask of the actions and summing each row is the
// same thing, at A times the work.)
import { defineModel, F, randint, randn } from 'gradlens';

const steps = 8;
const stateSize = 5;
const hidden = 6;
const actions = 3;

export const reinforce = defineModel({
  inputs: {
    states: randn([steps, stateSize], { seed: 1 }),
    taken: randint([steps, 1], actions, { seed: 3 }), // a_i, one column: gather's indices have logits' rank
    advantages: randn([steps], { seed: 2 }),
  },
  params: {
    W1: randn([stateSize, hidden], { seed: 4, scale: 0.5 }),
    W2: randn([hidden, actions], { seed: 5, scale: 0.5 }),
  },
  forward({ states, taken, advantages }, { W1, W2 }) {
    const logits = F.matmul(F.tanh(F.matmul(states, W1)), W2); // the policy network, [steps, A]
    const logPi = F.logSoftmax(logits, -1); // log π(· | s_i) for every action
    const logPiTaken = F.reshape(F.gather(logPi, taken, 1), [steps]); // log π(a_i | s_i), shape [steps]
    return F.neg(F.mean(F.mul(advantages, logPiTaken)));
  },
});
