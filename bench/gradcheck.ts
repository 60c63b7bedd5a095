// Gradient checking against torch.autograd.gradcheck, in one run: the same MLPs (the same numbers,
// drawn in TypeScript and handed to PyTorch as float64 files), the same tolerances, full and fast
// modes side by side, plus our full check as the product runs it (the runner and its worker pool),
// and whether each checker catches a deliberately wrong gradient.
// Run: npm run bench:gradcheck [-- --quick] [-- --fast] [-- --torch-cap=SECONDS]. It runs as an esbuild bundle,
// as the product does (dist/worker.js, dist/gradlens.js): under tsx every module is compiled apart,
// each cross-module reference goes through a getter and every closure through __name, and a fast
// check at 4,810 parameters took 544 µs there against 437 µs bundled (`npx tsx bench/gradcheck.ts`
// still works, and measures that).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { grad } from '../src/engine/autograd';
import * as F from '../src/engine/F';
import type { ModelSpec } from '../src/engine/define';
import { Tensor } from '../src/engine/tensor';
import { defaultCheckOptions, gradcheck } from '../src/gradcheck';
import { runFile } from '../src/runner';
import { machine, median, row } from './harness';
import { type Bug, PYTHON, TorchServer, type TorchModel, type TorchRuns, torchMissing } from './torch';
import { GRADCHECK_SIZES as SIZES, type GradcheckSize, type MlpData, type MlpDims, mlpData, tanhMlpSpec } from './workloads';

/** `--quick`: a smoke run of the harness (short cells, no full check at 50k). */
const quick = process.argv.includes('--quick');
/** `--fast`: the fast-mode rows alone (each size, and the wrong gradients), without the full checks' cells. */
const fastOnly = process.argv.includes('--fast');
/** A cell (one model, one mode) spends about this long on repeats, shared by its contenders. */
const CELL_BUDGET_MS = quick ? 4_000 : 20_000;
/** A contender's call slower than this is not repeated: its first, cold call is its one sample. */
const SLOW_MS = CELL_BUDGET_MS / 2;
/**
 * Calls a contender may take in one cell. A cell splits its budget by each contender's settled
 * time per call, in ROUNDS blocks that alternate the contenders (so load from elsewhere hits them
 * alike). Blocks must be long: the first call after the other contender's block is 2–5× slower
 * than the settled ones for both (measured at 421 parameters: 600 µs against 130 for ours, after
 * a 30 ms pause, idle or busy; a plain arithmetic loop shows nothing), so medians over blocks of
 * four measured that switch more than the checker. Those first calls are kept apart, as
 * "after a switch".
 */
const MAX_RUNS = 20_000;
/**
 * This machine (a VM on shared hardware) has slow spells of several seconds, where everything runs
 * up to 2× slower: the same fast check at 421 parameters took 64 µs a call in one minute and 120 in
 * the next, and a cell's two medians can fall in different spells. So the blocks are short (about
 * 0.4 s each), and the ratio is also given per round, each contender's block median against the
 * other's in the same round, as the median over the rounds ("paired").
 */
const ROUNDS = 25;
/**
 * Warm-up after the first call, per contender: until this much time or WARM_CALLS calls. V8
 * optimizes a function after it has run hot for a while; a fast check's first few dozen calls run
 * 3–8× slower than the settled ones (`bench/_phase.ts`), and a median over 21 calls after one
 * warm-up measured the compiler, not the checker. torch (no JIT) gets the same warm-up.
 */
const WARM_MS = quick ? 300 : 1_000;
const WARM_CALLS = 5_000;
/** torch's full mode is skipped where its estimate (2 forwards per parameter element) exceeds this. */
const TORCH_CAP_MS = 1000 * Number(process.argv.find((a) => a.startsWith('--torch-cap='))?.split('=')[1] ?? (quick ? 20 : 300));
const WORKERS = os.availableParallelism();


