// Timing: each contender runs in blocks (set-up, warm-up, timed repetitions, tear-down), and the
// blocks of all contenders take turns for several rounds. On a shared machine a burst of load then
// hits every contender alike instead of one; the median over all timed runs is reported.
import os from 'node:os';

export interface Contender {
  name: string;
  /** Prepares inputs (outside the timing) and returns the work to time. */
  setup(): Promise<() => void> | (() => void);
  teardown?(): void | Promise<void>;
}

export interface TimingOptions {
  rounds: number;
  warmup: number;
  reps: number;
}

export interface Timing {
  name: string;
  medianMs: number;
  samples: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function timeContenders(contenders: readonly Contender[], opts: TimingOptions): Promise<Timing[]> {
  const samples = contenders.map(() => [] as number[]);
  for (let round = 0; round < opts.rounds; round++) {
    for (let c = 0; c < contenders.length; c++) {
      const run = await contenders[c].setup();
      for (let i = 0; i < opts.warmup; i++) run();
      for (let i = 0; i < opts.reps; i++) {
        const t0 = performance.now();
        run();
        samples[c].push(performance.now() - t0);
      }
      await contenders[c].teardown?.();
    }
  }
  return contenders.map((c, i) => ({ name: c.name, medianMs: median(samples[i]), samples: samples[i] }));
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** A fixed-width table row. */
export function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
}
