// `npm run bench`: every workload in one run, gradlens against its peers. Prints medians and
// ratios; bench/README.md records a run's figures and where we stand against the targets.
import { type Timing, machine, row, timeContenders } from './harness';
import { initTfjs } from './tfjs';
import { gradcheckContenders, matmulContenders, mlpContenders } from './workloads';

/** Quick mode for a smoke run: `npm run bench -- --quick`. */
const quick = process.argv.includes('--quick');

/** `speed`: how many times faster than the baseline; `cost`: how many baselines' worth of time. */
function report(title: string, timings: Timing[], baseline: string, note = '', kind: 'speed' | 'cost' = 'speed'): void {
  const base = timings.find((t) => t.name === baseline)!;
  const widths = [36, 12, 22];
  console.log(`\n${title}`);
  if (note) console.log(`  ${note}`);
  console.log(row(['contender', 'median ms', kind === 'speed' ? `speed vs ${baseline}` : `cost (× ${baseline})`], widths));
  for (const t of timings) {
    const r = kind === 'speed' ? base.medianMs / t.medianMs : t.medianMs / base.medianMs;
    console.log(row([t.name, t.medianMs.toFixed(2), `${r.toFixed(kind === 'speed' ? 2 : 0)}×`], widths));
  }
}

function ratio(timings: Timing[], fast: string, slow: string): number {
  const f = timings.find((t) => t.name === fast)!;
  const s = timings.find((t) => t.name === slow)!;
  return s.medianMs / f.medianMs;
}

async function main(): Promise<void> {
  const peers = await initTfjs();
  console.log(`Machine: ${machine()}`);
  console.log(`Peers: ${peers}`);
  const scale = quick ? 0.34 : 1;
  // Many short rounds, so load from other processes is spread over every contender alike.
  const opts = (rounds: number, reps: number) => ({ rounds: Math.max(1, Math.round(rounds * scale)), warmup: 1, reps });
  const verdict: string[] = [];

  for (const n of [256, 512]) {
    const t = await timeContenders(matmulContenders(n), n === 256 ? opts(10, 2) : opts(6, 1));
    report(`matmul ${n}×${n} · ${n}×${n}`, t, 'plain i-k-j (f64)');
    const r = ratio(t, 'gradlens F.matmul (f64)', 'plain i-k-j (f64)');
    verdict.push(`matmul ${n}: ${r.toFixed(2)}× the i-k-j baseline (target ≥ 4×): ${r >= 4 ? 'met' : 'MISSED'}`);
    const rj = ratio(t, 'gradlens F.matmul, JS kernel (f64)', 'plain i-k-j (f64)');
    verdict.push(`matmul ${n}, JS kernel alone: ${rj.toFixed(2)}× the i-k-j baseline (target ≥ 4×): ${rj >= 4 ? 'met' : 'MISSED'}`);
  }

  const losses: Record<string, number> = {};
  const mlp = await timeContenders(mlpContenders(losses), opts(10, 3));
  report('MLP 784→256→10 step (sigmoid, softmax cross-entropy, batch 64, forward + backward)', mlp, 'tfjs-wasm (f32)',
    `same weights and data; loss gradlens ${losses.gradlens?.toFixed(6)}, tfjs-cpu ${losses.cpu?.toFixed(6)}, tfjs-wasm ${losses.wasm?.toFixed(6)}`);
  const m = ratio(mlp, 'tfjs-wasm (f32)', 'gradlens (f64)');
  verdict.push(`MLP step: gradlens takes ${m.toFixed(2)}× the time of tfjs-wasm (target ≤ 1×): ${m <= 1 ? 'met' : 'MISSED'}`);
  const mj = ratio(mlp, 'tfjs-wasm (f32)', 'gradlens, JS kernel (f64)');
  verdict.push(`MLP step, JS kernel: gradlens takes ${mj.toFixed(2)}× the time of tfjs-wasm (the fallback; for information)`);

  const verdicts: Record<string, boolean> = {};
  const gc = await timeContenders(gradcheckContenders(verdicts), opts(5, 5));
  report('gradcheck of MLP 20→16→5 (tanh, batch 8, 421 parameters)', gc, 'one forward+backward',
    `verdicts: full ${verdicts.full ? 'passed' : 'FAILED'}, fast ${verdicts.fast ? 'passed' : 'FAILED'}; no peer has a gradient checker, so the unit is our own step`, 'cost');

  console.log('\nTargets');
  for (const v of verdict) console.log(`  ${v}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