/** The correctness rows: W1's gradient 1 % too large in one hidden unit's column, or in one weight. */
const [FACTOR, UNIT] = [1.01, 0];
const BUGS: { bug: Bug; what: string }[] = [
  { bug: { kind: 'control', factor: FACTOR, unit: UNIT }, what: 'hand-written backward, right (control)' },
  { bug: { kind: 'unit', factor: FACTOR, unit: UNIT }, what: `W1[:, ${UNIT}] grad × ${FACTOR} (one hidden unit)` },
  { bug: { kind: 'element', factor: FACTOR, unit: UNIT }, what: `W1[0, ${UNIT}] grad × ${FACTOR} (one weight)` },
];

const label = (s: MlpDims) => `${s.inp}→${s.hidden}→${s.out}, batch ${s.batch}`;
const parameters = (s: MlpDims) => s.inp * s.hidden + s.hidden + s.hidden * s.out + s.out;
const fileName = (s: MlpDims) => `mlp-${s.inp}-${s.hidden}-${s.out}`;

// ---------------------------------------------------------------------------------------------
// The models, ours

/**
 * The same MLP with a hand-written backward that scales W1's gradient as torch_gradcheck.py's
 * autograd.Function does: nowhere (control), in one hidden unit's column, or in one weight.
 */
function withBackward(s: GradcheckSize, d: MlpData, bug: Bug): ModelSpec {
  const spec = tanhMlpSpec(`${fileName(s)} ${bug.kind}`, s, d);
  const scale = new Float64Array(s.inp * s.hidden).fill(1);
  if (bug.kind === 'unit') for (let i = 0; i < s.inp; i++) scale[i * s.hidden + bug.unit] = bug.factor;
  if (bug.kind === 'element') scale[bug.unit] = bug.factor;
  const W1scale = new Tensor(scale, [s.inp, s.hidden]);
  const oneHot = new Float64Array(s.batch * s.out);
  d.y.forEach((c, i) => (oneHot[i * s.out + c] = 1));
  const target = new Tensor(oneHot, [s.batch, s.out]);
  spec.backward = ({ x }, { W1, b1, W2, b2 }) => {
    const h = F.tanh(F.add(F.matmul(x, W1), b1));
    const dz2 = F.div(F.sub(F.softmax(F.add(F.matmul(h, W2), b2)), target), s.batch);
    const dz1 = F.mul(F.matmul(dz2, F.transpose(W2)), F.sub(1, F.mul(h, h)));
    return { W1: F.mul(F.matmul(F.transpose(x), dz1), W1scale), b1: F.sum(dz1, 0), W2: F.matmul(F.transpose(h), dz2), b2: F.sum(dz2, 0) };
  };
  return spec;
}

/** The model as a user's file: `randn`/`randint` with the seeds mlpData uses give the same numbers. */
function modelFile(s: GradcheckSize): string {
  const { batch, inp, hidden, out, seed } = s;
  return `import { defineModel, F, randint, randn } from 'gradlens';

export const model = defineModel({
  name: '${fileName(s)}',
  inputs: { x: randn([${batch}, ${inp}], { seed: ${seed} }), y: randint([${batch}], ${out}, { seed: ${seed + 1} }) },
  params: {
    W1: randn([${inp}, ${hidden}], { seed: ${seed + 2}, scale: 1 / Math.sqrt(${inp}) }),
    b1: randn([${hidden}], { seed: ${seed + 3}, scale: 0.1 }),
    W2: randn([${hidden}, ${out}], { seed: ${seed + 4}, scale: 1 / Math.sqrt(${hidden}) }),
    b2: randn([${out}], { seed: ${seed + 5}, scale: 0.1 }),
  },
  forward: ({ x, y }, { W1, b1, W2, b2 }) => F.crossEntropy(F.add(F.matmul(F.tanh(F.add(F.matmul(x, W1), b1)), W2), b2), y),
});
`;
}

