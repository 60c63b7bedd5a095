// How each entry was judged, in the CLI's table, its model line and --json: the method (always
// there), the noise floor and the deciding signal (when the checker gives them). The reports come
// from the real checker; the optional fields are set here as the checker sets them, so the output
// is tested both with and without them.
import * as assert from 'node:assert/strict';
import { checkModel } from '../../../src/gradcheck';
import type { ModelCheckResult } from '../../../src/shared/workerProtocol';
import { checkRows, fileJson, modelLine } from '../../../src/cli/report';
import { logisticModel } from '../gradcheck/fixtures';
import * as F from '../../../src/engine/F';
import { tensor } from '../../../src/engine/create';
import { defineModel } from '../../../src/engine/define';

const HEADER_METHOD = 3;
const HEADER_NOISE = 6;

function wrongBackward(): ModelCheckResult {
  const { error: _error, ...rest } = checkModel(logisticModel({ backward: 'wrong' }));
  return rest;
}

/** The same report with what the checker adds when it measures its noise and names the decider. */
function judged(m: ModelCheckResult): ModelCheckResult {
  const mark = <T extends ModelCheckResult['params'][number]>(c: T): T => ({ ...c, noiseFloor: 2.5e-10, ...(c.passed ? { decidedBy: 'tolerance' } : { decidedBy: 'noise', wrong: 1 }) });
  return { ...m, decidedBy: 'noise', params: m.params.map(mark), manual: m.manual?.map(mark) };
}

describe('check output: how each entry was judged', () => {
  it('without the optional fields: the method, "-" for the noise floor, a plain FAIL', () => {
    const strip = <T extends ModelCheckResult['params'][number]>({ noiseFloor: _n, decidedBy: _d, wrong: _w, ...c }: T): T => c as T;
    const { decidedBy: _decided, ...whole } = wrongBackward();
    const m: ModelCheckResult = { ...whole, params: whole.params.map(strip), manual: whole.manual?.map(strip) };
    const rows = checkRows(m);
    // autograd by central differences; the hand-written backward exactly against autograd.
    for (const r of rows) assert.equal(r[HEADER_METHOD], r[1]!.includes('(backward)') ? 'exact' : 'full', r.join(' | '));
    for (const r of rows) assert.equal(r[HEADER_NOISE], '-', r.join(' | '));
    assert.deepEqual(rows.map((r) => r.at(-1)), [...m.params.map(() => 'pass'), ...m.manual!.map((c) => (c.passed ? 'pass' : 'FAIL'))]);
    assert.doesNotMatch(modelLine(m)!, /decided/);
  });

  it('with them: the noise floor in its column, the decider of each failure and of the model', () => {
    const m = judged(wrongBackward());
    const rows = checkRows(m);
    for (const r of rows) assert.equal(r[HEADER_NOISE], '2.50e-10', r.join(' | '));
    // A pass needs no decider; the failing hand-written row names it.
    const verdicts = rows.map((r) => [r[1], r.at(-1)]);
    assert.ok(verdicts.some(([name, v]) => name === 'w (backward)' && v === 'FAIL (noise)'), JSON.stringify(verdicts));
    assert.ok(verdicts.filter(([name]) => !name!.includes('(backward)')).every(([, v]) => v === 'pass'), JSON.stringify(verdicts));
    assert.match(modelLine(m)!, /; fails, decided by the noise floor\.$/);
  });

  it('a pass at a non-differentiable point says where the kink is', () => {
    const w = tensor([0, 1.5, -0.7]);
    const report = checkModel(defineModel({ name: 'absKink', inputs: {}, params: { w }, forward: (_i, p) => F.sum(F.abs(p.w)) }), { mode: 'full' });
    const { error: _error, ...m } = report;
    assert.deepEqual(checkRows(m).map((r) => r.at(-1)), ['pass (kink at [0])']);
    // Several kinks: how many, and the first.
    const two = checkModel(defineModel({ name: 'absKinks', inputs: {}, params: { w: tensor([0, 1.5, 0, -0.7]) }, forward: (_i, p) => F.sum(F.abs(p.w)) }), { mode: 'full' });
    assert.equal(two.params[0].nonDifferentiable?.count, 2);
    const { error: _twoError, ...twoRows } = two;
    assert.deepEqual(checkRows(twoRows).map((r) => r.at(-1)), ['pass (2 kinks, first at [0])']);
  });

  it('--json carries method, noiseFloor, decidedBy and wrong per entry, and the model\'s decidedBy', () => {
    const m = judged(wrongBackward());
    const doc = fileJson({ ok: true, file: '/w/m.ts', task: 'check', models: [m] }, 'm.ts') as { models: Record<string, unknown>[] };
    const [model] = doc.models as { decidedBy: string; params: Record<string, unknown>[]; manual: Record<string, unknown>[] }[];
    assert.equal(model.decidedBy, 'noise');
    for (const c of model.params) assert.equal(c.method, 'full');
    for (const c of model.manual) assert.equal(c.method, 'exact');
    for (const c of [...model.params, ...model.manual]) {
      assert.equal(c.noiseFloor, 2.5e-10);
    }
    const bad = model.manual.find((c) => c.passed === false)!;
    assert.deepEqual([bad.decidedBy, bad.wrong], ['noise', 1]);
  });

  it('a sampled check says how many elements of how many it compared; a full one, how many in all', () => {
    const big = () => defineModel({ name: 'wide', inputs: {}, params: { w: tensor(Array.from({ length: 1500 }, (_, i) => Math.sin(i))) }, forward: (_i, p) => F.sum(F.mul(p.w, p.w)) });
    const { error: _e1, ...sampled } = checkModel(big(), { mode: 'sampled', samples: 40 });
    assert.equal(sampled.params[0].checked, 40);
    assert.match(modelLine(sampled)!, /^wide: sampled check of 40 of 1,500 parameter elements;/);
    const { error: _e2, ...full } = checkModel(big(), { mode: 'full' });
    assert.match(modelLine(full)!, /^wide: full check of 1,500 parameter elements;/);
  });
});
