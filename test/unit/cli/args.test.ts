// The CLI's argument parser: flags become options, mistakes become UsageErrors that name the flag.
import * as assert from 'node:assert/strict';
import { UsageError, parseArgs } from '../../../src/cli/args';

describe('gradlens arguments', () => {
  it('parses check with every option, in both --flag value and --flag=value forms', () => {
    const a = parseArgs(['check', 'a.ts', 'b.ts', '--model', 'mlp', '--mode=fast', '--eps', '1e-7', '--atol', '0', '--rtol=0.01', '--seed', '3', '--timeout', '500', '--json']);
    assert.deepEqual(a, {
      command: 'check',
      files: ['a.ts', 'b.ts'],
      model: 'mlp',
      options: { mode: 'fast', eps: 1e-7, atol: 0, rtol: 0.01, seed: 3 },
      timeoutMs: 500,
      json: true,
    });
  });

  it('treats everything after -- as files, and help/version as commands', () => {
    assert.deepEqual(parseArgs(['grad', '--', '--odd-name.ts']).files, ['--odd-name.ts']);
    assert.equal(parseArgs([]).command, 'help');
    assert.equal(parseArgs(['check', 'a.ts', '--help']).command, 'help');
    assert.equal(parseArgs(['--version']).command, 'version');
  });

  it('rejects mistakes with a sentence naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['check'], /needs a model file/],
      [['check', 'a.ts', '--mode', 'slow'], /--mode must be one of auto, full, fast, sampled, not 'slow'/],
      [['check', 'a.ts', '--eps', '0'], /--eps must be greater than 0/],
      [['check', 'a.ts', '--atol', '-1'], /--atol must not be negative/],
      [['check', 'a.ts', '--seed', '1.5'], /--seed must be a whole number/],
      [['check', 'a.ts', '--timeout'], /--timeout needs a value/],
      [['check', 'a.ts', '--model', '--json'], /--model needs a value/],
      [['check', 'a.ts', '--colour'], /Unknown option '--colour'/],
      [['graph', 'a.ts', 'b.ts'], /takes one file, got 2/],
      [['lint', 'a.ts'], /Unknown command 'lint'/],
    ];
    for (const [argv, message] of cases) assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  });
});
