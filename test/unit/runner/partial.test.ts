// The ledger of a check's notes (src/runner/partial.ts): what a limit that stops a file's check keeps.
import * as assert from 'node:assert/strict';
import { CheckLedger } from '../../../src/runner/partial';
import { unrunResult } from '../../../src/shared/checkResult';
import type { RunError } from '../../../src/shared/workerProtocol';

const timeout: RunError = { kind: 'timeout', message: 'Stopped at the time limit of 30 s: the file or its check was still running.' };
const limit = 'the time limit of 30 s';
const loc = (line: number) => ({ file: '/w/m.ts', line, column: 14 });

function ledgerOfThree(): CheckLedger {
  const ledger = new CheckLedger();
  ledger.hear({ type: 'models', models: [{ name: 'a', loc: loc(3) }, { name: 'b', loc: loc(9) }, { name: 'c' }] });
  ledger.hear({ type: 'checking', index: 0, mode: 'fast', size: 10 });
  ledger.hear({ type: 'checked', index: 0, result: { ...unrunResult('a', { kind: 'exception', message: 'kept as it came' }), passed: true } });
  ledger.hear({ type: 'checking', index: 1, mode: 'full', size: 50_890 });
  return ledger;
}

describe('check ledger', () => {
  it('keeps the results in, stops the running model at its line and marks the rest not reached', () => {
    const [a, b, c] = ledgerOfThree().stoppedBy(timeout, limit)!;
    assert.equal(a.passed, true);
    assert.equal(a.error?.message, 'kept as it came');
    assert.deepEqual({ ...b.error, message: undefined }, { kind: 'timeout', message: undefined, ...loc(9) });
    assert.match(b.error!.message, /^Stopped at the time limit of 30 s while checking this model \(50,890 parameter elements, full mode\)/);
    assert.match(b.error!.message, /or check it in fast mode/);
    assert.equal(c.error?.message, "Not checked: the time limit of 30 s was reached while model 'b' was being checked, before this model's turn.");
    assert.equal(c.loc, undefined);
  });

  it('suggests fast mode only to a check that was not in it', () => {
    const ledger = new CheckLedger();
    ledger.hear({ type: 'models', models: [{ name: 'a' }] });
    ledger.hear({ type: 'checking', index: 0, mode: 'fast', size: 1 });
    const [a] = ledger.stoppedBy(timeout, limit)!;
    assert.match(a.error!.message, /\(1 parameter element, fast mode\)/);
    assert.doesNotMatch(a.error!.message, /fast mode \(/);
  });

  it('tells a small model stopped mid-sweep that its check is slow, and one that never compared an element that its code is stuck', () => {
    const stopped = (progress?: [number, number]) => {
      const ledger = new CheckLedger();
      ledger.hear({ type: 'models', models: [{ name: 'cnn' }] });
      ledger.hear({ type: 'checking', index: 0, mode: 'full', size: 7_978 });
      if (progress) ledger.progress(...progress);
      return ledger.stoppedBy(timeout, limit)![0].error!.message;
    };
    assert.equal(
      stopped([1_200, 7_978]),
      'Stopped at the time limit of 30 s while checking this model (7,978 parameter elements, full mode), with 1,200 of 7,978 elements compared: the full check is too slow for the limit (every element it moves recomputes what that element reaches). Check it in fast mode (the gradlens.mode setting, or --mode fast), or raise the limit (the gradlens.timeout setting, or --timeout on the command line).',
    );
    for (const none of [undefined, [0, 7_978] as [number, number]]) assert.match(stopped(none), /for a model this small, its forward or backward is still running \(an endless loop\?\)/);
  });

  it("names the mode that ran when auto's full sweep turned fast before the limit", () => {
    const ledger = new CheckLedger();
    ledger.hear({ type: 'models', models: [{ name: 'cnn' }] });
    ledger.hear({ type: 'checking', index: 0, mode: 'full', size: 7_978 });
    ledger.progress(64, 7_978);
    // The worker tells the switch as a new 'checking' note; the fast check counts tensors.
    ledger.hear({ type: 'checking', index: 0, mode: 'fast', size: 7_978 });
    ledger.progress(2, 6);
    const message = ledger.stoppedBy(timeout, limit)![0].error!.message;
    assert.match(message, /\(7,978 parameter elements, fast mode\)/);
    assert.doesNotMatch(message, /too slow|elements compared|check it in fast mode/);
  });

  it('keeps nothing before the models are found, on a cancel, or from notes that fail the guard', () => {
    assert.equal(new CheckLedger().stoppedBy(timeout, limit), undefined, "the file's own code ran into the limit");
    assert.equal(ledgerOfThree().stoppedBy({ kind: 'cancelled', message: 'The run was cancelled.' }, limit), undefined);
    const ledger = new CheckLedger();
    for (const bad of [null, 'models', { type: 'models', models: [{ nome: 'a' }] }, { type: 'checking', index: -1, mode: 'full', size: 1 }, { type: 'checked', index: 0, result: 7 }]) ledger.hear(bad);
    assert.equal(ledger.stoppedBy(timeout, limit), undefined);
  });
});
