// Embeddings: learning a vector for every word, then classifying with them.
//
// A word w from a vocabulary of V words could enter a network as a one-hot vector e_w in R^V; its
// first linear layer E in R^{V×D} would then compute e_wᵀE, which is simply row w of E. An
// embedding is that row lookup, without building the one-hot vector. Its backward is a scatter-add:
// the gradient of each looked-up row is added back into E's row w, so a word that appears twice
// collects two contributions, and a word that never appears gets no gradient.
//
// The model: each "sentence" is 3 word ids; we average their embeddings (a bag of words) and feed
// that to a multinomial regression.
import { defineModel, F, randint, randn } from 'gradlens';

const sentences = 8;
const length = 3; // words per sentence
const vocabulary = 10; // V
const dim = 4; // D
const classes = 2;

export const bagOfEmbeddings = defineModel({
  inputs: {
    words: randint([sentences, length], vocabulary, { seed: 3 }), // word ids; several repeat
    y: randint([sentences], classes, { seed: 2 }),
  },
  params: {
    E: randn([vocabulary, dim], { seed: 4, scale: 0.5 }), // one row per word
    W: randn([dim, classes], { seed: 5, scale: 0.5 }),
    b: randn([classes], { seed: 6, scale: 0.1 }),
  },
  forward({ words, y }, { E, W, b }) {
    const vectors = F.embedding(E, words); // [sentences, length, dim]: row words[i, j] of E
    const sentence = F.mean(vectors, 1); // [sentences, dim]: the average word vector
    const logits = F.add(F.matmul(sentence, W), b); // [sentences, classes]
    return F.crossEntropy(logits, y);
  },
});
