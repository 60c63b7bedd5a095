// A forward that computes part or all of its loss from numbers read with `.data` has a path to the
// loss autograd cannot see. The report fails it, as before, and says why in its notes.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { randn, tensor } from '../../../src/engine/create';
import { defineModel } from '../../../src/engine/define';
import { checkModel } from '../../../src/gradcheck';

const X = randn([4, 3], { seed: 1 });
const w = randn([3], { seed: 2 });
const squares = (z: { data: Float64Array }) => {
  let s = 0;
  for (const v of z.data) s += v * v;
  return s;
};

describe('a forward with a path through .data', () => {
  it('an output made from numbers: every gradient is 0, and the note says the output is cut off', () => {
    for (const mode of ['full', 'fast'] as const) {
      const r = checkModel(defineModel({ inputs: { X }, params: { w }, forward: (i, p) => tensor(squares(F.matmul(i.X, p.w))) }), { mode });
      assert.equal(r.passed, false);
      assert.ok(r.notes?.some((n) => /output was not computed by ops from the parameters .* every gradient it gives is 0/.test(n)), JSON.stringify(r.notes));
    }
  });

  it('part of the loss through .data: the note names the unseen path, not only the speed', () => {
    const r = checkModel(defineModel({ inputs: { X }, params: { w }, forward: (i, p) => F.add(F.sum(F.matmul(i.X, p.w)), tensor(squares(F.matmul(i.X, p.w)))) }));
    assert.equal(r.passed, false);
    assert.ok(r.notes?.some((n) => /does not replay .* autograd's gradient disagrees with the numbers: a value read with \.data .* autograd cannot see/.test(n)), JSON.stringify(r.notes));
    assert.ok(!r.notes?.some((n) => /output was not computed by ops/.test(n)));
  });

  it('a forward that reads .data only to branch, and is right, keeps the plain note', () => {
    const r = checkModel(defineModel({ inputs: { X }, params: { w }, forward: (i, p) => { const z = F.matmul(i.X, p.w); return z.data[0] > 1e9 ? F.sum(z) : F.sum(F.mul(z, z)); } }));
    assert.ok(r.passed, JSON.stringify(r));
    assert.ok(!r.notes?.some((n) => /cannot see|not computed by ops/.test(n)), JSON.stringify(r.notes));
  });
});
