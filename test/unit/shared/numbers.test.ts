// How the verdicts print numbers (shared/verdict.ts): three significant digits, exponent form
// when small or large, and a gradient beside its reference with the digits it takes to tell them apart.
import * as assert from 'node:assert/strict';
import { describeBlame, fmtNum, fmtPair } from '../../../src/shared/verdict';

describe('numbers in verdicts', () => {
  it('fmtNum: three significant digits, small and large ones in exponent form without trailing zeros', () => {
    assert.deepEqual([3.53e-4, 1e-8, 1.2e-12, 0.0118456, 123456, -2.5e-7, 0, NaN].map((x) => fmtNum(x)), ['3.53e-4', '1e-8', '1.2e-12', '0.0118', '1.23e5', '-2.5e-7', '0', 'NaN']);
  });

  it('fmtPair: more digits until two different values read differently; equal ones as they are', () => {
    assert.deepEqual(fmtPair(-0.011845, -0.011744), ['-0.0118', '-0.0117']);
    assert.deepEqual(fmtPair(0.020812, 0.020833), ['0.02081', '0.02083']);
    assert.deepEqual(fmtPair(1.00000012, 1.00000011), ['1.00000012', '1.00000011']);
    assert.deepEqual(fmtPair(0.5, 0.5), ['0.5', '0.5']);
    assert.deepEqual(fmtPair(2e-12, 6e-12), ['2e-12', '6e-12']);
  });

  it('a blame shows its two values apart', () => {
    const text = describeBlame({ kind: 'manual', name: 'W1', index: [0, 17], analytic: 0.0208331, numeric: 0.0208124, maxAbsError: 2e-5, maxRelError: 1e-3, reference: 'autograd' });
    assert.match(text, /analytic 0\.02083 vs autograd 0\.02081/);
  });
});
