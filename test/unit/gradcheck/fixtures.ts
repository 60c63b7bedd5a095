// Small real models for the checker's tests, built from defineModel/defineOp and F ops.
// Each one's true gradient is known by hand, so a test can say which element must be flagged.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn, tensor } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { Tensor } from '../../../src/engine/tensor';

/** Values kept away from zero, so products with them never vanish and errors are visible. */
export function awayFromZero(shape: number[], seed: number): Tensor {
  const t = randn(shape, { seed });
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sign(t.data[i] || 1) * (0.5 + Math.abs(t.data[i]));
  return t;
}

/**
 * Smooth logistic-style loss: L = Σ log(1 + exp(−z)) + 0.1 Σ w², z = x ⊙ w + b (b broadcast over rows).
 * dL/dw = −x ⊙ σ(−z) + 0.2 w, dL/db = Σ_rows −σ(−z).
 */
export function logisticModel(opts: { rows?: number; cols?: number; seed?: number; backward?: 'right' | 'wrong' | 'missing' | 'misshapen' } = {}) {
  const rows = opts.rows ?? 3;
  const cols = opts.cols ?? 4;
  const seed = opts.seed ?? 1;
  const x = awayFromZero([rows, cols], seed);
  const w = randn([rows, cols], { seed: seed + 1, scale: 0.5 });
  const b = randn([cols], { seed: seed + 2, scale: 0.5 });
  const handBackward = (inp: { x: Tensor }, p: { w: Tensor; b: Tensor }): Record<string, Tensor> => {
    const gw = new Float64Array(rows * cols);
    const gb = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        const z = inp.x.data[k] * p.w.data[k] + p.b.data[j];
        const s = 1 / (1 + Math.exp(z)); // σ(−z)
        gw[k] = -inp.x.data[k] * s + 0.2 * p.w.data[k];
        gb[j] += -s;
      }
    }
    if (opts.backward === 'wrong') gw[1 * cols + 2] *= -1; // a sign slip at w[1,2]
    if (opts.backward === 'missing') return { w: new Tensor(gw, [rows, cols]) };
    if (opts.backward === 'misshapen') return { w: new Tensor(gw, [rows, cols]), b: new Tensor(gb, [1, cols]) };
    return { w: new Tensor(gw, [rows, cols]), b: new Tensor(gb, [cols]) };
  };
  return defineModel({
    name: 'logistic',
    inputs: { x },
    params: { w, b },
    forward: (inp, p) => {
      const z = F.add(F.mul(inp.x, p.w), p.b);
      return F.add(F.sum(F.log(F.add(1, F.exp(F.neg(z))))), F.mul(0.1, F.sum(F.pow(p.w, 2))));
    },
    backward: opts.backward ? handBackward : undefined,
  });
}

/**
 * square(z) = z² as a custom op. The buggy variant forgets the factor 2 at one flat element of its
 * input (`bugAt`), or flips the sign of the whole gradient.
 */
export function squareOp(bug: { at?: number; sign?: boolean } = {}) {
  return defineOp({
    name: bug.at !== undefined || bug.sign ? 'buggySquare' : 'square',
    forward: (z) => F.mul(z, z),
    backward: (dy, [z]) => {
      const g = F.mul(F.mul(dy, z), 2);
      const data = Float64Array.from(g.data);
      if (bug.at !== undefined) data[bug.at] /= 2;
      if (bug.sign) for (let i = 0; i < data.length; i++) data[i] = -data[i];
      return [new Tensor(data, z.shape.slice())];
    },
  });
}

/** The flat element the buggy square mishandles, and the multi-index it maps to in a [3,4] z (and w). */
export const BUG_FLAT = 6;
export const BUG_INDEX = [1, 2];

/**
 * L = Σ c ⊙ square(x ⊙ w + b). With square's bug at z[1,2], dL/dw is wrong exactly at [1,2] and
 * dL/db exactly at [2]; every other element is right.
 */
export function squareModel(square: ReturnType<typeof squareOp>, opts: { seed?: number; shape?: number[] } = {}) {
  const shape = opts.shape ?? [3, 4];
  const seed = opts.seed ?? 11;
  const x = awayFromZero(shape, seed);
  const c = awayFromZero(shape, seed + 1);
  const w = awayFromZero(shape, seed + 2);
  const b = awayFromZero([shape[shape.length - 1]], seed + 3);
  return defineModel({
    name: 'squares',
    inputs: { x, c },
    params: { w, b },
    forward: (inp, p) => F.sum(F.mul(inp.c, square(F.add(F.mul(inp.x, p.w), p.b)))),
  });
}

/** Bitwise snapshot of every param, to prove a check leaves them exactly as they were. */
export function snapshot(params: Record<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(params).map(([k, t]) => [k, Array.from(t.data)]));
}

export function assertUnchanged(params: Record<string, Tensor>, before: Record<string, number[]>): void {
  for (const [k, t] of Object.entries(params)) {
    assert.equal(t.data.length, before[k].length);
    t.data.forEach((v, i) => assert.ok(Object.is(v, before[k][i]), `${k}[${i}] changed: ${before[k][i]} → ${v}`));
  }
}

export { tensor };
