// The runner's own lock for Restricted Mode: told that the workspace is untrusted, it reads,
// bundles and runs nothing of the file, on every path the extension uses (check, live graph).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LiveGraph } from '../../../src/extension/panel/liveGraph';
import { WarmRunner, runFile } from '../../../src/runner/index';
import type { GraphDidChange } from '../../../src/shared/protocol';
import { markerModel } from '../../helpers/markerModel';

describe('runner: an untrusted workspace', function () {
  this.timeout(30_000);
  let dir: string;
  let marker: string;
  let model: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-trust-'));
    marker = path.join(dir, 'marker.txt');
    model = path.join(dir, 'model.ts');
    fs.writeFileSync(model, markerModel(marker));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the marker file when trusted (so the marker means what it says)', async () => {
    const r = await runFile({ fileName: model, task: 'graph', workers: 1 });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'the model file ran');
  });

  for (const task of ['check', 'grad', 'graph'] as const) {
    it(`refuses ${task} when told the workspace is untrusted, and nothing of the file runs`, async () => {
      const warm = new WarmRunner();
      try {
        for (const opts of [{}, { warm }]) {
          const r = await runFile({ fileName: model, task, workspaceTrusted: false, ...opts });
          assert.equal(r.ok, false);
          assert.equal(!r.ok && r.error.kind, 'untrusted');
          assert.match(!r.ok ? r.error.message : '', /untrusted workspace \(Restricted Mode\)/);
        }
        assert.equal(warm.started, 0, 'no worker was started');
        assert.equal(fs.existsSync(marker), false);
      } finally {
        warm.dispose();
      }
    });
  }

  it('the live graph hands the trust it is given to the runner: untrusted, the file never runs', async () => {
    const sent: GraphDidChange[] = [];
    let trusted = false;
    const live = new LiveGraph({ delayMs: 10, trusted: () => trusted, onGraph: (m) => sent.push(m) });
    try {
      await live.now(model, markerModel(marker));
      assert.equal(sent.at(-1)?.error?.kind, 'untrusted');
      assert.equal(fs.existsSync(marker), false);
      trusted = true;
      await live.now(model, `${markerModel(marker)}\n`);
      assert.equal(sent.at(-1)?.error, undefined);
      assert.equal(fs.existsSync(marker), true, 'once trusted, it traces');
    } finally {
      live.dispose();
    }
  });
});
