// The worker's side of supervisor.ts: answer requests one at a time, each reply tagged with its
// request's id. The supervisor sends a worker its next request only once the last one is answered,
// so what the worker prints until it replies is exactly that request's output: it is sent back
// tagged with the request's id on the same port as the reply (so it never arrives after it, and
// what was printed before a time limit stopped the worker has already arrived), and what is
// printed between requests (a late promise callback) is dropped.
import { type MessagePort, parentPort } from 'node:worker_threads';
import { type OutputMessage, type PartialMessage, type ProgressMessage, type ReadyMessage, type ReplyMessage, isRequestMessage } from './protocol';

/** The most a request's output may hold (characters, stdout and stderr together); the rest is dropped. */
export const MAX_OUTPUT_CHARS = 64 * 1024;

/** What a handler may want besides the payload. */
export interface RequestContext {
  /** The process's resident memory when the supervisor's memory watch for this request began. */
  rssAtStart: number;
  /** Tells the supervisor how far this request has come; nothing once it is answered. */
  progress(done: number, total: number): void;
  /** Sends a piece of the answer ahead of it (protocol.ts PartialMessage); nothing once it is answered. */
  partial(payload: unknown): void;
}

/** Answers a request; a promise when the answer must wait a moment (the runner lets a file's promises settle). */
export type RequestHandler = (payload: unknown, context: RequestContext) => unknown;

export function serveRequests(handle: RequestHandler, opts: { maxOutputChars?: number } = {}): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests() runs inside a worker thread');
  const output = captureOutput(port, opts.maxOutputChars ?? MAX_OUTPUT_CHARS);
  const send = (reply: ReplyMessage): void => {
    output.end();
    try {
      port.postMessage(reply);
    } catch (err) {
      // A result that cannot be cloned (a function inside): the request still gets its answer.
      port.postMessage({ type: 'reply', id: reply.id, ok: false, error: `the worker could not send its result: ${messageOf(err)}` } satisfies ReplyMessage);
    }
  };
  const failure = (id: number, err: unknown): ReplyMessage => ({ type: 'reply', id, ok: false, error: messageOf(err), ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) });
  port.on('message', (msg: unknown) => {
    if (!isRequestMessage(msg)) return;
    const { id } = msg;
    output.begin(id);
    let answered = false;
    const progress = (done: number, total: number): void => {
      if (!answered) port.postMessage({ type: 'progress', id, done, total } satisfies ProgressMessage);
    };
    const partial = (payload: unknown): void => {
      if (answered) return;
      try {
        port.postMessage({ type: 'partial', id, payload } satisfies PartialMessage);
      } catch {
        // One that cannot be cloned is dropped: the reply still carries the whole answer.
      }
    };
    const reply = (r: ReplyMessage): void => {
      answered = true;
      send(r);
    };
    let result: unknown;
    try {
      result = handle(msg.payload, { rssAtStart: msg.rssAtStart, progress, partial });
    } catch (err) {
      return reply(failure(id, err));
    }
    // The supervisor sends the next request only after this reply, so what is printed meanwhile is still this request's.
    if (result instanceof Promise) {
      result.then((r: unknown) => reply({ type: 'reply', id, ok: true, result: r }), (err: unknown) => reply(failure(id, err)));
      return;
    }
    reply({ type: 'reply', id, ok: true, result });
  });
  port.postMessage({ type: 'ready' } satisfies ReadyMessage);
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
