// The CLI's progress line: drawn in place on a terminal's stderr from a check's counts, summed over
// the files that run at once, wiped before the results; nothing at all where stderr is no terminal.
import * as assert from 'node:assert/strict';
import { ProgressLine } from '../../../src/cli/progressLine';

function terminal(isTTY: boolean) {
  const written: string[] = [];
  let now = 0;
  const line = new ProgressLine({ isTTY, write: (t: string) => written.push(t) }, () => now);
  return { line, written, tick: (ms: number) => (now += ms) };
}

describe('CLI progress line', () => {
  it('rewrites one line with the percentage and counts, at most every 100 ms, and wipes it at the end', () => {
    const t = terminal(true);
    const report = t.line.reporter('/models/mlp50k.ts')!;
    report(0, 50_176);
    t.tick(10);
    report(300, 50_176); // too soon: not drawn
    t.tick(200);
    report(20_000, 50_176);
    t.tick(10);
    report(50_176, 50_176); // the end is always drawn
    t.line.clear();
    assert.deepEqual(t.written, [
      '\r\x1b[Kchecking mlp50k.ts: 0% (0 of 50,176 compared)',
      '\r\x1b[Kchecking mlp50k.ts: 39% (20,000 of 50,176 compared)',
      '\r\x1b[Kchecking mlp50k.ts: 100% (50,176 of 50,176 compared)',
      '\r\x1b[K',
    ]);
  });

  it('sums the files that run at once', () => {
    const t = terminal(true);
    t.line.reporter('a.ts')!(10, 100);
    t.tick(200);
    t.line.reporter('b.ts')!(30, 300);
    assert.equal(t.written.at(-1), '\r\x1b[Kchecking 2 files: 10% (40 of 400 compared)');
  });

  it('draws nothing where stderr is not a terminal, and a clear then writes nothing', () => {
    const t = terminal(false);
    assert.equal(t.line.reporter('a.ts'), undefined);
    t.line.clear();
    assert.deepEqual(t.written, []);
  });

  it('shows control characters of a file name as escapes', () => {
    const t = terminal(true);
    t.line.reporter('evil\x1b]52;c;x\x07.ts')!(1, 2);
    assert.ok(!t.written[0].slice('\r\x1b[K'.length).includes('\x1b'), JSON.stringify(t.written[0]));
  });
});