/** How far the one wrong weight is from passing an element-wise check: it is a bug a full check must see. */
function elementBugSize(spec: ModelSpec, bug: Bug): string {
  const W1 = spec.params.W1;
  W1.requireGrad();
  const g = Math.abs(grad(spec.forward(spec.inputs, spec.params), [W1])[0].data[bug.unit]);
  W1.requireGrad(false);
  const error = g * Math.abs(bug.factor - 1);
  const tolerance = defaultCheckOptions.atol + defaultCheckOptions.rtol * g;
  return `the one wrong weight: |dL/dW1[0, ${bug.unit}]| = ${g.toExponential(2)}, its error ${error.toExponential(2)} is ${(error / tolerance).toFixed(1)}× the element-wise tolerance atol + rtol·|g| (a full check must catch it)`;
}

// ---------------------------------------------------------------------------------------------
// Timing: contenders that time their own calls (PyTorch's in its own process)

type Runs = TorchRuns;

interface SelfTimed {
  /** `n` calls, each timed alone, with each call's verdict. */
  run(n: number): Promise<Runs>;
  /** The contender's first call is what it stands for (the pool: starting workers is the point). */
  noWarmUp?: boolean;
}

interface Cell {
  medianMs: number;
  runs: number;
  /** Every call's verdict was a pass. */
  passed: boolean;
  /** Too slow to repeat: the one sample is a cold call. */
  cold: boolean;
  /** The first call of all, before any warm-up. */
  firstMs: number;
  /** The median of each round's first call, just after the other contender's block (NaN: not timed apart). */
  afterSwitchMs: number;
  /** Each round's block median, in round order (empty for a cold cell). */
  roundMs: number[];
}

/**
 * One first call each, in turn, then a warm-up each (WARM_MS); then the calls the budget allows
 * (split evenly by each one's settled time per call, at most MAX_RUNS) in ROUNDS blocks that
 * alternate the contenders. A contender whose first call took over SLOW_MS keeps that call as its
 * only sample. The median is over every timed call; each block's first call is also kept apart.
 */
async function timeCell(contenders: readonly SelfTimed[]): Promise<Cell[]> {
  const firsts: Runs[] = [];
  for (const c of contenders) firsts.push(await c.run(1));
  const cold = firsts.map((f) => f.ms[0] > SLOW_MS);
  const settled = firsts.map((f) => f.ms[0]);
  for (let c = 0; c < contenders.length; c++) {
    if (cold[c] || contenders[c].noWarmUp) continue;
    const warm = await warmUp(contenders[c], firsts[c].ms[0]);
    firsts[c].passed.push(...warm.passed);
    settled[c] = warm.settledMs;
  }
  const wanted = settled.map((ms, i) => (cold[i] ? 0 : Math.max(1, Math.min(MAX_RUNS, Math.floor(CELL_BUDGET_MS / contenders.length / ms)))));
  const timed: Runs[] = contenders.map(() => ({ ms: [], passed: [] }));
  const switched: number[][] = contenders.map(() => []);
  const byRound: number[][] = contenders.map(() => []);
  const rounds = Math.min(ROUNDS, Math.max(...wanted));
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < contenders.length; c++) {
      const n = Math.min(Math.ceil(wanted[c] / rounds), wanted[c] - timed[c].ms.length);
      if (n <= 0) continue;
      const r = await contenders[c].run(n);
      if (contenders.length > 1 && n > 1) switched[c].push(r.ms[0]);
      byRound[c][round] = median(r.ms);
      timed[c].ms.push(...r.ms);
      timed[c].passed.push(...r.passed);
    }
  }
  return contenders.map((_, c) => {
    const samples = cold[c] ? firsts[c] : timed[c];
    const afterSwitchMs = switched[c].length ? median(switched[c]) : NaN;
    return { medianMs: median(samples.ms), runs: samples.ms.length, passed: [...firsts[c].passed, ...timed[c].passed].every(Boolean), cold: cold[c], firstMs: firsts[c].ms[0], afterSwitchMs, roundMs: cold[c] ? [] : byRound[c] };
  });
}

