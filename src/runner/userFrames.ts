// Turns stack frames inside the user's bundle back into positions in the user's own files,
// through the bundle's source map (Node's built-in `module.SourceMap`: no dependency of our own).
import { SourceMap } from 'node:module';
import type { SourceLocation } from '../shared/workerProtocol';

/** The file name the bundle is evaluated under; it marks user frames in a stack. */
export const BUNDLE_FILENAME = '/__gradlens__/user-bundle.js';

const FRAME = /\/__gradlens__\/user-bundle\.js:(\d+):(\d+)/;

export class UserFrames {
  private readonly map: SourceMap;

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

  /** The first frame of a stack (or one stack line) that lies in user code, mapped. */
  locate(stack: string | undefined): SourceLocation | undefined {
    if (!stack) return undefined;
    for (const line of stack.split('\n')) {
      const m = FRAME.exec(line);
      if (!m) continue;
      const loc = this.mapPosition(Number(m[1]), Number(m[2]));
      if (loc) return loc;
    }
    return undefined;
  }

  /** Where the caller of the current engine code sits in user code. */
  here(): SourceLocation | undefined {
    return this.locate(new Error().stack);
  }
}
