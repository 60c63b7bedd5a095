// Every route to the user's line names the same line for one model file (test/fixtures/runner/
// user-lines.ts): the defineModel and defineOp calls, a custom op's call site, the blamed line of a
// hand-written backward, a thrown engine error and the graph's nodes. All of them use the one rule
// of engine/callSite.ts, so they are checked together: through the real runner (the built worker,
// where user code is a source-mapped bundle) and in this process (the engine from source under tsx).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../../../src/engine/define';
import { checkModel } from '../../../src/gradcheck';
import { runFile } from '../../../src/runner/index';
import type { ModelCheckResult, ModelGraphResult, SourceLocation } from '../../../src/shared/workerProtocol';

const file = path.resolve(__dirname, '../../fixtures/runner/user-lines.ts');
const lines = fs.readFileSync(file, 'utf8').split('\n');

/** The 1-based position of `callee` on the one line marked `LINE:<tag>`: where the runner places that call (its start, for an op call). */
function marked(tag: string, callee: string): SourceLocation {
  const hits = lines.flatMap((l, i) => (l.includes(`// LINE:${tag}`) ? [i] : []));
  assert.equal(hits.length, 1, `one line is marked LINE:${tag}`);
  const column = lines[hits[0]].indexOf(callee);
  assert.ok(column >= 0, `'${callee}' on the line marked ${tag}`);
  return { file, line: hits[0] + 1, column: column + 1 };
}

const expected = {
  defineModel: marked('defineModel', 'defineModel('),
  defineOp: marked('defineOp', 'defineOp('),
  opCall: marked('opCall', 'cube('),
  blame: marked('blame', 'F.mul(da'),
  throw: marked('throw', 'F.matmul(w'),
};

/** The file and line a stack line such as `at forward (/x/y.ts:12:7)` points at. */
function lineOfFrame(frame: string): { file: string; line: number } {
  const m = /\(?([^()\s]+):(\d+):\d+\)?$/.exec(frame);
  assert.ok(m, `not a stack line: '${frame}'`);
  return { file: m[1], line: Number(m[2]) };
}

describe('the user\'s line, by every route (one model file)', function () {
  this.timeout(30_000);

  it('through the runner: the model, the custom op\'s call and definition, the blamed line and the thrown error', async () => {
    const r = await runFile({ fileName: file, task: 'check' });
    assert.ok(r.ok, JSON.stringify(r));
    const [model, mismatched] = r.models as ModelCheckResult[];
    assert.equal(model.name, 'cubedSigmoid');
    assert.deepEqual(model.loc, expected.defineModel);

    const [op] = model.ops;
    assert.equal(op.name, 'cube');
    assert.equal(op.passed, true, 'the op itself is right');
    assert.deepEqual(op.loc, expected.opCall);
    assert.deepEqual(op.definedAt, expected.defineOp);

    // Autograd passes, the hand-written backward does not: the localiser blames the line, names
    // the op there and hints at the sigmoid's derivative, in the registry's own words.
    assert.equal(model.params[0].passed, true);
    const manual = model.manual?.[0];
    assert.ok(manual && !manual.passed && manual.blame, JSON.stringify(manual));
    assert.deepEqual(manual.blameLoc, expected.blame);
    assert.match(manual.blame.message, /first goes wrong at this mul call/);
    assert.match(manual.blame.message, /Hint: .*sigmoid's derivative applied in full\? For y = σ\(x\).*σ\(x\) ⊙ \(1-σ\(x\)\)/u);

    // A shape error thrown four engine frames above the user's call is placed at that call.
    assert.equal(mismatched.name, 'mismatched');
    assert.equal(mismatched.error?.kind, 'shape');
    assert.match(mismatched.error?.message ?? '', /^matmul: shapes \[2\] and \[1,3\] do not align/);
    assert.deepEqual({ file: mismatched.error?.file, line: mismatched.error?.line, column: mismatched.error?.column }, expected.throw);
  });

  it('through the runner: the graph places each op at its call', async () => {
    const r = await runFile({ fileName: file, task: 'graph', model: 'cubedSigmoid' });
    assert.ok(r.ok, JSON.stringify(r));
    const { nodes } = (r.models as ModelGraphResult[])[0].graph;
    assert.deepEqual(nodes.find((n) => n.op === 'cube')?.loc, expected.opCall);
    const forwardLine = expected.opCall.line - 1; // `const a = F.sigmoid(F.matmul(X, W));`
    assert.deepEqual(nodes.filter((n) => n.op === 'sigmoid' || n.op === 'matmul').map((n) => n.loc?.line), [forwardLine, forwardLine]);
  });

  it('in this process: the engine from source names the same lines of the same file', () => {
    const { cubedSigmoid } = require(file) as { cubedSigmoid: Model };
    assert.deepEqual(lineOfFrame(cubedSigmoid.site), { file, line: expected.defineModel.line });
    const report = checkModel(cubedSigmoid, { mode: 'full' });
    assert.deepEqual(report.ops.map((o) => lineOfFrame(o.site)), [{ file, line: expected.opCall.line }]);
    const blame = report.manual?.[0]?.blame;
    assert.ok(blame, JSON.stringify(report.manual));
    assert.deepEqual(lineOfFrame(blame.site), { file, line: expected.blame.line });
  });
});
