// The status bar's summary of a document's results (src/extension/summary.ts).
import * as assert from 'node:assert/strict';
import { summarize } from '../../../src/extension/summary';
import { type ModelCheckResult, unrunResult } from '../../../src/shared/checkResult';

const passed = (name: string): ModelCheckResult => ({ ...unrunResult(name, { kind: 'exception', message: 'x' }), error: undefined, passed: true, deterministic: true, loss: 1 });
const failedCheck = (name: string): ModelCheckResult => ({ ...passed(name), passed: false });
const stopped = (name: string): ModelCheckResult => unrunResult(name, { kind: 'timeout', message: 'Stopped at the time limit of 30 s while checking this model.' });
const of = (reports: ModelCheckResult[]) => summarize({ uri: 'file:///m.ts', version: 1, reports, finishedAt: 0 }).short;

describe('status bar summary', () => {
  it('counts the models that did not run apart from those that failed a comparison', () => {
    assert.equal(of([passed('a'), passed('b')]), '2 models pass');
    assert.equal(of([passed('a'), failedCheck('b'), stopped('c')]), '1 of 3 failed, 1 did not run');
    assert.equal(of([passed('a'), stopped('b'), stopped('c')]), '2 of 3 did not run');
    assert.equal(of([failedCheck('a'), passed('b')]), '1 of 2 failed');
  });
});
