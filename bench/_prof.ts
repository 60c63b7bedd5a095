// Where the fast check's time goes: `npx tsx bench/_prof.ts [mode] [size index 0-2] [reps]`, or
// under `node --cpu-prof --require tsx/cjs bench/_prof.ts ...` for a profile. Not in `npm run bench`.
import { grad } from '../src/engine/autograd';
import { checkModel } from '../src/gradcheck';
import { GRADCHECK_SIZES as SIZES, mlpData, tanhMlpSpec } from './workloads';

const mode = (process.argv[2] ?? 'fast') as 'fast' | 'full';
const sizes = process.argv[3] ? [SIZES[Number(process.argv[3])]] : SIZES;
const reps = Number(process.argv[4] ?? 200);

function time(fn: () => void, n: number): number {
  for (let k = 0; k < Math.min(n, 20); k++) fn();
  const ms: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[ms.length >> 1];
}

for (const s of sizes) {
  const spec = tanhMlpSpec('mlp', s, mlpData(s, s.seed));
  const params = Object.values(spec.params);
  let calls = 0;
  const forward = spec.forward;
  spec.forward = (i, p) => (calls++, forward(i, p));
  const r = checkModel(spec, { mode });
  if (!r.passed) throw new Error(JSON.stringify(r));
  const n = s.inp * s.hidden > 10000 ? Math.ceil(reps / 5) : reps;
  const check = time(() => checkModel(spec, { mode }), n);
  calls = 0;
  checkModel(spec, { mode });
  const forwards = calls;
  params.forEach((p) => p.requireGrad());
  const step = time(() => void grad(spec.forward(spec.inputs, spec.params), params), n);
  params.forEach((p) => p.requireGrad(false));
  console.log(`${s.inp}→${s.hidden}→${s.out} b${s.batch}: ${mode} ${check.toFixed(3)} ms (${forwards} user forwards), traced fwd+bwd ${step.toFixed(3)} ms`);
}
