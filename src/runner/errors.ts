// Turns whatever user code threw into a RunError: a sentence and the user's file:line:col.
// The stack goes to `detail` only, for logs; the message never carries an internal trace.
import * as gradlens from '../index';
import { MemoryLimitError } from '../engine/memory';
import { GradlensError } from '../engine/tensor';
import type { RunError, RunErrorKind, SourceLocation } from '../shared/workerProtocol';
import { nearestName } from './nearestName';
import type { UserFrames } from './userFrames';

export function errorFromThrown(thrown: unknown, frames: UserFrames, fallback?: SourceLocation): RunError {
  if (thrown instanceof MemoryLimitError) return located('memory', thrown.message, frames.locate(thrown.stack) ?? fallback, thrown.stack);
  if (thrown instanceof GradlensError) {
    // The engine's message already names the op and the shapes; the place is the user's call.
    return located('shape', thrown.message, frames.locate(thrown.stack) ?? fallback, thrown.stack);
  }
  if (thrown instanceof Error) {
    const loc = frames.locate(thrown.stack) ?? fallback;
    const noSuchMember = unknownMemberMessage(thrown.message);
    if (noSuchMember) return located('exception', noSuchMember, loc, thrown.stack);
    const name = thrown.name && thrown.name !== 'Error' ? `${thrown.name}: ` : '';
    // The user's own words, untouched but for the bundler's names V8 put in its own messages.
    return located('exception', `${name}${withoutBundlerArtefacts(thrown.message) || 'An error without a message was thrown.'}`, loc, thrown.stack);
  }
  // `throw 'text'` or `throw 42`: no stack at all, so only the fallback place is known.
  if (fallback) return located('exception', sentence(`Threw ${safeString(thrown)}`), fallback);
  return located('exception', `Threw ${safeString(thrown)} (no line: a thrown non-Error carries no stack; throw new Error(...) to get one).`);
}

/** A promise the file left rejected with no handler (Node would stop a program on it): its reason, at the reason's line. */
export function unhandledRejectionError(reason: unknown, frames: UserFrames): RunError {
  const error = errorFromThrown(reason, frames);
  return { ...error, message: `A promise was rejected and never handled: ${error.message}` };
}

/**
 * V8 names the expression it could not call, as TypeScript's CommonJS output wrote it:
 * `(0, gradlens_1.foo)` for a call of an imported function, `gradlens_1.F.foo` for a member. The
 * user wrote `foo` and `F.foo`.
 */
export function withoutBundlerArtefacts(message: string): string {
  return message.replace(/\(0, ([^()]*)\)/g, '$1').replace(/\bgradlens_\d+\./g, '');
}

/** `F.softmaxx(x)` or `new nn.Linearr(…)`: a name gradlens does not have, said so, with the nearest one. */
function unknownMemberMessage(message: string): string | undefined {
  const m = /^(?:\(0, )?gradlens_\d+\.(F|nn)\.([\w$]+)\)? is not a (?:function|constructor)$/.exec(message);
  if (!m) return undefined;
  const [, namespace, name] = m;
  const near = nearestName(name, Object.keys(namespace === 'F' ? gradlens.F : gradlens.nn));
  const what = namespace === 'F' ? `F.${name} is not an op of Gradlens` : `nn.${name} is not a module of Gradlens`;
  return near ? `${what} (did you mean ${namespace}.${near}?)` : `${what}.`;
}

export function located(kind: RunErrorKind, message: string, loc?: SourceLocation, detail?: string): RunError {
  return { kind, message, ...(loc ?? {}), ...(detail ? { detail } : {}) };
}

/** Capitalised, ending with a full stop (a closing bracket ends it only after one: "(did you mean x?)"). */
export function sentence(s: string): string {
  const t = s.trim();
  const c = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]\)?$/.test(c) ? c : `${c}.`;
}

function safeString(x: unknown): string {
  try {
    return typeof x === 'string' ? JSON.stringify(x) : String(x);
  } catch {
    return 'a value that cannot be printed';
  }
}
