// The check result's one declaration (src/shared/checkResult.ts): the real checker's reports fit
// its schemas, its guards reject a malformed result and say where, and non-finite figures survive
// the JSON a webview gets. Reports come from the real checker on small real models.
import * as assert from 'node:assert/strict';
import * as v from 'valibot';
import { checkModel } from '../../../src/gradcheck';
import { resultsMessage } from '../../../src/extension/panel/messages';
import { type ModelCheckResult, ModelCheckResultSchema, ModelReportSchema, TensorCheckSchema, isRunError, isSourceLocation, pinned, read, toWire, unrunResult } from '../../../src/shared/checkResult';
import { isResultsDidChange, isToWebview, readResults, readableModels } from '../../../src/shared/protocol';
import { logisticModel, squareModel, squareOp } from '../gradcheck/fixtures';

/** The runner's form of a checker report (execute.ts: the error string becomes a RunError). */
function asResult(name: string, report: ReturnType<typeof checkModel>): ModelCheckResult {
  const { error: _error, ...rest } = report;
  return { ...rest, name };
}

/** Through JSON, as postMessage to a webview and the report's data block carry it. */
const viaJson = <T>(x: T): unknown => JSON.parse(JSON.stringify(x));

describe('check result schema', () => {
  const wrong = checkModel(logisticModel({ backward: 'wrong' }));
  const withOp = checkModel(squareModel(squareOp({ at: 1 })));

  it('fits what the real checker reports: params, the hand-written backward, custom ops', () => {
    for (const report of [wrong, withOp]) {
      const r = v.safeParse(ModelReportSchema, report);
      assert.ok(r.success, JSON.stringify(!r.success && r.issues.map((i) => [v.getDotPath(i), i.message])));
    }
    assert.ok(wrong.manual?.some((c) => !c.passed), 'the wrong backward should fail');
    assert.ok(withOp.ops.some((o) => !o.passed), 'the wrong op should fail');
    // Every entry says how it was judged.
    for (const c of [...wrong.params, ...(wrong.manual ?? [])]) assert.ok(['exact', 'full', 'fast', 'sampled'].includes(c.method), c.method);
  });

  it('a result that went through JSON reads back the same, non-finite figures included', () => {
    const m = asResult('logistic', wrong);
    // What a gradient that could not be compared looks like: NaN loss, infinite errors.
    const broken: ModelCheckResult = { ...m, loss: NaN, taylorSlope: -Infinity, params: m.params.map((c, i) => (i === 0 ? { ...c, maxAbsError: Infinity, maxRelError: NaN, noiseFloor: Infinity } : c)) };
    const sent = viaJson(toWire(broken));
    const back = read(ModelCheckResultSchema, sent);
    assert.ok(back.ok, JSON.stringify(!back.ok && back.invalid));
    assert.ok(Number.isNaN(back.value.loss));
    assert.equal(back.value.taylorSlope, -Infinity);
    assert.equal(back.value.params[0].maxAbsError, Infinity);
    assert.ok(Number.isNaN(back.value.params[0].maxRelError));
    assert.equal(back.value.params[0].noiseFloor, Infinity);
    // Everything else unchanged (the manual rows' values and the worst elements included).
    assert.deepEqual(back.value.manual, broken.manual);
    assert.deepEqual(back.value.params.slice(1), broken.params.slice(1));
    // Plain JSON of the same result has null in their place: rejected, at the field.
    const plain = read(ModelCheckResultSchema, viaJson(broken));
    assert.equal(plain.ok, false);
    assert.equal(!plain.ok && plain.invalid.path, 'loss');
  });

  it('rejects a malformed result, naming the path of the bad field', () => {
    const m = viaJson(toWire(asResult('logistic', wrong))) as { params: Record<string, unknown>[]; manual: Record<string, unknown>[] };
    const cases: [string, (x: typeof m) => void, string][] = [
      ['a string error figure', (x) => (x.params[1].maxAbsError = 'large'), 'params.1.maxAbsError'],
      ['an unknown method', (x) => (x.params[0].method = 'guess'), 'params.0.method'],
      ['an unknown decider', (x) => (x.manual[0].decidedBy = 'luck'), 'manual.0.decidedBy'],
      ['a 0-based blame line', (x) => (x.manual[0].blameLoc = { file: 'm.ts', line: 0, column: 1 }), 'manual.0.blameLoc.line'],
      ['a fractional shape', (x) => (x.params[0].shape = [1.5]), 'params.0.shape.0'],
      ['a missing verdict', (x) => delete x.params[0].passed, 'params.0.passed'],
    ];
    for (const [what, spoil, path] of cases) {
      const bad = structuredClone(m);
      spoil(bad);
      const r = read(ModelCheckResultSchema, bad);
      assert.equal(r.ok, false, what);
      assert.equal(!r.ok && r.invalid.path, path, what);
      assert.ok(!r.ok && r.invalid.message.length > 0, what);
    }
  });

  it('a results message with one malformed model still reads the others, and says which and where', () => {
    const good = asResult('logistic', wrong);
    const op = asResult('square', withOp);
    const msg = viaJson(resultsMessage('m.ts', [good, op])) as { models: Record<string, unknown>[] };
    (msg.models[0].params as Record<string, unknown>[])[0].worst = { index: [0], analytic: 'x', numeric: 1 };
    // The strict guard (what a sender must send) rejects the whole message…
    assert.equal(isResultsDidChange(msg), false);
    assert.equal(isToWebview(msg), false);
    // …while the webview's reader keeps the good model and marks the bad one.
    const r = readResults(msg);
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.entries.map((e) => (e.ok ? ['ok', e.model.name] : ['bad', e.name, e.invalid.path])),
      [
        ['bad', 'logistic', 'params.0.worst.analytic'],
        ['ok', 'square'],
      ],
    );
    assert.deepEqual(readableModels(r.value), [v.parse(ModelCheckResultSchema, toWire(op))]);
    // A bad envelope is rejected whole, with its path.
    const envelope = readResults({ type: 'results/didChange', file: 42, models: [] });
    assert.equal(!envelope.ok && envelope.invalid.path, 'file');
  });

  it('the panel message of a real check passes the strict guard, and a file that did not run has a well-formed entry', () => {
    const msg = resultsMessage('m.ts', [asResult('logistic', wrong), unrunResult('(file)', { kind: 'syntax', message: "';' expected.", line: 3, column: 1 })]);
    assert.ok(isResultsDidChange(viaJson(msg)));
    assert.ok(isToWebview(viaJson(msg)));
  });

  it('places and errors: the guards the graph messages and the worker replies use', () => {
    assert.ok(isSourceLocation({ file: 'm.ts', line: 1, column: 1 }));
    assert.equal(isSourceLocation({ file: 'm.ts', line: 0, column: 1 }), false);
    assert.equal(isSourceLocation({ line: 3, column: 1 }), false);
    assert.ok(isRunError({ kind: 'timeout', message: 'Stopped at the time limit.' }));
    assert.equal(isRunError({ kind: 'explosion', message: 'x' }), false);
    assert.equal(isRunError({ kind: 'nan', message: 7 }), false);
  });

  it('pins a schema to a type at compile time: a field missing, extra, or optional on one side only does not compile', () => {
    type Entry = { a: number; b?: string };
    const exact = pinned<Entry>()(v.object({ a: v.number(), b: v.optional(v.string()) }));
    // @ts-expect-error: the optional field is missing from the schema
    pinned<Entry>()(v.object({ a: v.number() }));
    // @ts-expect-error: a field the type does not have
    pinned<Entry>()(v.object({ a: v.number(), b: v.optional(v.string()), c: v.boolean() }));
    // @ts-expect-error: required in the schema, optional in the type
    pinned<Entry>()(v.object({ a: v.number(), b: v.string() }));
    // At run time a pinned schema is the schema itself.
    assert.deepEqual(v.parse(exact, { a: 1, z: 2 }), { a: 1 });
  });

  it('strips what it does not declare: the pool\'s pass-through `kinks` never reaches a view', () => {
    const c = { ...wrong.params[0], kinks: [1, 2] };
    const parsed = v.parse(TensorCheckSchema, c);
    assert.equal('kinks' in parsed, false);
    assert.deepEqual(parsed, wrong.params[0]);
  });
});