/** Calls in growing blocks until WARM_MS or WARM_CALLS; their verdicts, and the median call of the last block. */
async function warmUp(c: SelfTimed, firstMs: number): Promise<{ passed: boolean[]; settledMs: number }> {
  const passed: boolean[] = [];
  let last: number[] = [firstMs];
  const t0 = performance.now();
  let block = Math.max(1, Math.min(50, Math.floor(WARM_MS / 10 / Math.max(firstMs, 1e-3))));
  while (performance.now() - t0 < WARM_MS && passed.length < WARM_CALLS) {
    const r = await c.run(Math.min(block, WARM_CALLS - passed.length));
    passed.push(...r.passed);
    last = r.ms;
    block = Math.min(block * 2, 100);
  }
  return { passed, settledMs: median(last) };
}

async function timeEach(n: number, call: () => Promise<boolean> | boolean): Promise<Runs> {
  const runs: Runs = { ms: [], passed: [] };
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const passed = await call();
    runs.ms.push(performance.now() - t0);
    runs.passed.push(passed);
  }
  return runs;
}

const ours = (spec: ModelSpec, mode: 'full' | 'fast'): SelfTimed => ({
  run: (n) => timeEach(n, () => gradcheck(spec, { mode }).passed),
});

const theirs = (torch: TorchServer, model: TorchModel, mode: 'full' | 'fast', bug?: Bug): SelfTimed => ({
  run: (n) => torch.check(model, mode === 'fast', n, bug),
});

