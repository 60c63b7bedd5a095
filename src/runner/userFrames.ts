// Turns stack frames inside the user's bundle back into positions in the user's own files,
// through the bundle's source map (Node's built-in `module.SourceMap`: no dependency of our own).
// Which frame is the user's is decided by the engine's one rule (engine/callSite.ts: the first
// frame outside Gradlens' own code); this file only adds that such a frame is in the bundle.
import { SourceMap } from 'node:module';
import { callerFrame, userFrames } from '../engine/callSite';
import type { SourceLocation } from '../shared/workerProtocol';

/** The file name the bundle is evaluated under; only its frames can be mapped to user files. */
export const BUNDLE_FILENAME = '/__gradlens__/user-bundle.js';

export class UserFrames {
  private readonly map: SourceMap;
  private refine: (loc: SourceLocation) => SourceLocation = (loc) => loc;

  constructor(sourceMapJson: string) {
    this.map = new SourceMap(JSON.parse(sourceMapJson));
  }

  /** The user position of a 1-based bundle line and column. */
  mapPosition(line: number, column: number): SourceLocation | undefined {
    // findEntry takes and returns 0-based positions.
    const e = this.map.findEntry(line - 1, column - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
    if (!e || typeof e.originalSource !== 'string' || typeof e.originalLine !== 'number') return undefined;
    return { file: e.originalSource, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
  }

  /** Every location `locate` gives from now on goes through `fn` (models.ts ParsedFiles.callStart). */
  refineWith(fn: (loc: SourceLocation) => SourceLocation): void {
    this.refine = fn;
  }

  /** The first user frame of a stack (or one stack line) that lies in the bundle, mapped. */
  locate(stack: string | undefined): SourceLocation | undefined {
    for (const frame of userFrames(stack)) {
      if (frame.file !== BUNDLE_FILENAME) continue;
      const loc = this.mapPosition(frame.line, frame.column);
      if (loc) return this.refine(loc);
    }
    return undefined;
  }

  /** Where the caller of the current engine code sits in user code. */
  here(): SourceLocation | undefined {
    return this.locate(callerFrame(this.here));
  }
}
