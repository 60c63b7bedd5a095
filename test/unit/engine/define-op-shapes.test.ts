// A custom op's backward must give each input's gradient in that input's exact shape: a
// transposed gradient of the right size used to be relaid out silently into a wrong number.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { grad } from '../../../src/engine/autograd';
import { tensor } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { GradlensError, Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';

/** y = 2x with a backward that transposes its gradient: right size, wrong shape for a [2,3] input. */
const transposing = () => defineOp({ name: 'myOp', forward: (x) => F.mul(x, 2), backward: (dy) => [F.transpose(F.mul(dy, 2))] });

describe('defineOp: the shape of what backward returns', () => {
  it('rejects a gradient of the right size but the wrong shape, naming both shapes', () => {
    const op = transposing();
    const x = tensor([[1, 2, 3], [4, 5, 6]]).requireGrad();
    assert.throws(
      () => grad(F.sum(op(x)), [x]),
      (e: unknown) => e instanceof GradlensError && e.message === 'myOp: backward returned a gradient of shape [3,2] for input 0 of shape [2,3]',
    );
  });

  it('accepts the exact shape, and a scalar given as [] or [1] either way', () => {
    const square = defineOp({ name: 'sq', forward: (x) => F.mul(x, x), backward: (dy, [x]) => [F.mul(dy, F.mul(x, 2))] });
    const m = tensor([[1, 2], [3, 4]]).requireGrad();
    assert.deepEqual(Array.from(grad(F.sum(square(m)), [m])[0].data), [2, 4, 6, 8]); // d Σx²/dx = 2x

    // A scalar input whose backward answers with a [1] tensor, and a [1] input answered with [].
    const asVector = defineOp({ name: 'cube', forward: (x) => F.mul(x, F.mul(x, x)), backward: (dy, [x]) => [tensor([3 * x.data[0] ** 2 * dy.data[0]])] });
    const s = new Tensor(Float64Array.of(2), [], true);
    const gs = grad(asVector(s), [s])[0];
    assert.deepEqual([gs.shape, gs.data[0]], [[], 12]); // 3·2², in the input's shape []
    const asScalar = defineOp({ name: 'cube0', forward: (x) => F.mul(x, F.mul(x, x)), backward: (dy, [x]) => [new Tensor(Float64Array.of(3 * x.data[0] ** 2 * dy.data[0]), [])] });
    const v = tensor([-1]).requireGrad();
    const gv = grad(F.sum(asScalar(v)), [v])[0];
    assert.deepEqual([gv.shape, gv.data[0]], [[1], 3]);
  });

  it('the checker reports it as a failing model and op with that message, not as a numeric mismatch', () => {
    const op = transposing();
    const w = tensor([[1, 2, 3], [4, 5, 6]]);
    const r = checkModel(defineModel({ name: 'usesTranspose', inputs: {}, params: { w }, forward: (_, p) => F.sum(F.mul(op(p.w), p.w)) }));
    assert.equal(r.passed, false);
    assert.equal(r.error, 'myOp: backward returned a gradient of shape [3,2] for input 0 of shape [2,3]');
    assert.equal(r.params.length, 0, 'no parameter row pretends a numeric comparison happened');
    assert.equal(r.ops.length, 1);
    const [row] = r.ops;
    assert.equal(row.passed, false);
    assert.equal(row.worst, null);
    assert.match(row.error ?? '', /myOp: backward returned a gradient of shape \[3,2\] for input 0 of shape \[2,3\]/);
    assert.deepEqual(row.inputShapes, [[2, 3]]);
  });

  it('says what a custom forward returned instead of a tensor', () => {
    const asyncOp = defineOp({ name: 'later', forward: ((x: Tensor) => Promise.resolve(x)) as unknown as (x: Tensor) => Tensor, backward: (dy) => [dy] });
    assert.throws(() => asyncOp(tensor([1])), (e: unknown) => e instanceof GradlensError && e.message === 'later: forward returned a Promise: make forward synchronous (no async/await)');
    const numberOp = defineOp({ name: 'num', forward: (() => 3) as unknown as (x: Tensor) => Tensor, backward: (dy) => [dy] });
    assert.throws(() => numberOp(tensor([1])), (e: unknown) => e instanceof GradlensError && e.message === 'num: forward returned a number; return a tensor (wrap it with tensor(...))');
  });
});
