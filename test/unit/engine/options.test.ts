// Unknown option names are errors at run time (engine/options.ts): esbuild strips types, so a
// misspelt option would otherwise be ignored and the check would run on another model.
import { strict as assert } from 'node:assert';
import { rand, randint, randn, signs, tensor } from '../../../src/engine/create';
import * as nn from '../../../src/engine/nn';
import { gradcheck } from '../../../src/gradcheck';
import { defineModel } from '../../../src/engine/define';
import * as F from '../../../src/engine/F';

/** Calls `f` with options the types forbid, as a stripped-type bundle would. */
const loose = <T>(x: unknown): T => x as T;

describe('unknown options', () => {
  it("randn([5], { std: 0.1 }) names the option and suggests 'scale'", () => {
    assert.throws(() => randn([5], loose({ std: 0.1 })), /^GradlensError: randn: unknown option 'std' \(did you mean 'scale'\?\); randn takes seed, scale, requiresGrad$/);
    assert.throws(() => rand([2], loose({ sede: 1 })), /rand: unknown option 'sede' \(did you mean 'seed'\?\)/);
    assert.throws(() => randint([2], 3, loose({ scale: 2 })), /randint: unknown option 'scale'; randint takes seed$/);
    assert.throws(() => signs([2], loose({ requires_grad: true })), /signs: unknown option 'requires_grad'; signs takes seed/);
    assert.throws(() => randn([2], loose(0.1)), /randn: options must be an object \(\{ seed, scale, requiresGrad \}\), got number/);
  });

  it('known options still work, and mean what they say', () => {
    const a = randn([1000], { seed: 3, scale: 0.1, requiresGrad: true });
    assert.equal(a.requiresGrad, true);
    const std = Math.sqrt(a.data.reduce((s, x) => s + x * x, 0) / a.size);
    assert.ok(std > 0.08 && std < 0.12, `std ${std}`);
    assert.deepEqual(Array.from(randint([3], 5, { seed: 1 }).data), Array.from(randint([3], 5, { seed: 1 }).data));
  });

  it('tensor takes no options: an object where the shape goes is an error that says so', () => {
    assert.throws(() => tensor([1, 2], loose({ requiresGrad: true })), /tensor: the second argument is the shape .*'requiresGrad': tensor takes no options/);
    assert.deepEqual(tensor([1, 2, 3, 4], [2, 2]).shape, [2, 2]);
  });

  it('layers reject unknown options with the layer name', () => {
    assert.throws(() => new nn.Linear(2, 3, loose({ bais: false })), /Linear: unknown option 'bais' \(did you mean 'bias'\?\); Linear takes bias, seed, name/);
    assert.throws(() => new nn.Conv2d(1, 2, 3, loose({ pad: 1 })), /Conv2d: unknown option 'pad'/);
    assert.throws(() => new nn.LayerNorm(4, loose({ epsilon: 1e-5 })), /LayerNorm: unknown option 'epsilon'; LayerNorm takes eps, name/);
    assert.throws(() => new nn.MLP([2, 3, 1], 'relu', loose({ seeds: 1 })), /MLP: unknown option 'seeds' \(did you mean 'seed'\?\)/);
    assert.throws(() => new nn.MixerBlock(loose({ tokens: 2, channels: 2, tokenHidden: 2, channelHidden: 2, hidden: 2 })), /MixerBlock: unknown option 'hidden'/);
    assert.equal(new nn.Linear(2, 3, { bias: false, seed: 1, name: 'fc' }).bias, null);
  });

  it('checker calls reject unknown options before checking', () => {
    const model = defineModel({ name: 'm', inputs: {}, params: { w: randn([3], { seed: 1 }) }, forward: (_i, p) => F.sum(F.mul(p.w, p.w)) });
    assert.throws(() => gradcheck(model, loose({ tolerance: 1e-3 })), /gradcheck: unknown option 'tolerance'; gradcheck takes mode, eps, atol, rtol, seed, paramBudget, samples/);
    assert.throws(() => gradcheck(model, loose({ atoll: 1e-3 })), /did you mean 'atol'\?/);
    assert.equal(gradcheck(model, { mode: 'full', atol: 1e-6 }).passed, true);
  });
});
