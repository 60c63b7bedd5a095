// Auto mode's choice between a full and a fast check. The parameter count alone misjudges it: a
// full check of a 20k-parameter MLP takes half a second (the replay recomputes only the column an
// element reaches), while one of an 8k-parameter CNN took 100 s (a convolution is recomputed whole
// for every element), far past a run's 30 s time limit. Timing a few elements up front misjudges
// it too: the first hundreds run before V8 has optimized the sweep, 5–10× slower than the rest. So
// auto starts the full sweep and watches it: once it has run WATCH_MS, its own pace projects the
// whole, and a sweep projected past AUTO_FULL_MS gives way to the fast check, which says why.

/**
 * The longest full sweep auto mode runs: inside the 30 s default limit, with room for a file's
 * other models. Generous, since the first elements' pace overstates the whole (the first tensor's
 * elements reach the most ops, and V8 has not optimized the sweep yet): a 1,138-parameter CNN
 * projected 5.5 s and took 1.9 s, so a tighter bound flipped it between full and fast from run to run.
 */
export const AUTO_FULL_MS = 10_000;
/** The sweep's pace is judged only after this long: a sweep that ends sooner is never stopped. */
const WATCH_MS = 500;
/** Elements between two looks at the clock. */
const STRIDE = 16;

/** Thrown out of a full sweep that auto mode stops (caught in model.ts, which runs fast instead). */
export class FullSweepTooSlow extends Error {
  constructor(
    readonly projectedMs: number,
    readonly elements: number,
    /** Elements compared before it stopped. */
    readonly timed: number,
  ) {
    super('the full sweep is too slow for auto mode');
  }
}

/** Called after each element of a full sweep of `elements`; throws FullSweepTooSlow once the projection is past AUTO_FULL_MS. */
export function sweepWatch(elements: number): () => void {
  const started = performance.now();
  let done = 0;
  return () => {
    if (++done % STRIDE !== 0) return;
    const elapsed = performance.now() - started;
    if (elapsed < WATCH_MS) return;
    const projectedMs = (elapsed / done) * elements;
    if (projectedMs > AUTO_FULL_MS) throw new FullSweepTooSlow(projectedMs, elements, done);
  };
}

/** The report's note: why a model within the budget was checked fast. */
export function tooSlowNote({ projectedMs, elements, timed }: FullSweepTooSlow): string {
  return `auto mode checked it fast: a full check of its ${elements.toLocaleString('en-US')} parameter elements would take about ${duration(projectedMs)} (at the pace of its first ${timed.toLocaleString('en-US')}), more than the ${AUTO_FULL_MS / 1000} s auto allows; choose mode full to run it`;
}

/** "40 s", "0.5 s", "2.5 min": to two significant digits. */
function duration(ms: number): string {
  const s = ms / 1000;
  return s < 120 ? `${Number(s.toPrecision(2))} s` : `${Number((s / 60).toPrecision(2))} min`;
}
