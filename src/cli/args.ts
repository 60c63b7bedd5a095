// Command-line parsing for `gradlens`: a small hand-written parser, so a mistake gets a sentence
// that names the flag instead of a library's stack trace.
import type { CheckMode, CheckOptions } from '../gradcheck/types';
import type { RunTask } from '../shared/workerProtocol';

export interface CliArgs {
  command: RunTask | 'report' | 'help' | 'version';
  files: string[];
  model?: string;
  options: Partial<CheckOptions>;
  timeoutMs?: number;
  memoryMb?: number;
  workers?: number;
  json: boolean;
  /** report: the HTML file to write. */
  out?: string;
}

export class UsageError extends Error {}

export const USAGE = `Usage:
  gradlens check <file...> [--model NAME] [--mode auto|full|fast|sampled] [--order 1|2]
                 [--eps E] [--atol A] [--rtol R] [--seed S] [--timeout MS] [--json]
  gradlens grad <file> [--model NAME] [--json]
  gradlens graph <file> [--model NAME] [--json]
  gradlens report <file...> --out FILE.html [check options]
  gradlens --help | --version

Commands:
  check   Compare every parameter's autograd gradient (and any hand-written backward and
          custom op) with central-difference numerical gradients.
  grad    Print the loss and the autograd gradient of every parameter.
  graph   Print the traced computation graph.
  report  Check, trace and write the panel (graph, derivative table, results) as one
          self-contained HTML file; prints the same tables as check.

Options:
  --model NAME     Only the model with this name (its export or variable name).
  --mode MODE      auto (default): full check up to 20,000 parameter elements when it would
                   take under 10 s (timed on its first elements), else fast;
                   full: every element; fast: randomized vᵀJu probes with drill-down;
                   sampled: a random subset of elements per parameter.
  --order N        1 (default): gradients. 2: second order, the Hessian-vector product H·v
                   by double backward against central differences of the gradient along a
                   random v, per parameter; each op used is re-checked on its own
                   (gradgradcheck) to name the one whose backward is not differentiable.
  --eps E          Central-difference step (default 1e-6).
  --atol A         Absolute tolerance (default 1e-5).
  --rtol R         Relative tolerance (default 1e-3).
  --seed S         Seed of the checker's random directions and samples (default 0).
  --timeout MS     Time limit per file in milliseconds (default 30000).
  --memory MB      Memory limit per worker in MB (default 1024).
  --workers N      Workers for splitting a large full check (default: one per core).
  --json           Print one JSON document (schema: docs/cli-json.md).

Exit codes: 0 all checks pass, 1 a check fails, 2 a file cannot be run or the usage is wrong.`;

const MODES: readonly CheckMode[] = ['auto', 'full', 'fast', 'sampled'];
const TASKS: readonly string[] = ['check', 'grad', 'graph', 'report'];

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { command: 'help', files: [], options: {}, json: false };
  const rest = [...argv];
  const first = rest[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return args;
  if (first === '--version' || first === '-v') return { ...args, command: 'version' };
  if (!TASKS.includes(first)) throw new UsageError(`Unknown command '${first}'. Use check, grad, graph or report.`);
  args.command = first as CliArgs['command'];
  rest.shift();

  while (rest.length) {
    const raw = rest.shift()!;
    if (!raw.startsWith('--') || raw === '--') {
      if (raw !== '--') args.files.push(raw);
      else args.files.push(...rest.splice(0));
      continue;
    }
    // Both `--eps 1e-6` and `--eps=1e-6`.
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? rest.shift();
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--help':
        return { ...args, command: 'help' };
      case '--json':
        args.json = true;
        break;
      case '--model':
        args.model = value();
        break;
      case '--mode': {
        const mode = value();
        if (!MODES.includes(mode as CheckMode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, not '${mode}'.`);
        args.options.mode = mode as CheckMode;
        break;
      }
      case '--order': {
        const order = value();
        if (order !== '1' && order !== '2') throw new UsageError(`--order must be 1 or 2, not '${order}'.`);
        args.options.order = order === '2' ? 2 : 1;
        break;
      }
      case '--eps':
        args.options.eps = positive(flag, value());
        break;
      case '--atol':
        args.options.atol = nonNegative(flag, value());
        break;
      case '--rtol':
        args.options.rtol = nonNegative(flag, value());
        break;
      case '--seed':
        args.options.seed = wholeNumber(flag, value(), 0);
        break;
      case '--timeout':
        args.timeoutMs = wholeNumber(flag, value(), 1);
        break;
      case '--memory':
        args.memoryMb = wholeNumber(flag, value(), 16);
        break;
      case '--out':
        args.out = value();
        break;
      case '--workers':
        args.workers = wholeNumber(flag, value(), 1);
        break;
      default:
        throw new UsageError(`Unknown option '${flag}'.`);
    }
  }
  if (args.files.length === 0) throw new UsageError(`gradlens ${args.command} needs a model file.`);
  if (args.command === 'report' && !args.out) throw new UsageError('gradlens report needs --out FILE.html.');
  if (args.out !== undefined && args.command !== 'report') throw new UsageError('--out goes with gradlens report.');
  if (args.command === 'report' && args.json) throw new UsageError('gradlens report writes HTML; use check --json for JSON.');
  if (args.command !== 'check' && args.command !== 'report' && args.files.length > 1) throw new UsageError(`gradlens ${args.command} takes one file, got ${args.files.length}.`);
  return args;
}

function number(flag: string, s: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} needs a number, not '${s}'.`);
  return n;
}

function positive(flag: string, s: string): number {
  const n = number(flag, s);
  if (n <= 0) throw new UsageError(`${flag} must be greater than 0, not ${s}.`);
  return n;
}

function nonNegative(flag: string, s: string): number {
  const n = number(flag, s);
  if (n < 0) throw new UsageError(`${flag} must not be negative, not ${s}.`);
  return n;
}

function wholeNumber(flag: string, s: string, min: number): number {
  const n = number(flag, s);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number of at least ${min}, not ${s}.`);
  return n;
}
