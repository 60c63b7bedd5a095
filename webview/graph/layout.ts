// Runs ELK. Small graphs are laid out on the page's thread (no start-up cost); large ones in a web
// worker so the view stays responsive. A webview may only start workers from blob: URLs, so the
// worker script (dist/webview/elkWorker.js, next to this bundle) is fetched and wrapped in a blob.
// A graph of more than LARGE_GRAPH boxes is laid out by parts (parts.ts), not whole.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { Direction } from './fit';
import { type ElkInputGraph, LARGE_GRAPH, toElk, type VisibleGraph } from './model';
import { layoutByParts, type PartCache } from './parts';

/** Graphs with more nodes than this are laid out in the worker. */
export const WORKER_THRESHOLD = 150;

// Captured while the bundle's script runs: later, document.currentScript is null. (No document:
// bench/graph-layout.ts in Node, which lays out in-thread.)
const bundleSrc = typeof document === 'undefined' ? '' : ((document.currentScript as HTMLScriptElement | null)?.src ?? '');

type Elk = InstanceType<typeof ELK>;
let inThread: Elk | undefined;
let inWorker: Promise<Elk | undefined> | undefined;

async function workerElk(): Promise<Elk | undefined> {
  if (!bundleSrc || typeof Worker === 'undefined') return undefined;
  try {
    const url = new URL('elkWorker.js', bundleSrc).toString();
    const res = await fetch(url);
    if (!res.ok) return undefined;
    const blob = URL.createObjectURL(new Blob([await res.text()], { type: 'text/javascript' }));
    return new ELK({ workerFactory: () => new Worker(blob) });
  } catch {
    // No worker here (a report opened from disk, a CSP without worker-src): lay out in-thread.
    return undefined;
  }
}

async function elkFor(nodeCount: number): Promise<{ elk: Elk; inWorker: boolean }> {
  if (nodeCount > WORKER_THRESHOLD) {
    inWorker ??= workerElk();
    const elk = await inWorker;
    if (elk) return { elk, inWorker: true };
  }
  inThread ??= new ELK();
  return { elk: inThread, inWorker: false };
}

export interface LayoutInfo {
  graph: ElkNode;
  inWorker: boolean;
  /** Laid out by parts: how many parts there were, and how many ELK had to lay out. */
  parts?: { total: number; laidOut: number };
}

export async function layout(input: ElkInputGraph, nodeCount: number): Promise<LayoutInfo> {
  const { elk, inWorker } = await elkFor(nodeCount);
  return { graph: await elk.layout(input as ElkNode), inWorker };
}

/**
 * The visible graph laid out: whole when small, by parts when large. ELK spends a few milliseconds
 * on every graph it is given whatever its size, and under half a millisecond a box: by parts wins
 * while the parts to lay out (those not alike, not in `cache`) number under a tenth of the boxes,
 * as in a network of repeated blocks; past that, the whole graph at once is cheaper.
 */
export async function layoutVisible(v: VisibleGraph, direction: Direction, cache: PartCache): Promise<LayoutInfo> {
  if (v.nodes.length <= LARGE_GRAPH) return layout(toElk(v, direction), v.nodes.length);
  const { elk, inWorker } = await elkFor(v.nodes.length);
  const r = await layoutByParts(v, direction, (g) => elk.layout(g), cache, Math.ceil(v.nodes.length / 10)).catch((err: unknown) => {
    // ELK failing on one part (an option it rejects there) should not cost the user the graph.
    console.warn(`Gradlens: laying out by parts failed (${(err as Error).message}); laying out the whole graph`);
    return undefined;
  });
  if (!r) return { graph: await elk.layout(toElk(v, direction) as ElkNode), inWorker };
  return { graph: r.graph, inWorker, parts: { total: r.parts, laidOut: r.laidOut } };
}
