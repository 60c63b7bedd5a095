// Where a thrown non-Error (`throw 'text'`, `throw 42`) came from. Such a value carries no stack, so
// its place is found by running the bundle once more under the inspector, paused on every throw:
// the last throw in the bundle's own code is the one that escaped. Only on this rare error path:
// a debugger attached to every run would cost each run tens of milliseconds.
import { Session } from 'node:inspector';
import type { SourceLocation } from '../shared/workerProtocol';
import { BUNDLE_FILENAME, type UserFrames } from './userFrames';

interface Paused {
  callFrames: { location: { scriptId: string; lineNumber: number; columnNumber: number } }[];
}

/**
 * Runs `evaluateAgain` (the same bundle, evaluated as before) with the inspector paused on each
 * throw, and returns the user position of the last throw made by the bundle's code. What the second
 * run prints is dropped: the user saw it the first time.
 */
export function findThrowSite(evaluateAgain: () => void, frames: UserFrames): SourceLocation | undefined {
  const session = new Session();
  const bundleScripts = new Set<string>();
  let site: SourceLocation | undefined;
  session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => {
    if (m.params.url.endsWith(BUNDLE_FILENAME)) bundleScripts.add(m.params.scriptId);
  });
  session.on('Debugger.paused', (m: { params: Paused }) => {
    // A same-thread session is told of the pause synchronously; execution goes on once resumed.
    const top = m.params.callFrames[0]?.location;
    if (top && bundleScripts.has(top.scriptId)) site = frames.mapPosition(top.lineNumber + 1, top.columnNumber + 1) ?? site;
    session.post('Debugger.resume');
  });
  const silence = silenceOutput();
  try {
    session.connect();
    session.post('Debugger.enable');
    session.post('Debugger.setPauseOnExceptions', { state: 'all' });
    try {
      evaluateAgain();
    } catch {
      // Expected: the throw being located.
    }
  } catch {
    // No inspector (or it is busy): the throw stays without a place.
  } finally {
    silence.restore();
    try {
      session.disconnect();
    } catch {
      // Already gone.
    }
  }
  return site;
}

function silenceOutput(): { restore(): void } {
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write);
  for (const s of streams) s.write = (() => true) as typeof s.write;
  return { restore: () => streams.forEach((s, i) => (s.write = writes[i])) };
}
