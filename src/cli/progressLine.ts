// A check's progress on one line of a terminal's stderr, rewritten in place ("mlp.ts: 40% (20,000
// of 50,176 compared)") and wiped before the results are printed. Only on a terminal, and only
// for text output: a pipe, a log or --json gets nothing of it. Several files run at once share
// the line: it shows their sums.
import { terminalText } from './terminal';

/** What a check's progress needs of a stream (process.stderr, or a test's stand-in). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Rewrites at most this often. */
const REDRAW_MS = 100;

export class ProgressLine {
  private readonly files = new Map<string, { done: number; total: number }>();
  private drawn = false;
  private last = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = Date.now,
  ) {}

  /** The callback for runFile's onProgress of `file`; undefined where no line is drawn. */
  reporter(file: string): ((done: number, total: number) => void) | undefined {
    if (!this.stream.isTTY) return undefined;
    return (done, total) => {
      this.files.set(file, { done, total });
      const t = this.now();
      if (this.drawn && t - this.last < REDRAW_MS && done < total) return;
      this.last = t;
      this.draw();
    };
  }

  /** Wipes the line, so the results print on a clean one. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    let done = 0;
    let total = 0;
    for (const f of this.files.values()) {
      done += f.done;
      total += f.total;
    }
    if (!(total > 0)) return;
    const names = [...this.files.keys()].map((f) => f.split(/[\\/]/).pop());
    const label = names.length === 1 ? names[0] : `${names.length} files`;
    const percent = Math.floor((100 * done) / total);
    this.stream.write(`\r\x1b[K${terminalText(`checking ${label}: ${percent}% (${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} compared)`)}`);
    this.drawn = true;
  }
}
