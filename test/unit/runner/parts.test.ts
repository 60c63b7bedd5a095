// The runner's pure parts, without a worker: splitting parameters for the pool, a check of some
// of a model's parameters (each pool worker's share), tracing groups, and the protocol's guards.
import * as assert from 'node:assert/strict';
import { F, GradlensError, type ModelSpec, type Tensor, randn, tensor } from '../../../src/index';
import { checkModel, checkParameters, completeCheck } from '../../../src/gradcheck/model';
import { currentScope, withScope } from '../../../src/engine/scope';
import { mergePhases, partitionParams } from '../../../src/runner/pool';
import { traceGraph } from '../../../src/runner/trace';
import { UserFrames } from '../../../src/runner/userFrames';
import { isWorkerReply, isWorkerRequest } from '../../../src/shared/workerProtocol';

const noMap = new UserFrames(JSON.stringify({ version: 3, sources: [], names: [], mappings: '' }));

describe('runner parts', () => {
  describe('partitionParams', () => {
    const sizes = (groups: string[][], all: { name: string; size: number }[]): number[] =>
      groups.map((g) => g.reduce((s, n) => s + all.find((p) => p.name === n)!.size, 0));

    it('keeps definition order and balances element counts', () => {
      const params = [{ name: 'W1', size: 600 }, { name: 'b1', size: 30 }, { name: 'W2', size: 540 }, { name: 'b2', size: 18 }];
      const groups = partitionParams(params, 3);
      assert.deepEqual(groups.flat(), ['W1', 'b1', 'W2', 'b2']);
      assert.equal(groups.length, 3);
      assert.deepEqual(sizes(groups, params), [600, 570, 18]);
    });

    it('never makes more groups than parameters, nor empty ones', () => {
      const params = [{ name: 'a', size: 5 }, { name: 'b', size: 5 }];
      assert.deepEqual(partitionParams(params, 8), [['a'], ['b']]);
      assert.deepEqual(partitionParams(params, 1), [['a', 'b']]);
    });
  });

  describe('a check in two phases (the pool\'s plan)', () => {
    /** v(x) = relu(x) + 2·relu(−x): a kink at 0 with slopes −2 and 1 (as in test/fixtures/runner/kinks.ts). */
    const v = (x: Tensor): Tensor => F.add(F.relu(x), F.mul(2, F.relu(F.mul(-1, x))));
    const values = (n: number, zeroAt: number, phase: number): number[] => Array.from({ length: n }, (_, i) => (i === zeroAt ? 0 : Math.sin(i + phase)));
    const kinked = (): ModelSpec => ({
      inputs: {},
      params: { A: tensor(values(40, 7, 1)), B: tensor(values(40, 3, 50)) },
      forward: (_i, { A, B }) => F.add(F.add(F.sum(v(A)), F.sum(v(B))), F.mul(0.1, F.add(F.sum(F.exp(A)), F.sum(F.exp(B))))),
    });
    const smooth = (): ModelSpec => ({
      inputs: { X: randn([5, 6], { seed: 1 }) },
      params: { W: randn([6, 7], { seed: 2 }), b: randn([7], { seed: 3 }), U: randn([7, 3], { seed: 4 }) },
      forward: ({ X }, { W, b, U }) => F.sum(F.matmul(F.tanh(F.add(F.matmul(X, W), b)), U)),
    });

    for (const mode of ['full', 'sampled', 'fast'] as const) {
      it(`${mode}: phase one's groups concatenate into the whole report's rows; phase two gives the whole report`, () => {
        const opts = { mode, samples: 5 };
        const whole = checkModel(smooth(), opts);
        const groups = [['W'], ['b', 'U']].map((names) => checkParameters(smooth(), opts, names));
        assert.deepEqual(groups.flatMap((s) => s.params), whole.params);
        if (mode === 'fast') {
          // Fast rows check elements only where a probe's disagreement is drilled down to them: this
          // model's loss (5e-3) is a sum of O(1) terms, so round-off can raise a suspicion that a
          // few elements then clear. Never a sweep.
          assert.ok(whole.params.every((c, i) => c.passed && c.checked < [42, 7, 21][i]), JSON.stringify(whole.params.map((c) => c.checked)));
        } else {
          assert.deepEqual(whole.params.map((c) => c.checked), mode === 'full' ? [42, 7, 21] : [5, 5, 5]);
        }
        // Checked in the other order, a group's rows are the same: draws are keyed by name.
        assert.deepEqual(checkParameters(smooth(), opts, ['U', 'b']).params, groups[1].params);
        assert.deepEqual(completeCheck(smooth(), opts, mergePhases(groups)), whole);
        assert.ok(Math.abs((whole.taylorSlope ?? 0) - 2) < 0.1);
      });
    }

    it('phase one reports the kinks it found; phase two\'s Taylor test avoids all of them', () => {
      const whole = checkModel(kinked(), { mode: 'full' });
      assert.ok(Math.abs((whole.taylorSlope ?? 0) - 2) < 0.1, `slope ${whole.taylorSlope}`);
      const groupA = checkParameters(kinked(), { mode: 'full' }, ['A']);
      assert.deepEqual(groupA.kinks, { A: [7] });
      // Knowing only A's kink, the direction crosses B's: the remainder is O(h).
      const partial = completeCheck(kinked(), { mode: 'full' }, { ...groupA, params: [...groupA.params, ...checkParameters(kinked(), { mode: 'full' }, ['B']).params] });
      assert.ok(Math.abs((partial.taylorSlope ?? 0) - 1) < 0.1, `slope ${partial.taylorSlope}`);
      const both = mergePhases([groupA, checkParameters(kinked(), { mode: 'full' }, ['B'])]);
      assert.deepEqual(both.kinks, { A: [7], B: [3] });
      assert.deepEqual(completeCheck(kinked(), { mode: 'full' }, both), whole);
    });

    it('rejects a parameter the model does not have', () => {
      assert.throws(() => checkParameters(smooth(), {}, ['W', 'nope']), (e: unknown) => e instanceof GradlensError && /no parameter 'nope' \(it has W, b, U\)/.test(e.message));
    });
  });

  describe('traceGraph', () => {
    it('groups ops by module scope and marks constants made inside forward', () => {
      const x = tensor([1, 2]);
      const w = tensor([3, 4]);
      const { graph, value } = traceGraph({ inputs: { x }, params: { w }, frames: noMap, scope: currentScope }, () =>
        withScope('encoder', () => withScope('fc1', () => F.mul(F.mul(x, w), 2))),
      );
      assert.deepEqual(Array.from(value!.data), [6, 16]);
      assert.deepEqual(graph.nodes.map((n) => [n.kind, n.op ?? n.name, n.group ?? null, n.constant ?? false]), [
        ['input', 'x', null, false],
        ['param', 'w', null, false],
        ['intermediate', 'mul', 'encoder/fc1', false],
        ['input', '2', null, true],
        ['output', 'mul', 'encoder/fc1', false],
      ]);
      assert.deepEqual(graph.groups, [{ id: 'encoder', label: 'encoder' }, { id: 'encoder/fc1', label: 'fc1', parent: 'encoder' }]);
      assert.deepEqual(graph.edges.map((e) => [e.from, e.to, e.shape]), [['n0', 'n2', [2]], ['n1', 'n2', [2]], ['n2', 'n4', [2]], ['n3', 'n4', []]]);
    });

    it('keeps the partial graph when forward throws', () => {
      const x = tensor([1, 2]);
      const { graph, error } = traceGraph({ inputs: { x }, params: {}, frames: noMap }, () => F.add(F.exp(x), tensor([1, 2, 3])));
      assert.match(String((error as Error).message), /^add:/);
      assert.deepEqual(graph.nodes.map((n) => n.op ?? n.name), ['x', 'exp']);
    });
  });

  describe('protocol guards', () => {
    it('accept well-formed messages and reject malformed ones', () => {
      const req = { type: 'run', task: 'check', fileName: '/a.ts', text: '', code: '', sourceMap: '{}' };
      assert.equal(isWorkerRequest(req), true);
      assert.equal(isWorkerRequest({ ...req, task: 'format' }), false);
      assert.equal(isWorkerRequest({ ...req, code: 1 }), false);
      assert.equal(isWorkerReply({ type: 'done', task: 'grad', models: [] }), true);
      assert.equal(isWorkerReply({ type: 'failed', error: { kind: 'timeout', message: 'x' } }), true);
      assert.equal(isWorkerReply({ type: 'failed', error: 'x' }), false);
      assert.equal(isWorkerReply(null), false);
    });
  });
});
