// Nothing a model file says reaches the terminal as a control sequence: names, messages, paths and
// what the file prints are written with their control characters escaped (src/cli/terminal.ts).
// And whatever the file does to its process, the CLI lives to report it.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terminalText } from '../../../src/cli/terminal';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/gradlens.js');

interface Run {
  code: number | string | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function gradlens(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? null) : 0, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}

const ESC = '\u001b';
const CLEAR = `${ESC}[2J`;
const LINK = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
const CLIPBOARD = `${ESC}]52;c;cm0gLXJmIH4=\u0007`;

describe('terminal output', function () {
  this.timeout(60_000);

  describe('terminalText', () => {
    it('escapes C0 (but tab and newline), DEL, C1 and the bidirectional overrides', () => {
      assert.equal(terminalText(`a${CLEAR}b`), 'a\\x1b[2Jb');
      assert.equal(terminalText(CLIPBOARD), '\\x1b]52;c;cm0gLXJmIH4=\\x07');
      assert.equal(terminalText('over\rwrite\u009b2J\u007f'), 'over\\x0dwrite\\x9b2J\\x7f');
      assert.equal(terminalText('abc\u202edef\u2066'), 'abc\\u202edef\\u2066');
      assert.equal(terminalText('\0'), '\\x00');
    });

    it('leaves text alone: tabs, newlines, Unicode and the table\'s own characters', () => {
      const text = 'model\tname\n∂L/∂W1 ≈ 2 — σ(z) ⊙ x̄ [3,4] (a1 - 1) 中文 🙂';
      assert.equal(terminalText(text), text);
    });
  });

  describe('the CLI (spawned)', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-terminal-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, text: string): string => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };

    it('escapes a model\'s name, its error message and what it prints, in check, grad and graph', async () => {
      const file = write('hostile.ts', [
        "import { defineModel, F, tensor } from 'gradlens';",
        `console.log(${JSON.stringify(`printed ${CLIPBOARD}`)});`,
        `export const fine = defineModel({ name: ${JSON.stringify(`fine${CLEAR}`)}, inputs: {}, params: { w: tensor([1, 2]) }, forward: (_i, { w }) => F.sum(F.mul(w, w)) });`,
        `export const broken = defineModel({ name: ${JSON.stringify(`broken${LINK}`)}, inputs: {}, params: { w: tensor([1]) }, forward: () => { throw new Error(${JSON.stringify(`no ${CLEAR}`)}); } });`,
        '',
      ].join('\n'));
      for (const command of ['check', 'grad', 'graph']) {
        const r = await gradlens(command, file);
        const all = r.stdout + r.stderr;
        assert.equal(r.code, 2, `${command}: ${all}`);
        assert.ok(!all.includes(ESC) && !all.includes('\u0007'), `${command}: no control character reaches the terminal: ${JSON.stringify(all)}`);
        assert.ok(all.includes('\\x1b[2J'), `${command}: the name and message are shown, escaped`);
        assert.ok(r.stderr.includes('printed \\x1b]52;c;cm0gLXJmIH4=\\x07'), `${command}: the file's output too`);
      }
      const check = await gradlens('check', file);
      assert.match(check.stdout, /^fine\\x1b\[2J\s+w\s+\[2\]/m, 'the table shows the escaped name');
      assert.match(check.stderr, /broken\\x1b\]8;;https:\/\/evil\.example\/\\x1b\\click/, 'a link is shown as text');
    });

    it('keeps --json exact: JSON escapes control characters itself', async () => {
      const file = write('named.ts', `import { defineModel, F, tensor } from 'gradlens';\nexport const m = defineModel({ name: ${JSON.stringify(`m${CLEAR}`)}, inputs: {}, params: { w: tensor([1]) }, forward: (_i, { w }) => F.sum(w) });\n`);
      const r = await gradlens('check', '--json', file);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes(ESC));
      const doc = JSON.parse(r.stdout) as { files: { models: { name: string }[] }[] };
      assert.equal(doc.files[0].models[0].name, `m${CLEAR}`, 'the name itself, unchanged');
    });

    it('lives through a model that calls process.kill(process.pid), process.abort() or process.exit(), and says where', async () => {
      const calls = [
        'process.kill(process.pid);',
        'process.abort();',
        'process.exit(3);',
        "(F.add.constructor('return process')() as NodeJS.Process).kill(process.pid, 'SIGKILL');",
      ];
      for (const call of calls) {
        const file = write('stops.ts', `import { defineModel, F, tensor } from 'gradlens';\n${call}\nexport const m = defineModel({ inputs: {}, params: { w: tensor([1]) }, forward: (_i, { w }) => F.sum(w) });\n`);
        const r = await gradlens('check', file);
        assert.equal(r.signal, null, `${call}: the CLI was not killed`);
        assert.equal(r.code, 2, `${call}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:\\d+: process\\.(kill|abort|exit)\\(\\) is not available to a model file`, 'm'), r.stderr);
        assert.match(r.stdout, /0 of 0 models passed in 1 file; 1 file could not be run/);
      }
    });
  });
});
