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
import { assertWholeOrOverview, type Drawn, drawn } from './fitRule';
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

  it('Fit to view shows the whole graph when asked, even where its labels get small', async () => {
    // Wide and short, as the panel is with the Problems panel open: mixer opens on the loss.
    const p = await openPanel(browser, { width: 1000, height: 340 });
    await p.send(graphs.get('mixer.ts'));
    await graphDrawn(p);
    const first = await drawn(p.page);
    assert.equal(assertWholeOrOverview('mixer.ts', first), 'overview');
    await p.page.locator('[title="Fit to view (0)"]').click();
    const fitted = await drawn(p.page);
    const inside = (n: Drawn['nodes'][0]) => n.left >= fitted.canvas.left - 0.5 && n.right <= fitted.canvas.right + 0.5 && n.top >= fitted.canvas.top - 0.5 && n.bottom <= fitted.canvas.bottom + 0.5;
    const out = fitted.nodes.filter((n) => !inside(n));
    assert.deepEqual(out.map((n) => n.id), [], 'every node in view after Fit');
    await p.page.screenshot({ path: screenshotPath('webview-graph-fit-button-mixer.png') });
    assert.deepEqual(p.problems, []);
  });
});
