// `F` is the public op namespace: only ops, no internal helpers. And F.mse's documentation says
// what it computes: a mean over every element, not only over the batch.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn } from '../../../src/engine/create';
import { registry } from '../../../src/engine/registry';
import { opAliases } from '../../../src/engine/opAliases';

describe('F, the public op namespace', () => {
  it('exports registered ops only (and split, a composite of slice, and the aliases), no internal helpers like reducePlan', () => {
    assert.equal('reducePlan' in F, false);
    const composites = ['split'];
    const strays = Object.keys(F).filter((k) => !registry.has(k) && !composites.includes(k) && !(k in opAliases));
    assert.deepEqual(strays, []);
    for (const [alias, op] of Object.entries(opAliases)) {
      assert.ok(registry.has(op), `alias ${alias} names op ${op}`);
      assert.equal(typeof (F as Record<string, unknown>)[alias], 'function', `F.${alias}`);
    }
    for (const [k, v] of Object.entries(F)) assert.equal(typeof v, 'function', k);
  });

  it('reductions still validate their axes (the helper works from inside its module)', () => {
    const x = randn([2, 3], { seed: 1 });
    assert.deepEqual(F.sum(x, 1).shape, [2]);
    assert.throws(() => F.sum(x, 2), /sum: axis 2 is out of range for a tensor of shape \[2,3\]/);
  });
});

describe('F.mse averages over every element', () => {
  it('computes Σ(p − t)² over all elements divided by their count, as its summary and LaTeX say', () => {
    const p = randn([3, 4], { seed: 2 });
    const t = randn([4], { seed: 3 }); // broadcast over the 3 rows: 12 elements, batch of 3
    let s = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) s += (p.data[i * 4 + j] - t.data[j]) ** 2;
    assert.ok(Math.abs(F.mse(p, t).data[0] - s / 12) < 1e-12, 'divided by 12 elements, not the batch of 3');
    const def = registry.get('mse')!;
    assert.match(def.summary, /averaged over every element/);
    assert.match(def.summary, /not only the batch/);
    assert.match(def.latex.forward, /all elements/);
    assert.match(def.latex.shapes ?? '', /N = d_1 \\cdots d_k/);
  });
});
