// scatterRows: the backward of every gather (embedding's row lookup, max and max-pooling's arg-max
// picks). A scatter is a primitive no composite expresses, so its VJP is written out: the gather
// that reads the same rows back, which is embedding itself. Kept out of `F`: it runs only inside
// backward passes. (The public, axis-based `F.scatterAdd`, gather's backward, is in indexing.ts.)
import { registerBackwardOp } from '../backwardOp';
import { apply } from '../registry';
import { Shape, Tensor, sizeOf } from '../tensor';
import { embedding } from './layer';
import { reshape } from './shape';
import { zeroedValues } from '../memory';

interface ScatterAttrs {
  /** The output's shape, read as `rows` rows of equal length. */
  shape: number[];
  rows: number;
}

const scatterRowsOp = registerBackwardOp<ScatterAttrs>({
  name: 'scatterRows',
  backwardOf: 'embedding, max, maxPool2d',
  inputs: ['src', 'index'],
  differentiable: [true, false],
  summary: 'Zeros of a shape, read as rows, with row index[k] incremented by src row k (repeated indices add up).',
  kernel: ([src, index], { shape, rows }) => {
    const out = zeroedValues(sizeOf(shape));
    const D = rows === 0 ? 0 : out.length / rows;
    const ix = index.data;
    const sd = src.data;
    if (D === 1) for (let k = 0; k < ix.length; k++) out[ix[k]] += sd[k];
    else {
      for (let k = 0; k < ix.length; k++) {
        const row = ix[k] * D;
        for (let j = 0; j < D; j++) out[row + j] += sd[k * D + j];
      }
    }
    return new Tensor(out, shape.slice());
  },
  // ⟨G, scatter(src)⟩ = ⟨gather(G), src⟩: src's gradient reads G's rows at the same indices.
  vjp: [(g, { inputs: [src, index], attrs: { rows } }) => reshape(embedding(reshape(g, [rows, -1]), index), src.shape.slice()), null],
  reference: ([src, index], { shape, rows }) => {
    const data = new Array<number>(sizeOf(shape)).fill(0);
    const D = data.length / rows;
    Array.from(index.data).forEach((r, k) => {
      for (let j = 0; j < D; j++) data[r * D + j] += src.data[k * D + j];
    });
    return { data, shape };
  },
  latex: { forward: 'Y_{v,:} = \\textstyle\\sum_{k:\\, i_k = v} S_{k,:}', grads: ['\\bar{S}_{k,:} = \\bar{Y}_{i_k,:}'] },
  cases: [
    { label: 'rows, with repeats', inputs: [{ shape: [5, 3] }, { shape: [5], intHigh: 4 }], attrs: { shape: [4, 3], rows: 4 } },
    { label: 'single elements of a matrix', inputs: [{ shape: [2, 3] }, { shape: [2, 3], intHigh: 6 }], attrs: { shape: [2, 3], rows: 6 } },
  ],
});

/** `src` (index.size rows) added into zeros of `shape` at rows `index`; shape is read as `rows` rows. */
export function scatterRows(src: Tensor, index: Tensor, rows: number, shape: Shape): Tensor {
  return apply(scatterRowsOp, [src, index], { shape: shape.slice(), rows });
}
