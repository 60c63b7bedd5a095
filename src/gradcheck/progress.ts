// How far a long check has come, for whoever shows it: the runner's worker forwards it to the
// extension's progress notification ("checking 20,000 of 50,176 elements"). Counted per element
// compared (per tensor in fast mode) and reported at most every REPORT_MS, so a sweep at a few
// microseconds an element pays one clock read per STRIDE elements. Without a sink nothing is counted.

export type ProgressSink = (done: number, total: number) => void;

const REPORT_MS = 200;
const STRIDE = 64;

let sink: ProgressSink | undefined;

/** Runs `fn` with its checks reporting to `s`. */
export function withProgressSink<T>(s: ProgressSink | undefined, fn: () => T): T {
  const previous = sink;
  sink = s;
  try {
    return fn();
  } finally {
    sink = previous;
  }
}

/** One check's count of units (elements or tensors) done, of `total`. */
export class Progress {
  private done = 0;
  private calls = 0;
  private last = 0;

  constructor(private readonly total: number) {
    if (!sink) return;
    this.last = Date.now();
    sink(0, total);
  }

  tick(units = 1): void {
    if (!sink) return;
    this.done += units;
    if (++this.calls % STRIDE !== 0) return;
    const now = Date.now();
    if (now - this.last < REPORT_MS) return;
    this.last = now;
    sink(Math.min(this.done, this.total), this.total);
  }

  finish(): void {
    sink?.(this.total, this.total);
  }
}
