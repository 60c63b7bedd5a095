// Loading weights into layers by parameter path (`loadState`, PyTorch's load_state_dict), the
// snapshot `state()`, buffers, train/eval, and nn.BatchNorm's running statistics.
import { strict as assert } from 'node:assert';
import { defineModel } from '../../../src/engine/define';
import { randn, tensor } from '../../../src/engine/create';
import * as F from '../../../src/engine/F';
import * as nn from '../../../src/engine/nn';
import { GradlensError, Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';

function values(t: Tensor): number[] {
  return Array.from(t.data);
}

function throwsExactly(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => (e instanceof GradlensError && e.message === message ? true : assert.fail(`got: ${(e as Error).message}`)));
}

describe('Module.loadState and state()', () => {
  const weights = () => ({
    'fc1.weight': tensor([[1, 2], [3, 4], [5, 6]]),
    'fc1.bias': tensor([0.1, 0.2, 0.3]),
    'fc2.weight': [[1, -1, 0.5]],
    'fc2.bias': [2],
  });

  it('sets every parameter by dotted path, copying values into the same tensors', () => {
    const mlp = new nn.MLP([2, 3, 1], 'relu', { seed: 1 });
    const W1 = mlp.parameters()['fc1.weight'];
    assert.equal(mlp.loadState(weights()), mlp, 'returns the module');
    assert.equal(mlp.parameters()['fc1.weight'], W1, 'the tensor keeps its identity');
    assert.deepEqual(values(W1), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(values(mlp.layers[1].weight), [1, -1, 0.5]);
    assert.ok(W1.requiresGrad, 'still a parameter');
    // relu([1+2+0.1, 3+4+0.2, 5+6+0.3]) · [1,-1,0.5] + 2 for x = [1, 1]
    assert.ok(Math.abs(mlp.forward(tensor([1, 1])).item() - (3.1 - 7.2 + 0.5 * 11.3 + 2)) < 1e-12);
  });

  it('state() is a snapshot that another module of the same architecture loads', () => {
    const a = new nn.MLP([2, 3, 1], 'tanh', { seed: 1 });
    const b = new nn.MLP([2, 3, 1], 'tanh', { seed: 2 });
    const s = a.state();
    assert.deepEqual(Object.keys(s), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    assert.notEqual(s['fc1.weight'], a.parameters()['fc1.weight'], 'copies, not the live tensors');
    b.loadState(s);
    const x = randn([4, 2], { seed: 3 });
    assert.deepEqual(values(b.forward(x)), values(a.forward(x)));
  });

  it('names the parameter and both shapes for a wrong shape, and hints at a transpose', () => {
    const mlp = new nn.MLP([2, 3, 1], 'relu', { seed: 1 });
    throwsExactly(() => mlp.loadState({ ...weights(), 'fc1.weight': tensor([[1, 2, 3], [4, 5, 6]]) }), "MLP.loadState: parameter 'fc1.weight' has shape [3,2], but the value given has shape [2,3] (its transpose?)");
    throwsExactly(() => mlp.loadState({ ...weights(), 'fc2.bias': [1, 2] }), "MLP.loadState: parameter 'fc2.bias' has shape [1], but the value given has shape [2]");
  });

  it('suggests the nearest name for an unknown one, and lists what is missing unless strict is false', () => {
    const mlp = new nn.MLP([2, 3, 1], 'relu', { seed: 1 });
    const { 'fc1.bias': b1, ...rest } = weights();
    throwsExactly(() => mlp.loadState({ ...rest, 'fc1.bais': b1 }), "MLP.loadState: unknown parameter 'fc1.bais' (did you mean 'fc1.bias'?); MLP has fc1.weight, fc1.bias, fc2.weight, fc2.bias");
    throwsExactly(() => mlp.loadState({ 'fc2.bias': [2], 'fc1.bias': b1 }), "MLP.loadState: missing 'fc1.weight', 'fc2.weight'; give every parameter and buffer, or pass { strict: false } to load only some");
    throwsExactly(() => mlp.loadState(rest, { strct: false } as never), "MLP.loadState: unknown option 'strct' (did you mean 'strict'?); MLP.loadState takes strict");
  });

  it('writes nothing when any entry is wrong, and loads only what is given with strict: false', () => {
    const mlp = new nn.MLP([2, 3, 1], 'relu', { seed: 1 });
    const before = values(mlp.layers[0].weight);
    assert.throws(() => mlp.loadState({ ...weights(), 'fc2.bias': [1, 2] }));
    assert.deepEqual(values(mlp.layers[0].weight), before, 'fc1.weight untouched by the failed load');
    const b2 = values(mlp.layers[1].bias!);
    mlp.loadState({ 'fc1.weight': weights()['fc1.weight'] }, { strict: false });
    assert.deepEqual(values(mlp.layers[0].weight), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(values(mlp.layers[1].bias!), b2, 'fc2.bias kept');
  });

  it('refuses what is not a record of tensors', () => {
    const lin = new nn.Linear(2, 1, { seed: 1 });
    throwsExactly(() => lin.loadState(tensor([1]) as never), "Linear.loadState: expects a record of tensors by parameter path ({ 'fc1.weight': tensor, … }), got a tensor");
    throwsExactly(() => lin.loadState({ weight: 'w' as never, bias: [0] }), "Linear.loadState: 'weight' must be a tensor or a nested array of numbers, got string");
  });
});

describe('nn.BatchNorm', () => {
  const x = tensor([[1, 10], [3, 20], [5, 60]]);

  it('registers gamma and beta as parameters and the running statistics as buffers', () => {
    const bn = new nn.BatchNorm(2);
    assert.deepEqual(Object.keys(bn.parameters()), ['gamma', 'beta']);
    assert.deepEqual(Object.keys(bn.state()), ['gamma', 'beta', 'runningMean', 'runningVar']);
    assert.equal(bn.runningMean.requiresGrad, false);
    assert.equal(bn.numParameters(), 4);
  });

  it('in training mode normalises by the batch and moves the running statistics (momentum 0.1, unbiased variance)', () => {
    const bn = new nn.BatchNorm(2);
    const y = bn.forward(x);
    // Column 0: mean 3, biased variance 8/3.
    const s = Math.sqrt(8 / 3 + 1e-5);
    assert.ok(Math.abs(y.data[0] - -2 / s) < 1e-12 && Math.abs(y.data[4] - 2 / s) < 1e-12);
    assert.deepEqual(values(bn.runningMean), [0.1 * 3, 0.1 * 30]);
    assert.ok(Math.abs(bn.runningVar.data[0] - (0.9 + 0.1 * 4)) < 1e-12, 'unbiased batch variance 4');
  });

  it('in eval mode uses the running statistics and changes nothing; train()/eval() reach sub-modules', () => {
    const net = new (class extends nn.Module {
      readonly bn = this.child('bn', new nn.BatchNorm(2));
      protected compute(t: Tensor): Tensor {
        return this.bn.forward(t);
      }
    })('Net');
    net.loadState({ 'bn.gamma': [2, 1], 'bn.beta': [0, 1], 'bn.runningMean': [1, 10], 'bn.runningVar': [4, 100] });
    assert.equal(net.eval(), net);
    assert.equal(net.bn.training, false);
    const y = net.forward(x);
    assert.ok(Math.abs(y.data[2] - 2 * ((3 - 1) / Math.sqrt(4 + 1e-5))) < 1e-12);
    assert.ok(Math.abs(y.data[5] - ((60 - 10) / Math.sqrt(100 + 1e-5) + 1)) < 1e-12);
    assert.deepEqual(values(net.bn.runningMean), [1, 10], 'eval leaves the running statistics');
    net.train();
    assert.equal(net.bn.training, true);
  });

  it('checks its input and options', () => {
    throwsExactly(() => new nn.BatchNorm(3).forward(x), 'BatchNorm: input [3,2] must have 3 channels on axis 1');
    throwsExactly(() => new nn.BatchNorm(2, { momentun: 0.1 } as never), "BatchNorm: unknown option 'momentun' (did you mean 'momentum'?); BatchNorm takes eps, momentum, axis, name");
    throwsExactly(() => F.batchNorm(tensor([[1, 2]]), undefined, undefined), 'batchNorm: training mode needs more than one value per channel to take a variance, got input [1,2] (channel axis 1)');
    throwsExactly(() => F.batchNorm(x, undefined, undefined, { training: false }), 'batchNorm: training: false needs runningMean and runningVar tensors (one value per channel)');
    throwsExactly(() => F.batchNorm(x, tensor([1, 1, 1])), 'batchNorm: gamma must have shape [2], one per channel (axis 1 of input [3,2]), got [3]');
  });

  it("passes the gradient checker in a model, in both modes", () => {
    for (const training of [true, false]) {
      const bn = new nn.BatchNorm(3, { name: 'bn' });
      const lin = new nn.Linear(4, 3, { seed: 2 });
      bn.train(training);
      const model = defineModel({
        name: `bn-${training ? 'train' : 'eval'}`,
        inputs: { X: randn([5, 4], { seed: 1 }) },
        params: { ...lin.parameters(), ...bn.parameters() },
        forward: ({ X }) => F.sum(F.pow(F.tanh(bn.forward(lin.forward(X))), 2)),
      });
      const r = checkModel(model, { mode: 'full' });
      assert.equal(r.error, undefined, r.error);
      assert.ok(r.passed, JSON.stringify(r.params.map((p) => [p.name, p.passed, p.worst])));
    }
  });
});
