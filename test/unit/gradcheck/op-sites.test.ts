// Custom ops are checked at each call site: one OpCheck per (op, site), naming the call and the
// element where the op's own backward is wrong.
import { strict as assert } from 'node:assert';
import * as F from '../../../src/engine/F';
import { tensor } from '../../../src/engine/create';
import { defineModel, defineOp } from '../../../src/engine/define';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';

/** The line this is called from, read from the stack like the checker reads call sites. */
function here(): number {
  const frame = (new Error().stack ?? '').split('\n')[2];
  return Number(/:(\d+):\d+\)?$/.exec(frame)![1]);
}

/** cube(z) = z³ whose backward is wrong (3z instead of 3z²) wherever z > 3: data-dependent, so only some calls go wrong. */
const cube = defineOp({
  name: 'cubeWrongAbove3',
  forward: (z) => F.mul(F.mul(z, z), z),
  backward: (dy, [z]) => {
    const g = new Float64Array(z.size);
    for (let i = 0; i < z.size; i++) g[i] = dy.data[i] * 3 * (z.data[i] > 3 ? z.data[i] : z.data[i] ** 2);
    return [new Tensor(g, z.shape.slice())];
  },
});

describe('custom ops at their call sites', () => {
  it('names the call in a loop whose inputs expose the bug, and the element', () => {
    const x = tensor([0.5, 1.2, 0.8]);
    const w = tensor([1, 1, 1]);
    const lines: number[] = [];
    const model = defineModel({
      inputs: { x },
      params: { w },
      forward: (inp, p) => {
        let loss: Tensor = tensor(0);
        // z = k·x⊙w for k = 1, 2, 3: only k = 3 puts an element (3.6, at [1]) above 3.
        for (let k = 1; k <= 3; k++) {
          lines.push(here()); loss = F.add(loss, F.sum(cube(F.mul(F.mul(inp.x, p.w), k))));
        }
        return loss;
      },
    });
    const r = checkModel(model);
    assert.equal(r.ops.length, 1, 'one call site');
    const op = r.ops[0];
    assert.equal(op.name, 'cubeWrongAbove3');
    assert.equal(op.passed, false);
    assert.equal(op.callIndex, 2);
    assert.deepEqual(op.worst?.index, [1]);
    // Along the op's random output projection v: true v₁·3z², the op's v₁·3z, so their ratio is z = 3.6.
    assert.ok(Math.abs(op.worst!.numeric / op.worst!.analytic - 3.6) < 1e-6, JSON.stringify(op.worst));
    assert.ok(op.site.includes(`op-sites.test.ts:${lines[0]}:`), `${op.site} should point at line ${lines[0]}`);
    // Upstream, w[1] is wrong too, and only w[1].
    assert.deepEqual(r.params[0].worst?.index, [1]);
    assert.equal(r.params[0].passed, false);
  });

  it('reports each call site separately, passing where the op is right', () => {
    const w = tensor([0.5, 1.5, 4]);
    let lineSmall = 0;
    let lineLarge = 0;
    const model = defineModel({
      inputs: {},
      params: { w },
      forward: (_, p) => {
        lineSmall = here(); const small = cube(F.mul(p.w, 0.5)); // [0.25, 0.75, 2]: never above 3
        lineLarge = here(); const large = cube(p.w); // 4 > 3 at [2]
        return F.add(F.sum(small), F.sum(large));
      },
    });
    const r = checkModel(model);
    assert.equal(r.ops.length, 2);
    const bySite = (line: number) => r.ops.find((o) => o.site.includes(`op-sites.test.ts:${line}:`));
    assert.equal(bySite(lineSmall)?.passed, true);
    const large = bySite(lineLarge);
    assert.equal(large?.passed, false);
    assert.deepEqual(large?.worst?.index, [2]);
    assert.equal(large?.worst?.input, 0);
  });

  it('reports an op whose backward returns the wrong number of gradients, without crashing', () => {
    const bad = defineOp({ name: 'twoGrads', forward: (z) => F.mul(z, 2), backward: (dy) => [dy, dy] });
    const w = tensor([1, 2]);
    const r = checkModel(defineModel({ inputs: {}, params: { w }, forward: (_, p) => F.sum(bad(p.w)) }));
    assert.equal(r.passed, false);
    assert.match(r.error ?? r.ops[0]?.error ?? '', /twoGrads: backward returned 2 gradient\(s\) for 1 input\(s\)/);
  });

  it('leaves integer index inputs alone (their gradient is zero)', () => {
    const gather = defineOp({
      name: 'gather',
      forward: (table, idx) => tensor(Array.from(idx.data, (i) => table.data[i])),
      backward: (dy, [table, idx]) => {
        const g = new Float64Array(table.size);
        idx.data.forEach((i, k) => (g[i] += dy.data[k]));
        return [new Tensor(g, table.shape.slice()), new Tensor(new Float64Array(idx.size), idx.shape.slice())];
      },
    });
    const table = tensor([0.3, -1.2, 2.5, 0.7]);
    const idx = tensor([2, 0, 2]);
    const r = checkModel(defineModel({ inputs: { idx }, params: { table }, forward: (inp, p) => F.sum(F.mul(gather(p.table, inp.idx), gather(p.table, inp.idx))) }));
    assert.ok(r.passed, JSON.stringify(r));
    assert.ok(r.ops.length >= 1);
    assert.ok(r.ops.every((o) => o.passed));
  });
});
