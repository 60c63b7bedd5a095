// Turns whatever user code threw into a RunError: a sentence and the user's file:line:col.
// The stack goes to `detail` only, for logs; the message never carries an internal trace.
import { GradlensError } from '../engine/tensor';
import type { RunError, RunErrorKind, SourceLocation } from '../shared/workerProtocol';
import type { UserFrames } from './userFrames';

export function errorFromThrown(thrown: unknown, frames: UserFrames, fallback?: SourceLocation): RunError {
  if (thrown instanceof GradlensError) {
    // The engine's message already names the op and the shapes; the place is the user's call.
    return located('shape', thrown.message, frames.locate(thrown.stack) ?? fallback, thrown.stack);
  }
  if (thrown instanceof Error) {
    const name = thrown.name && thrown.name !== 'Error' ? `${thrown.name}: ` : '';
    // The user's own words, untouched: they wrote the message for themselves.
    return located('exception', `${name}${thrown.message || 'An error without a message was thrown.'}`, frames.locate(thrown.stack) ?? fallback, thrown.stack);
  }
  // `throw 'text'` or `throw 42`: no stack at all, so only the fallback place is known.
  return located('exception', sentence(`Threw ${safeString(thrown)}`), fallback);
}

export function located(kind: RunErrorKind, message: string, loc?: SourceLocation, detail?: string): RunError {
  return { kind, message, ...(loc ?? {}), ...(detail ? { detail } : {}) };
}

/** Capitalised, ending with a full stop. */
export function sentence(s: string): string {
  const t = s.trim();
  const c = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(c) ? c : `${c}.`;
}

function safeString(x: unknown): string {
  try {
    return typeof x === 'string' ? JSON.stringify(x) : String(x);
  } catch {
    return 'a value that cannot be printed';
  }
}
