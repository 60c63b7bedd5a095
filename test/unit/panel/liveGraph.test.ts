// The live graph controller with the real runner: debouncing, and a broken buffer keeping the last
// good graph with the error at the right line.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFile } from '../../../src/runner/index';
import { LiveGraph } from '../../../src/extension/panel/liveGraph';
import type { GraphDidChange } from '../../../src/shared/protocol';
import { isGraphDidChange } from '../../../src/shared/protocol';

const file = path.resolve('examples/mlp.ts');
const text = fs.readFileSync(file, 'utf8');

function controller(delayMs = 40) {
  const sent: GraphDidChange[] = [];
  let waiting: (() => void) | undefined;
  const live = new LiveGraph({
    delayMs,
    trace: (fileName, t, signal) => runFile({ fileName, text: t, task: 'graph', signal, workers: 1, timeoutMs: 20_000 }),
    onGraph: (m) => {
      sent.push(m);
      waiting?.();
    },
  });
  const next = () => new Promise<void>((resolve) => (waiting = resolve));
  return { live, sent, next };
}

describe('live graph', function () {
  this.timeout(60_000);

  it('traces once after a burst of edits, with the last text', async () => {
    const { live, sent, next } = controller();
    const edited = text.replace('F.sigmoid(z1)', 'F.tanh(z1)');
    const arrived = next();
    live.update(file, text);
    live.update(file, text.replace('F.sigmoid(z1)', 'F.relu(z1)'));
    live.update(file, edited);
    await arrived;
    assert.equal(live.runs, 1);
    assert.equal(sent.length, 1);
    assert.ok(isGraphDidChange(sent[0]));
    const ops = sent[0].models[0].graph!.nodes.map((n) => n.op);
    assert.ok(ops.includes('tanh') && !ops.includes('sigmoid') && !ops.includes('relu'), ops.join());
    live.dispose();
  });

  it('keeps the last good graph and reports where a broken buffer fails', async () => {
    const { live, sent } = controller();
    await live.now(file, text);
    const good = sent[0].models[0].graph!.nodes.length;
    // Line 43 loses its closing parenthesis.
    await live.now(file, text.replace('const a1 = F.sigmoid(z1);', 'const a1 = F.sigmoid(z1;'));
    assert.equal(sent.length, 2);
    const broken = sent[1];
    assert.ok(isGraphDidChange(broken));
    assert.equal(broken.error?.kind, 'syntax');
    assert.equal(broken.error?.line, 43);
    assert.equal(broken.models[0].graph!.nodes.length, good, 'the last good graph is still sent');
    live.dispose();
  });
});
