// The one rule for the user's line (engine/callSite.ts): the first stack frame outside Gradlens'
// own code. Here the engine runs from source (src/ under tsx); the built worker, where our code is
// the bundle, is covered by test/unit/runner/user-lines.test.ts.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as F from '../../../src/engine/F';
import { withOpObserver } from '../../../src/engine/autograd';
import { CallSite, callerFrame, isOwnFile, parseFrame, userFrames } from '../../../src/engine/callSite';
import { randn } from '../../../src/engine/create';
import * as nn from '../../../src/engine/nn';

const src = path.resolve(__dirname, '../../../src');

/** This file's line that calls it. */
function lineHere(): number {
  return parseFrame((new Error().stack ?? '').split('\n')[2])!.line;
}

const lineOf = (frame: string): number => {
  const f = parseFrame(frame);
  assert.ok(f, `not a stack line: '${frame}'`);
  assert.equal(f.file, __filename);
  return f.line;
};

describe('the user\'s frame (engine/callSite.ts)', () => {
  it('counts all of src/ and Node\'s own frames as ours, and this test file as the user\'s', () => {
    assert.equal(isOwnFile(path.join(src, 'engine/registry.ts')), true);
    assert.equal(isOwnFile(path.join(src, 'gradcheck/localize.ts')), true);
    assert.equal(isOwnFile(path.join(src, 'runner/userFrames.ts')), true);
    assert.equal(isOwnFile('node:internal/timers'), true);
    assert.equal(isOwnFile(__filename), false);
    assert.equal(isOwnFile('/__gradlens__/user-bundle.js'), false);
  });

  it('reads every stack line V8 writes, and skips frames without a position', () => {
    assert.deepEqual(parseFrame('    at forward (/a b/model.ts:12:7)'), { text: 'at forward (/a b/model.ts:12:7)', file: '/a b/model.ts', line: 12, column: 7 });
    assert.deepEqual(parseFrame('at async Promise.run (/x.js:3:4)')?.file, '/x.js');
    assert.deepEqual(parseFrame('at /x/y.js:5:6'), { text: 'at /x/y.js:5:6', file: '/x/y.js', line: 5, column: 6 });
    assert.equal(parseFrame('at C:\\m\\model.ts:8:9')?.file, 'C:\\m\\model.ts');
    assert.equal(parseFrame('at Array.map (<anonymous>)'), undefined);
    assert.equal(parseFrame('Error: at x:1:2'), undefined, 'a message line is no frame');
    const stack = ['Error: boom', `    at apply (${src}/engine/registry.ts:10:3)`, '    at Array.map (<anonymous>)', '    at /__gradlens__/user-bundle.js:4:2', `    at run (${__filename}:1:1)`, '    at node:internal/x:1:1'].join('\n');
    assert.deepEqual(userFrames(stack).map((f) => f.file), ['/__gradlens__/user-bundle.js', __filename]);
  });

  it('names the line that called an op, through the tape and an observer', () => {
    const sites: string[] = [];
    const x = randn([3], { seed: 1 });
    const line = lineHere(); withOpObserver(function observe() { sites.push(callerFrame(observe)); }, () => F.exp(F.sigmoid(x)));
    assert.deepEqual(sites.map(lineOf), [line, line]);
  });

  it('finds the user under nested nn modules, more frames down than the first, shallow capture holds', () => {
    const block = new nn.GatedMLPBlock({ seqLen: 3, dim: 4, hidden: 4, seed: 2 });
    const x = randn([3, 4], { seed: 3 });
    const sites: string[] = [];
    let deepest = 0;
    const observe = (): void => {
      const holder: { stack?: string } = {};
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 100;
      Error.captureStackTrace(holder, observe);
      Error.stackTraceLimit = limit;
      deepest = Math.max(deepest, holder.stack!.split('\n').findIndex((l) => l.includes(__filename)));
      sites.push(callerFrame(observe));
    };
    const line = lineHere(); withOpObserver(observe, () => block.forward(x));
    assert.ok(deepest > 10, `the deepest op is ${deepest} frames above the user: deeper than the first capture`);
    assert.ok(sites.length > 5);
    assert.deepEqual(new Set(sites.map(lineOf)), new Set([line]));
  });

  it('a CallSite read later names the line where it was captured', () => {
    let site: CallSite | undefined;
    const x = randn([2], { seed: 4 });
    const line = lineHere(); withOpObserver(function observe() { site ??= new CallSite(observe); }, () => F.tanh(x));
    assert.equal(lineOf(site!.frame), line);
  });

  it('gives no frame when the function it starts from is not on the stack', () => {
    assert.equal(callerFrame(function notCalled() {}), '');
  });
});
