// The first view of every shipped example, at the two panel shapes a user really gets: beside the
// source (500×800, tall) and full width (1000×600, wide). Read from the drawn boxes: either every
// node is inside the canvas with labels at least 11 px high, or the overview is shown and the
// loss is in view. The graphs come from the real runner on the examples.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { graphMessage } from '../../src/extension/panel/messages';
import { runFile } from '../../src/runner/index';
import type { ModelGraphResult } from '../../src/shared/workerProtocol';
import { assertWholeOrOverview, drawn } from './fitRule';
import { graphDrawn, openPanel, ROOT, screenshotPath, useBrowser } from './harness';

const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));

describe('the first view of every example, beside the source and full width', function () {
  this.timeout(300_000);
  const browser = useBrowser();
  const graphs = new Map<string, unknown>();

  before(async () => {
    for (const example of examples) {
      const r = await runFile({ fileName: path.join(ROOT, 'examples', example), task: 'graph', workers: 1 });
      assert.ok(r.ok, `${example}: ${r.ok ? '' : r.error.message}`);
      graphs.set(example, graphMessage(`examples/${example}`, r.models as ModelGraphResult[]));
    }
  });

  for (const [width, height] of [
    [500, 800],
    [1000, 600],
  ]) {
    it(`${width}×${height}: whole and legible, or the overview with the loss in view`, async () => {
      const p = await openPanel(browser, { width, height });
      const summary: string[] = [];
      for (const example of examples) {
        const before = await p.page.evaluate(() => (document.querySelector('.graph-view') as HTMLElement).dataset.rendered ?? '');
        await p.send(graphs.get(example));
        await p.page.waitForFunction((b) => (document.querySelector('.graph-view') as HTMLElement).dataset.rendered !== b, before);
        await graphDrawn(p);
        const d = await drawn(p.page);
        const shown = assertWholeOrOverview(example, d);
        summary.push(`${example} ${shown}`);
        if (example === 'mixer.ts') await p.page.screenshot({ path: screenshotPath(`webview-graph-fit-mixer-${width}x${height}.png`) });
      }
      assert.deepEqual(p.problems, []);
      if (process.env.GRADLENS_DEBUG) console.log(summary.join('\n'));
    });
  }
});
