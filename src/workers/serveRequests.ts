// The worker's side of supervisor.ts: answer requests one at a time, each reply tagged with its
// request's id. A handler runs synchronously, so what the worker prints while it runs is exactly
// that request's output: it is sent back tagged with the request's id on the same port as the
// reply (so it never arrives after it, and what was printed before a time limit stopped the worker
// has already arrived), and what is printed between requests (a late promise callback) is dropped.
import { type MessagePort, parentPort } from 'node:worker_threads';
import { type OutputMessage, type ReplyMessage, isRequestMessage } from './protocol';

/** The most a request's output may hold (characters, stdout and stderr together); the rest is dropped. */
export const MAX_OUTPUT_CHARS = 64 * 1024;

export type RequestHandler = (payload: unknown) => unknown;

export function serveRequests(handle: RequestHandler, opts: { maxOutputChars?: number } = {}): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests() runs inside a worker thread');
  const output = captureOutput(port, opts.maxOutputChars ?? MAX_OUTPUT_CHARS);
  port.on('message', (msg: unknown) => {
    if (!isRequestMessage(msg)) return;
    const { id } = msg;
    let reply: ReplyMessage;
    output.begin(id);
    try {
      reply = { type: 'reply', id, ok: true, result: handle(msg.payload) };
    } catch (err) {
      reply = { type: 'reply', id, ok: false, error: messageOf(err), ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) };
    } finally {
      output.end();
    }
    try {
      port.postMessage(reply);
    } catch (err) {
      // A result that cannot be cloned (a function inside): the request still gets its answer.
      port.postMessage({ type: 'reply', id, ok: false, error: `the worker could not send its result: ${messageOf(err)}` } satisfies ReplyMessage);
    }
  });
}

/**
 * Replaces the worker's stdout and stderr for good: they outlive each request, and whatever is
 * written to them goes to the request being served, or nowhere.
 */
function captureOutput(port: MessagePort, maxChars: number): { begin(id: number): void; end(): void } {
  let current: { id: number; left: number } | undefined;
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (current && current.left > 0) {
      const text = (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')).slice(0, current.left);
      current.left -= text.length;
      if (text) port.postMessage({ type: 'output', id: current.id, text } satisfies OutputMessage);
    }
    (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
    return true;
  };
  for (const s of [process.stdout, process.stderr]) s.write = write as typeof s.write;
  return {
    begin: (id) => (current = { id, left: maxChars }),
    end: () => (current = undefined),
  };
}

function messageOf(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'an unprintable value was thrown';
  }
}
