// The graph task's per-node values (runner/nodeValues.ts) through a REAL worker, against a tiny
// model worked out by hand: L = Σ (x⊙w)², x = [1, 2, 3], w = [0.5, −1, 2].
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunResult, WarmRunner, runFile } from '../../../src/runner/index';
import { valueStats } from '../../../src/runner/nodeValues';
import type { GraphNode, ModelGraphResult } from '../../../src/shared/workerProtocol';

const fileName = path.join(os.tmpdir(), 'gradlens-node-values', 'tiny.ts');

function graphOf(r: RunResult<'graph'>): ModelGraphResult {
  if (!r.ok) assert.fail(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return (r.models as ModelGraphResult[])[0];
}

function close(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('graph node values: stats and ‖∂L/∂node‖', function () {
  this.timeout(30_000);
  const warm = new WarmRunner();
  after(() => warm.dispose());

  const tiny = [
    "import { defineModel, F, tensor } from 'gradlens';",
    'export const tiny = defineModel({',
    '  inputs: { x: tensor([1, 2, 3]) },',
    '  params: { w: tensor([0.5, -1, 2]) },',
    '  forward: ({ x }, { w }) => { const y = F.mul(x, w); return F.sum(F.mul(y, y)); },',
    '});',
  ].join('\n');

  it('matches the hand-computed statistics and gradient norms of every node', async () => {
    const { graph } = graphOf(await runFile({ fileName, text: tiny, task: 'graph', warm }));
    const byName = (name: string): GraphNode => graph.nodes.find((n) => n.name === name)!;
    const ops = graph.nodes.filter((n) => n.op === 'mul');
    assert.equal(ops.length, 2);
    const [y, z] = ops;
    const loss = graph.nodes.find((n) => n.kind === 'output')!;

    // y = x⊙w = [0.5, −2, 6]: mean 1.5, variance ((−1)² + (−3.5)² + 4.5²)/3 = 33.5/3.
    assert.deepEqual({ min: y.stats!.min, max: y.stats!.max }, { min: -2, max: 6 });
    close(y.stats!.mean, 1.5, 'mean y');
    close(y.stats!.std, Math.sqrt(33.5 / 3), 'std y');
    // z = y² = [0.25, 4, 36]; L = 40.25.
    close(z.stats!.mean, 40.25 / 3, 'mean z');
    assert.deepEqual(loss.stats, { min: 40.25, max: 40.25, mean: 40.25, std: 0 });

    // ∂L/∂L = 1; ∂L/∂z = 1 (3 ones); ∂L/∂y = 2y = [1, −4, 12]; ∂L/∂w = 2y⊙x = [1, −8, 36]; ∂L/∂x = 2y⊙w = [0.5, 4, 24].
    close(loss.gradNorm, 1, '‖∂L/∂L‖');
    close(z.gradNorm, Math.sqrt(3), '‖∂L/∂z‖');
    close(y.gradNorm, Math.sqrt(1 + 16 + 144), '‖∂L/∂y‖');
    close(byName('w').gradNorm, Math.sqrt(1 + 64 + 1296), '‖∂L/∂w‖');
    close(byName('x').gradNorm, Math.sqrt(0.25 + 16 + 576), '‖∂L/∂x‖');
    close(byName('w').stats!.mean, (0.5 - 1 + 2) / 3, 'mean w');
  });

  it('gives no gradient norm for a non-scalar output, nor for a constant made inside forward', async () => {
    const vector = tiny.replace('return F.sum(F.mul(y, y));', 'return F.mul(y, 3);');
    const { graph } = graphOf(await runFile({ fileName, text: vector, task: 'graph', warm }));
    assert.ok(graph.nodes.every((n) => n.gradNorm === undefined), 'no backward for a vector output');
    const out = graph.nodes.find((n) => n.kind === 'output')!;
    assert.deepEqual([out.stats!.min, out.stats!.max], [-6, 18]);

    const scaled = tiny.replace('return F.sum(F.mul(y, y));', 'return F.sum(F.mul(y, 3));');
    const g = graphOf(await runFile({ fileName, text: scaled, task: 'graph', warm })).graph;
    const constant = g.nodes.find((n) => n.constant)!;
    assert.equal(constant.name, '3');
    assert.equal(constant.gradNorm, undefined);
    // ∂(Σ 3y)/∂w = 3x = [3, 6, 9].
    close(g.nodes.find((n) => n.name === 'w')!.gradNorm, Math.sqrt(9 + 36 + 81), '‖∂L/∂w‖');
  });

  it('computes statistics with two passes, so a large mean does not swamp the spread', () => {
    const data = Float64Array.from([1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4]);
    const s = valueStats(data)!;
    assert.equal(s.mean, 1e9 + 2.5);
    close(s.std, Math.sqrt(1.25), 'std');
    assert.ok(Number.isNaN(valueStats([1, NaN])!.mean), 'NaN is shown, not skipped');
    assert.equal(valueStats([]), undefined);
  });
});
