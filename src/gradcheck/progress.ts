// How far a long check has come, for whoever shows it: the runner's worker forwards it to the
// extension's progress notification ("checking 20,000 of 50,176 elements"). Counted per element
// compared (per tensor in fast mode) and reported at most every REPORT_MS, so a sweep at a few
// microseconds an element pays one clock read per STRIDE elements. Without a sink nothing is counted.

export type ProgressSink = (done: number, total: number) => void;

const REPORT_MS = 200;
const STRIDE = 64;

/** A hook the checker calls, set for the duration of a call (a nested call restores the one before). */
class ScopedSink<S> {
  current: S | undefined;

  run<T>(s: S | undefined, fn: () => T): T {
    const previous = this.current;
    this.current = s;
    try {
      return fn();
    } finally {
      this.current = previous;
    }
  }
}

const progressSink = new ScopedSink<ProgressSink>();

/** Runs `fn` with its checks reporting to `s`. */
export function withProgressSink<T>(s: ProgressSink | undefined, fn: () => T): T {
  return progressSink.run(s, fn);
}

/** Who hears that a check changed its mode mid-way (auto's full sweep turned fast: autoMode.ts). */
export type ModeSink = (mode: 'fast') => void;

const modeSink = new ScopedSink<ModeSink>();

/** Runs `fn` with a mode change reported to `s` (the runner's worker: a time limit then names the mode that ran). */
export function withModeSink<T>(s: ModeSink | undefined, fn: () => T): T {
  return modeSink.run(s, fn);
}

/** Tells the mode sink, if any, that the check now runs fast. */
export function tellModeChange(mode: 'fast'): void {
  modeSink.current?.(mode);
}

/** One check's count of units (elements or tensors) done, of `total`. */
export class Progress {
  private done = 0;
  private calls = 0;
  private last = 0;

  constructor(private readonly total: number) {
    if (!progressSink.current) return;
    this.last = Date.now();
    progressSink.current?.(0, total);
  }

  tick(units = 1): void {
    if (!progressSink.current) return;
    this.done += units;
    if (++this.calls % STRIDE !== 0) return;
    const now = Date.now();
    if (now - this.last < REPORT_MS) return;
    this.last = now;
    progressSink.current?.(Math.min(this.done, this.total), this.total);
  }

  finish(): void {
    progressSink.current?.(this.total, this.total);
  }
}
