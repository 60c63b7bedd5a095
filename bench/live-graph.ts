// `npx tsx bench/live-graph.ts`: the live graph's latency, from the last keystroke of a burst of
// typing to the graph message posted, for examples/mlp.ts and examples/cnn.ts. The LiveGraph
// controller runs as the panel runs it (its default: a warm worker, the default debounce), against
// the peer it replaced: the same controller tracing each edit in a fresh worker. Medians of several
// edits; the target is under 300 ms.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DELAY_MS, LiveGraph, type TraceFn } from '../src/extension/panel/liveGraph';
import { runFile } from '../src/runner/index';
import type { GraphDidChange } from '../src/shared/protocol';
import { machine, row } from './harness';
import { median } from './harness';

const quick = process.argv.includes('--quick');
const EDITS = quick ? 5 : 15;
/** Gap between keystrokes in a burst: a fast typist's, shorter than the debounce. */
const KEY_GAP_MS = 60;
const KEYS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Types EDITS bursts into the file; returns each burst's last-keystroke → graph-posted time (ms). */
async function typingLatencies(file: string, trace: TraceFn | undefined): Promise<number[]> {
  const base = fs.readFileSync(file, 'utf8');
  let arrived: ((msg: GraphDidChange) => void) | undefined;
  const live = new LiveGraph({ ...(trace ? { trace } : {}), onGraph: (m) => arrived?.(m) });
  // Opening the panel traces at once; that first run starts the worker and is not counted.
  await live.now(file, base);
  const times: number[] = [];
  try {
    for (let e = 0; e < EDITS; e++) {
      let lastKey = 0;
      const posted = new Promise<GraphDidChange>((resolve) => (arrived = resolve));
      for (let k = 1; k <= KEYS; k++) {
        live.update(file, `${base}\n// edit ${e} ${'x'.repeat(k)}\n`);
        lastKey = performance.now();
        if (k < KEYS) await sleep(KEY_GAP_MS);
      }
      const msg = await posted;
      times.push(performance.now() - lastKey);
      if (msg.error || !msg.models[0]?.graph) throw new Error(`no graph: ${msg.error?.message}`);
      await sleep(50);
    }
  } finally {
    live.dispose();
  }
  return times;
}

async function main(): Promise<void> {
  console.log(`Machine: ${machine()}`);
  console.log(`Debounce ${DEFAULT_DELAY_MS} ms; ${EDITS} edits per file, each a burst of ${KEYS} keystrokes ${KEY_GAP_MS} ms apart.`);
  const cold: TraceFn = (fileName, text, signal) => runFile({ fileName, text, task: 'graph', signal, workers: 1 });
  const widths = [18, 26, 26, 10];
  console.log(row(['file', 'warm: median (min–max) ms', 'fresh worker: median ms', 'speed-up'], widths));
  for (const name of ['mlp.ts', 'cnn.ts']) {
    const file = path.resolve(__dirname, '../examples', name);
    const warm = await typingLatencies(file, undefined);
    const fresh = await typingLatencies(file, cold);
    const w = median(warm);
    const f = median(fresh);
    console.log(row([name, `${w.toFixed(0)} (${Math.min(...warm).toFixed(0)}–${Math.max(...warm).toFixed(0)})`, f.toFixed(0), `${(f / w).toFixed(1)}×`], widths));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
