// Runs ELK. Small graphs are laid out on the page's thread (no start-up cost); large ones in a web
// worker so the view stays responsive. A webview may only start workers from blob: URLs, so the
// worker script (dist/webview/elkWorker.js, next to this bundle) is fetched and wrapped in a blob.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { ElkInputGraph } from './model';

/** Graphs with more nodes than this are laid out in the worker. */
export const WORKER_THRESHOLD = 150;

// Captured while the bundle's script runs: later, document.currentScript is null.
const bundleSrc = (document.currentScript as HTMLScriptElement | null)?.src ?? '';

let inThread: InstanceType<typeof ELK> | undefined;
let inWorker: Promise<InstanceType<typeof ELK> | undefined> | undefined;

async function workerElk(): Promise<InstanceType<typeof ELK> | undefined> {
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

export interface LayoutInfo {
  graph: ElkNode;
  inWorker: boolean;
}

export async function layout(input: ElkInputGraph, nodeCount: number): Promise<LayoutInfo> {
  if (nodeCount > WORKER_THRESHOLD) {
    inWorker ??= workerElk();
    const elk = await inWorker;
    if (elk) return { graph: await elk.layout(input as ElkNode), inWorker: true };
  }
  inThread ??= new ELK();
  return { graph: await inThread.layout(input as ElkNode), inWorker: false };
}
