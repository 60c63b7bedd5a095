// The envelope every Gradlens worker speaks with its supervisor (supervisor.ts ⇄ serveRequests.ts),
// whatever it computes: requests carry an id, and what comes back (output, then one reply) carries
// the id of the request it belongs to, so a late answer is never taken for a later request's.
// What each request and result holds is the worker's own business, checked by its own guards.

/** Supervisor → worker. */
export interface RequestMessage {
  type: 'request';
  id: number;
  payload: unknown;
  /**
   * The process's resident memory when the supervisor started this request's memory watch. A
   * worker that checks its own allocations measures from the same point, so it refuses a buffer
   * before the watch would stop it (a fresh worker's own start-up, TypeScript's warm-up, lands
   * after this point and counts for both).
   */
  rssAtStart: number;
}

/**
 * Worker → supervisor, once: the worker has loaded (a runner worker warms up TypeScript first) and
 * listens. Its first request is sent only then, so its limits measure the request, not the start-up.
 */
export interface ReadyMessage {
  type: 'ready';
}

/** Worker → supervisor: text the worker printed while it served request `id`. */
export interface OutputMessage {
  type: 'output';
  id: number;
  text: string;
}

/** Worker → supervisor: how far request `id` has come (`done` of `total` units), for a progress bar. */
export interface ProgressMessage {
  type: 'progress';
  id: number;
  done: number;
  total: number;
}

/**
 * Worker → supervisor: a piece of request `id`'s answer sent ahead of it (a runner worker's model
 * checked, of a file of several), so that a time limit that stops the worker loses only what was
 * still running. What the payload holds is the worker's own business, like a result's.
 */
export interface PartialMessage {
  type: 'partial';
  id: number;
  payload: unknown;
}

/** Worker → supervisor: the answer to request `id`, or what its handler threw. */
export type ReplyMessage =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; stack?: string };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x);
}

export function isRequestMessage(x: unknown): x is RequestMessage {
  return isRecord(x) && x.type === 'request' && isId(x.id) && 'payload' in x && typeof x.rssAtStart === 'number';
}

export function isReadyMessage(x: unknown): x is ReadyMessage {
  return isRecord(x) && x.type === 'ready';
}

export function isOutputMessage(x: unknown): x is OutputMessage {
  return isRecord(x) && x.type === 'output' && isId(x.id) && typeof x.text === 'string';
}

export function isProgressMessage(x: unknown): x is ProgressMessage {
  return isRecord(x) && x.type === 'progress' && isId(x.id) && typeof x.done === 'number' && typeof x.total === 'number';
}

export function isPartialMessage(x: unknown): x is PartialMessage {
  return isRecord(x) && x.type === 'partial' && isId(x.id) && 'payload' in x;
}

export function isReplyMessage(x: unknown): x is ReplyMessage {
  if (!isRecord(x) || x.type !== 'reply' || !isId(x.id)) return false;
  if (x.ok === true) return 'result' in x;
  return x.ok === false && typeof x.error === 'string' && (x.stack === undefined || typeof x.stack === 'string');
}
