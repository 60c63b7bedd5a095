// The runner's pure parts, without a worker: splitting parameters for the pool, tracing groups,
// and the worker protocol's guards.
import * as assert from 'node:assert/strict';
import { F, tensor } from '../../../src/index';
import { currentScope, withScope } from '../../../src/engine/scope';
import { partitionParams } from '../../../src/runner/pool';
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
