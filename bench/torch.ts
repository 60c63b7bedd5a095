// The PyTorch side of bench/gradcheck.ts: one long-lived bench/torch_gradcheck.py process (so
// `import torch` is paid once, outside every timing), spoken to in JSON lines. It times its own
// gradcheck calls, so the figures hold no pipe or JSON cost.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { defaultCheckOptions } from '../src/gradcheck';
import type { MlpData, MlpDims } from './workloads';

/** Debian's interpreter, where `apt-get install python3-torch` puts PyTorch. */
export const PYTHON = '/usr/bin/python3';
/** Beside this file under tsx; from the bundle in dist/bench/ (`npm run bench:gradcheck`), in bench/. */
const SCRIPT = [path.join(__dirname, 'torch_gradcheck.py'), path.resolve(__dirname, '../../bench/torch_gradcheck.py')].find((f) => fs.existsSync(f)) ?? path.join(__dirname, 'torch_gradcheck.py');

/**
 * How the correctness rows break W1's gradient (see torch_gradcheck.py): × factor in hidden unit
 * `unit`'s column, or in its one weight W1[0, unit]; `control` breaks nothing.
 */
export interface Bug {
  kind: 'control' | 'unit' | 'element';
  factor: number;
  unit: number;
}

export interface TorchModel {
  file: string;
  loss: number;
  /** Median of one forward in PyTorch, to estimate a full check (2 forwards per parameter element). */
  forwardMs: number;
}

export interface TorchRuns {
  ms: number[];
  passed: boolean[];
}

/** Why PyTorch cannot be used here, or undefined when `import torch` works. */
export function torchMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit code ${r.status}`);
  return `${PYTHON} cannot import torch (${why}). Install it with: sudo apt-get install python3-torch`;
}

export class TorchServer {
  /** PyTorch's version, known once a model is loaded. */
  version = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor() {
    this.child = spawn(PYTHON, [SCRIPT], { stdio: 'pipe' });
    this.child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `python exited (${code}): ${this.stderr.trim()}` }));
    });
  }

  /** Writes the model's numbers to `dir` as float64 and has PyTorch load them. */
  async load(dir: string, name: string, dims: MlpDims, d: MlpData): Promise<TorchModel> {
    const file = path.join(dir, `${name}.f64`);
    const flat = Float64Array.from([...d.x, ...d.y, ...d.W1, ...d.b1, ...d.W2, ...d.b2]);
    fs.writeFileSync(file, new Uint8Array(flat.buffer)); // little-endian on every machine we run on
    const a = await this.ask<{ loss: number; forward_ms: number; torch: string }>({ op: 'load', file, ...dims });
    this.version = a.torch;
    return { file, loss: a.loss, forwardMs: a.forward_ms };
  }

  /** `runs` calls of torch.autograd.gradcheck, each timed in Python, with gradlens's default tolerances. */
  check(model: TorchModel, fast: boolean, runs: number, bug?: Bug): Promise<TorchRuns> {
    const { eps, atol, rtol } = defaultCheckOptions;
    return this.ask<TorchRuns>({ op: 'check', file: model.file, fast, runs, bug: bug ?? null, eps, atol, rtol });
  }

  close(): void {
    this.child.stdin.end(JSON.stringify({ op: 'quit' }) + '\n');
  }

  private ask<T>(req: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const a = JSON.parse(line) as T & { error?: string };
        if (a.error) reject(new Error(`torch_gradcheck.py: ${a.error}`));
        else resolve(a);
      });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }
}