/** Our full check as the product runs it: bundle the file, start workers, split the check. */
function pool(file: string, losses: number[]): SelfTimed {
  return {
    noWarmUp: true,
    run: (n) =>
      timeEach(n, async () => {
        const r = await runFile({ fileName: file, task: 'check', options: { mode: 'full' }, workers: WORKERS, timeoutMs: 3_600_000 });
        if (!r.ok) console.error(`  the runner failed: ${r.error.message}`);
        if (r.ok) losses.push(...r.models.map((m) => m.loss));
        return r.ok && r.models.length === 1 && r.models[0].passed;
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The run

interface Row {
  model: string;
  params: number;
  mode: string;
  torch?: Cell;
  ours?: Cell;
  how: string;
  /** Correctness rows: a verdict of "failed" is what we want from a broken gradient. */
  bug?: Bug;
}

const ms = (c?: Cell) => (c ? `${c.medianMs >= 100 ? c.medianMs.toFixed(0) : c.medianMs.toFixed(2)}${c.cold ? '*' : ''}` : '–');
const runs = (c?: Cell) => (c ? String(c.runs) : '–');
const fmtMs = (x: number) => (Number.isNaN(x) ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
const first = (c?: Cell) => (c ? fmtMs(c.firstMs) : '–');
const afterSwitch = (c?: Cell) => (c ? fmtMs(c.afterSwitchMs) : '–');

function verdict(c: Cell | undefined, bug?: Bug): string {
  if (!c) return '–';
  if (bug && bug.kind !== 'control') return c.passed ? 'missed' : 'caught';
  return c.passed ? 'pass' : 'FAIL';
}

/** The median over the rounds both contenders ran of torch's block median over ours (ROUNDS). */
function pairedRatio(t: Cell, g: Cell): string {
  const ratios = t.roundMs.flatMap((tm, i) => (tm > 0 && g.roundMs[i] > 0 ? [tm / g.roundMs[i]] : []));
  return ratios.length >= 3 ? `${median(ratios).toFixed(2)}×` : '–';
}

function printTable(rows: Row[]): void {
  const widths = [20, 7, 47, 9, 11, 14, 9, 7, 8, 11, 15, 19];
  console.log(`\n${row(['model', 'params', 'mode', 'torch ms', 'gradlens ms', 'torch/gradlens', 'paired', 'torch', 'gradlens', 'runs t/g', '1st call t/g ms', 'after switch t/g ms'], widths)}  gradlens as`);
  for (const r of rows) {
    const ratio = r.torch && r.ours ? `${(r.torch.medianMs / r.ours.medianMs).toFixed(2)}×` : '–';
    const paired = r.torch && r.ours ? pairedRatio(r.torch, r.ours) : '–';
    const cells = [r.model, r.params.toLocaleString('en'), r.mode, ms(r.torch), ms(r.ours), ratio, paired, verdict(r.torch, r.bug), verdict(r.ours, r.bug), `${runs(r.torch)}/${runs(r.ours)}`, `${first(r.torch)}/${first(r.ours)}`, `${afterSwitch(r.torch)}/${afterSwitch(r.ours)}`];
    console.log(`${row(cells, widths)}  ${r.how}`);
  }
}

/** Right models must pass both checkers, and the control must too. */
function warnings(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.bug && r.bug.kind !== 'control') continue;
    for (const [who, c] of [['torch.autograd.gradcheck', r.torch], [`gradlens (${r.how})`, r.ours]] as const) {
      if (c && !c.passed) out.push(`${who} FAILED on the right model ${r.model}, ${r.mode}`);
    }
  }
  return out;
}

/** Times torch (when there) and our contenders in one cell; torch's cell apart from ours. */
async function cellWith(torchSide: SelfTimed | undefined, ourSides: SelfTimed[]): Promise<{ torch?: Cell; ours: Cell[] }> {
  const cells = await timeCell(torchSide ? [torchSide, ...ourSides] : ourSides);
  return torchSide ? { torch: cells[0], ours: cells.slice(1) } : { ours: cells };
}

interface Context {
  torch?: TorchServer;
  /** Where the model files and the data for PyTorch go. */
  dir: string;
  notes: string[];
}

const progress = (s: string) => process.stderr.write(`  ${s}\n`);

/** One size: fast mode, then full mode in-process and through the runner's pool. */
async function sizeRows(s: GradcheckSize, { torch, dir, notes }: Context): Promise<Row[]> {
  const d = mlpData(s, s.seed);
  const spec = tanhMlpSpec(fileName(s), s, d);
  const P = parameters(s);
  const model = label(s);
  const file = path.join(dir, `${fileName(s)}.ts`);
  fs.writeFileSync(file, modelFile(s));
  const tm = torch && (await torch.load(dir, fileName(s), s, d));
  const ourLoss = gradcheck(spec, { mode: 'fast' }).loss;
  if (tm && Math.abs(tm.loss - ourLoss) > 1e-12 * Math.abs(ourLoss)) notes.push(`WARNING: ${model}: losses differ, torch ${tm.loss}, gradlens ${ourLoss}`);

  progress(`${model}: fast`);
  const fast = await cellWith(tm && theirs(torch, tm, 'fast'), [ours(spec, 'fast')]);
  const rows: Row[] = [{ model, params: P, mode: 'fast (torch fast_mode=True)', torch: fast.torch, ours: fast.ours[0], how: 'in-process gradcheck()' }];
  if (fastOnly || (quick && P > 20_000)) {
    notes.push(`${fastOnly ? '--fast' : '--quick'}: the full check of ${model} was skipped`);
    return rows;
  }

  const estimate = tm ? 2 * P * tm.forwardMs : 0;
  const torchFull = tm && estimate <= TORCH_CAP_MS ? theirs(torch, tm, 'full') : undefined;
  if (tm && !torchFull) notes.push(`torch full mode at ${model} skipped: estimated ${(estimate / 1000).toFixed(0)} s a call (2 forwards × ${P} elements × ${tm.forwardMs.toFixed(2)} ms), over the cap of ${TORCH_CAP_MS / 1000} s (--torch-cap=SECONDS)`);
  progress(`${model}: full${torchFull ? ` (torch estimated ${(estimate / 1000).toFixed(1)} s a call)` : ''}`);
  const poolLosses: number[] = [];
  const full = await cellWith(torchFull, [ours(spec, 'full'), pool(file, poolLosses)]);
  if (poolLosses.some((l) => l !== ourLoss)) notes.push(`WARNING: ${model}: the runner's model file gave loss ${poolLosses[0]}, in-process ${ourLoss}: not the same numbers`);
  const mode = 'full (torch fast_mode=False)';
  rows.push({ model, params: P, mode, torch: full.torch, ours: full.ours[0], how: 'in-process gradcheck()' });
  rows.push({ model, params: P, mode, torch: full.torch, ours: full.ours[1], how: `runner, pool of ${WORKERS} workers, incl. worker start and bundling` });
  return rows;
}

/** The largest size with a hand-written first-layer gradient, right and wrong, in fast mode. */
async function bugRows(s: GradcheckSize, { torch, dir, notes }: Context): Promise<Row[]> {
  const d = mlpData(s, s.seed);
  const tm = torch && (await torch.load(dir, `${fileName(s)}-bug`, s, d));
  const rows: Row[] = [];
  for (const { bug, what } of BUGS) {
    progress(`${label(s)}: ${what}, fast`);
    const spec = withBackward(s, d, bug);
    if (bug.kind === 'element') notes.push(elementBugSize(spec, bug));
    const cell = await cellWith(tm && theirs(torch, tm, 'fast', bug), [ours(spec, 'fast')]);
    rows.push({ model: label(s), params: parameters(s), mode: `fast, ${what}`, torch: cell.torch, ours: cell.ours[0], how: 'in-process gradcheck(); torch: autograd.Function', bug });
  }
  return rows;
}

function printReport(rows: Row[], notes: string[], torch: TorchServer | undefined, missing: string | undefined): void {
  const { eps, atol, rtol } = defaultCheckOptions;
  console.log('\nGradient checking against torch.autograd.gradcheck');
  console.log(`Machine: ${machine()}`);
  if (missing) console.log(`PyTorch: not available, gradlens figures alone. ${missing}`);
  else console.log(`PyTorch: ${torch?.version} (${PYTHON}), float64, torch.set_num_threads(1); gradlens in-process on one thread, float64`);
  console.log(`Same numbers on both sides; eps ${eps.toExponential(0)}, atol ${atol.toExponential(0)}, rtol ${rtol.toExponential(0)} on both. Medians; a cell spends ~${CELL_BUDGET_MS / 1000} s on repeats after a first call`);
  console.log(`and a warm-up of ${WARM_MS / 1000} s or ${WARM_CALLS} calls each (the pool: no warm-up, its first call is in the figures), in ${ROUNDS} alternating blocks; "1st call": that first call alone;`);
  console.log('"after switch": the median of each block\'s first call, just after the other contender\'s block (in the medians too).');
  console.log('"paired": the median over the rounds of torch\'s block median over gradlens\'s in the same round (robust to the slow spells of a shared machine).');
  console.log(`* = a call over ${SLOW_MS / 1000} s, run once, cold (no warm-up). torch full skipped when estimated over ${TORCH_CAP_MS / 1000} s a call.`);
  const warn = warnings(rows);
  for (const w of warn) console.log(`!!! WARNING: ${w}`);
  printTable(rows);
  console.log('torch/gradlens > 1: gradlens is faster. Correctness rows: "caught" = the checker failed the broken gradient.');
  for (const n of notes) console.log(`  ${n}`);
  for (const w of warn) console.log(`!!! WARNING: ${w}`);
}

async function main(): Promise<void> {
  const missing = torchMissing();
  const ctx: Context = { torch: missing ? undefined : new TorchServer(), dir: fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-gradcheck-')), notes: [] };
  const rows: Row[] = [];
  try {
    for (const s of SIZES) rows.push(...(await sizeRows(s, ctx)));
    rows.push(...(await bugRows(SIZES[SIZES.length - 1], ctx)));
  } finally {
    ctx.torch?.close();
    fs.rmSync(ctx.dir, { recursive: true, force: true });
  }
  printReport(rows, ctx.notes, ctx.torch, missing);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
