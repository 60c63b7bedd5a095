// Parser speed: findModels on a generated 2,000-line model file, against the bare cost of
// building the same file's syntax tree with ts.createSourceFile (the floor any TS-based parser
// pays), and of building it and visiting every node once. Medians over interleaved repetitions,
// so all three see the same machine load.
// Run: npx tsx bench/parse.ts [--dump FILE]
import { writeFileSync } from 'node:fs';
import ts from 'typescript';
import { findModels } from '../src/parser';
import { median } from './harness';

const TARGET_LINES = 2000;
const WARMUP = 15;
const REPS = 60;

/** One block of a realistic model file (~30 lines): a custom op, an nn class, a model with a manual backward. */
function block(i: number): string {
  return `
/** Block ${i}: softplus with its derivative σ(x). */
const softplus${i} = defineOp({
  name: 'softplus${i}',
  forward: (x) => F.log(F.add(1, F.exp(x))),
  backward(dy, [x]) { return [F.mul(dy, F.sigmoid(x))]; },
});

class Layer${i} extends nn.Module {
  fc = new nn.Linear(16, 16);
  forward(x) { return F.relu(this.fc.forward(x)); }
}

export const mlp${i} = defineModel({
  name: 'mlp ${i}',
  inputs: { x: randn([16, 8], { seed: ${i} }), t: randn([4, 8], { seed: ${i + 1} }) },
  params: { W1: randn([16, 16]), b1: zeros([16, 1]), W2: randn([4, 16]) },
  forward({ x, t }, { W1, b1, W2 }) {
    const a1 = F.sigmoid(F.add(F.matmul(W1, x), b1));
    return F.mse(F.matmul(W2, softplus${i}(a1)), t);
  },
  backward({ x, t }, { W1, b1, W2 }) {
    const a1 = F.sigmoid(F.add(F.matmul(W1, x), b1));
    const d2 = F.mul(2 / 32, F.sub(F.matmul(W2, a1), t));
    const d1 = F.mul(F.matmul(F.transpose(W2), d2), F.mul(a1, F.sub(1, a1)));
    return { W1: F.matmul(d1, F.transpose(x)), b1: F.sum(d1, 1), W2: F.matmul(d2, F.transpose(a1)) };
  },
});
`;
}

/** Exactly TARGET_LINES lines of valid code: whole blocks, then comment lines to fill up. */
function generate(): string {
  const lines = ["import { defineModel, defineOp, F, nn, randn, zeros } from 'gradlens';"];
  for (let i = 0; ; i++) {
    const next = block(i).split('\n');
    if (lines.length + next.length > TARGET_LINES) break;
    lines.push(...next);
  }
  while (lines.length < TARGET_LINES) lines.push(`// filler line ${lines.length + 1}`);
  return lines.join('\n') + '\n';
}


/** Wall-clock and CPU milliseconds of one call. CPU time is steadier when other processes share the cores. */
function timeOnce(fn: () => unknown): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

const text = generate();
// `--dump FILE` writes the generated file, to look at or to profile.
const dumpAt = process.argv.indexOf('--dump');
if (dumpAt > 0 && process.argv[dumpAt + 1]) writeFileSync(process.argv[dumpAt + 1], text);
const parse = (): unknown => findModels('bench.ts', text);
const baseline = (): unknown => ts.createSourceFile('bench.ts', text, ts.ScriptTarget.Latest);
/** The tree plus one bare visit of every node: what any tree-walking tool pays before doing any work. */
const baselineWalk = (): unknown => {
  const sf = ts.createSourceFile('bench.ts', text, ts.ScriptTarget.Latest);
  let nodes = 0;
  const visit = (node: ts.Node): void => { nodes++; ts.forEachChild(node, visit); };
  ts.forEachChild(sf, visit);
  return nodes;
};

// The very first call, before the JIT has seen the TypeScript parser: what opening a file first costs.
const cold = timeOnce(parse);
for (let i = 0; i < WARMUP; i++) { parse(); baseline(); baselineWalk(); }
const ours: { wall: number; cpu: number }[] = [];
const base: { wall: number; cpu: number }[] = [];
const walked: { wall: number; cpu: number }[] = [];
for (let i = 0; i < REPS; i++) {
  ours.push(timeOnce(parse));
  base.push(timeOnce(baseline));
  walked.push(timeOnce(baselineWalk));
}
const wall = (xs: { wall: number }[]): number => median(xs.map((x) => x.wall));
const cpu = (xs: { cpu: number }[]): number => median(xs.map((x) => x.cpu));

const result = findModels('bench.ts', text);
const lines = text.split('\n').length - 1;
console.log(`file: ${lines} lines, ${(text.length / 1024).toFixed(0)} KiB; found ${result.models.length} models, ${result.ops.length} ops, ` +
  `${result.opCalls.length} F calls, ${result.layerClasses.length} layer classes, ${result.syntaxErrors.length} syntax errors`);
console.log(`first (cold) findModels call: ${cold.wall.toFixed(2)} ms wall`);
console.log(`medians of ${REPS} interleaved runs after ${WARMUP} warm-up runs:`);
console.log(`  findModels            ${wall(ours).toFixed(2)} ms wall, ${cpu(ours).toFixed(2)} ms CPU`);
console.log(`  ts.createSourceFile   ${wall(base).toFixed(2)} ms wall, ${cpu(base).toFixed(2)} ms CPU   (baseline: the bare syntax tree)`);
console.log(`  createSourceFile+walk ${wall(walked).toFixed(2)} ms wall, ${cpu(walked).toFixed(2)} ms CPU   (the tree kept alive and visited once)`);
console.log(`  ratio findModels / createSourceFile: ${(wall(ours) / wall(base)).toFixed(2)}x wall, ${(cpu(ours) / cpu(base)).toFixed(2)}x CPU`);
console.log(`  ratio findModels / createSourceFile+walk: ${(wall(ours) / wall(walked)).toFixed(2)}x wall, ${(cpu(ours) / cpu(walked)).toFixed(2)}x CPU`);
console.log(`budget for a 2,000-line file: well under 50 ms (warm); timings are inflated when other processes share the cores`);
