// How many shifted evaluations a fast check makes and what they cost, after the JIT has settled:
// `npx tsx bench/_phase.ts [size index 0-2] [mode]`. A profiling aid, not in `npm run bench`; the
// wrappers add a little time of their own, so compare its figures only with each other.
import { checkModel } from '../src/gradcheck';
import { Replay } from '../src/gradcheck/replay';
import { GRADCHECK_SIZES as SIZES, mlpData, tanhMlpSpec } from './workloads';

const sizes = process.argv[2] ? [SIZES[Number(process.argv[2])]] : SIZES;
const mode = (process.argv[3] ?? 'fast') as 'fast' | 'full';

for (const s of sizes) {
  const spec = tanhMlpSpec('mlp', s, mlpData(s, s.seed));
  const proto = Replay.prototype as unknown as { valueShifted: (...a: unknown[]) => number };
  const shifted = proto.valueShifted;
  let evals = 0;
  let evalMs = 0;
  proto.valueShifted = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    const r = shifted.apply(this, a);
    evalMs += performance.now() - t0;
    evals++;
    return r;
  };
  const forward = spec.forward;
  let forwards = 0;
  let forwardMs = 0;
  spec.forward = (i, p) => {
    const t0 = performance.now();
    const r = forward(i, p);
    forwardMs += performance.now() - t0;
    forwards++;
    return r;
  };
  const reps = s.inp * s.hidden > 10000 ? 100 : 400;
  // Warm-up until V8 has optimized the hot paths (the first few dozen calls run several times slower).
  for (let k = 0; k < reps; k++) if (!checkModel(spec, { mode }).passed) throw new Error('the check failed');
  evals = evalMs = forwards = forwardMs = 0;
  const t0 = performance.now();
  for (let k = 0; k < reps; k++) checkModel(spec, { mode });
  const us = (ms: number) => ((ms / reps) * 1000).toFixed(0);
  proto.valueShifted = shifted;
  console.log(
    `${s.inp}→${s.hidden}→${s.out} b${s.batch} ${mode}: ${us(performance.now() - t0)} µs a check; ` +
      `${evals / reps} shifted evaluations ${us(evalMs)} µs (${((evalMs / evals) * 1000).toFixed(1)} µs each); ` +
      `${forwards / reps} user forwards ${us(forwardMs)} µs`,
  );
}
