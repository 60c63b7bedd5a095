// Where the user's code called into Gradlens: the first stack frame outside Gradlens' own code.
// Every route to a user's line uses this one rule: the site of defineModel and defineOp, the call
// site of a custom op the checker checks, the line the localiser blames in a hand-written backward,
// and the runner's mapping of a thrown error's stack through the bundle's source map.
//
// "Our own code" is recognised by file, without knowing who runs us:
// - bundled (dist/worker.js, dist/cli.js, ...), every Gradlens file is a bundle in one folder, so our
//   code is that folder (the runner evaluates the user's bundle under a name of its own elsewhere);
// - from source (tsx in the unit tests), this module is src/engine/callSite.ts and our code is the
//   whole of src/ (engine, checker, runner), the folder above engine/;
// - Node's own frames (node:internal/...) and frames without a file (`Array.map (<anonymous>)`)
//   are nobody's line either.
// The folder is read from this module's own frame at load time, so it is named exactly as every
// other frame of ours is named in a stack (a path, a file:// URL, a source-mapped .ts path).

/** One parsed stack line. Lines and columns are 1-based, as V8 prints them. */
export interface StackFrame {
  /** The frame as the stack prints it, trimmed: `at forward (/x/model.ts:12:7)`. */
  text: string;
  file: string;
  line: number;
  column: number;
}

/** `at [async] [name (]file:line:col[)]`; a frame without a position (native code) does not match. */
const FRAME = /^at (?:async )?(?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

/**
 * Frames captured when the user is near (an op's observer sees the user a few frames up): cheap to
 * capture and to format. Only when none of them is the user's is the capture repeated, deeper.
 */
const NEAR = 10;
/** Deep enough for a user call under nested nn modules and composite ops (the worker's own limit). */
const FAR = 64;

export function parseFrame(line: string): StackFrame | undefined {
  const text = line.trim();
  const m = FRAME.exec(text);
  return m ? { text, file: m[1], line: Number(m[2]), column: Number(m[3]) } : undefined;
}

const OWN_ROOT = ownRoot();

function ownRoot(): string | undefined {
  const holder: { stack?: string } = {};
  capture(holder, undefined, 1); // its one frame is capture(), in this file
  const file = framesOf(holder.stack)[0]?.file;
  if (!file) return undefined;
  const dir = file.slice(0, Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return /[\\/]engine[\\/]$/.test(dir) ? dir.slice(0, -'engine/'.length) : dir;
}

/** Whether a frame's file is Gradlens' own code or Node's (see the top of this file). */
export function isOwnFile(file: string): boolean {
  return file.startsWith('node:') || (OWN_ROOT !== undefined && file.startsWith(OWN_ROOT));
}

/** Every frame of a stack that has a position, innermost first; the header and native frames are skipped. */
function framesOf(stack: string | undefined): StackFrame[] {
  const out: StackFrame[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const frame = parseFrame(line);
    if (frame) out.push(frame);
  }
  return out;
}

/** Every frame of a stack outside Gradlens' own code, innermost first. */
export function userFrames(stack: string | undefined): StackFrame[] {
  return framesOf(stack).filter((f) => !isOwnFile(f.file));
}

/** The first frame of a stack outside our own code, as its stack line; '' when there is none. */
export function firstUserFrame(stack: string | undefined): string {
  return userFrames(stack)[0]?.text ?? '';
}

/**
 * The user's frame for a call into `above` (defineModel, a custom op's function, an op observer):
 * the first frame outside our own code below it. Frames above `above` are never captured; the
 * first capture is shallow and formatted at once, so this is cheap enough for ops in hot loops.
 */
export function callerFrame(above: Function): string {
  const holder: { stack?: string } = {};
  capture(holder, above, NEAR);
  const near = firstUserFrame(holder.stack);
  if (near) return near;
  capture(holder, above, FAR);
  return firstUserFrame(holder.stack);
}

/**
 * A call site captured now and read later, or never: V8 keeps the raw frames and formats them
 * only when `frame` is first read, so recording thousands of op calls of which one is blamed
 * costs a capture each and one formatting.
 */
export class CallSite {
  private readonly holder: { stack?: string } = {};
  private found?: string;

  constructor(above: Function) {
    capture(this.holder, above, FAR);
  }

  /** The user's frame: the first frame outside our own code, as its stack line; '' when none. */
  get frame(): string {
    this.found ??= firstUserFrame(this.holder.stack);
    return this.found;
  }
}

/** Error.captureStackTrace with exactly `limit` frames, those below `above` (from the caller without it). */
function capture(holder: { stack?: string }, above: Function | undefined, limit: number): void {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  try {
    Error.captureStackTrace(holder, above);
  } finally {
    Error.stackTraceLimit = saved;
  }
}
