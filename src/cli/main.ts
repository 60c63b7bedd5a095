// `gradlens`: check, grad and graph from the command line, on the same runner the extension uses.
// It never prints an internal stack trace: errors are `file:line:col: sentence`; stacks only with
// GRADLENS_DEBUG=1.
import * as os from 'node:os';
import * as path from 'node:path';
import { type RunResult, type RunTask, runFile } from '../runner/index';
import type { ModelCheckResult, ModelGradResult, ModelGraphResult } from '../shared/workerProtocol';
import { renderReport } from '../report/standalone';
import { verifyRules } from '../rules/verify';
import { type CliArgs, USAGE, UsageError, parseArgs } from './args';
import { ProgressLine } from './progressLine';
import { printErr, printOut } from './terminal';
import { endQuietlyOnClosedPipe } from './closedPipe';
import { typeWarnings, warningLines } from './typeWarnings';
import { unwritableReason, writeReportFile } from './reportFile';
import { checkRows, closingLine, displayPath, exitCodeOf, failureLines, fileJson, formatError, modelLine, noteLines, renderTable, summarize, where } from './report';

declare const GRADLENS_VERSION: string | undefined;

async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    printErr(`gradlens: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.command === 'help') {
    printOut(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'version') {
    printOut(`${typeof GRADLENS_VERSION === 'string' ? GRADLENS_VERSION : versionFromPackage()}\n`);
    return 0;
  }

  // Ctrl-C stops the workers cleanly instead of leaving them to the OS.
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());

  if (args.command === 'report') return writeReport(args, abort.signal);
  const task = args.command;
  // A check's progress on stderr's line while it runs (a terminal only, text output only).
  const progress = task === 'check' && !args.json ? new ProgressLine(process.stderr) : undefined;
  const [results, warnings] = await Promise.all([runAll(args, task, abort.signal, progress), typeWarnings(args.files)]);
  progress?.clear();
  const code = exitCodeOf(results);

  if (args.json) {
    const files = results.map((r, i) => ({ ...fileJson(r, args.files[i]), ...(warnings[i].length ? { typeErrors: warnings[i] } : {}) }));
    const doc = task === 'check' ? { files, passed: code === 0, exitCode: code, summary: summarize(results, args.files) } : { ...files[0], exitCode: code };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return code;
  }
  results.forEach((r, i) => {
    // A file that does not parse did not run: its syntax error is printed once, by the run, and
    // "the model runs as written, with types ignored" would be untrue (as in VS Code's Problems).
    const parsed = r.ok || r.error.kind !== 'syntax';
    if (parsed) for (const line of warningLines(args.files[i], warnings[i])) printErr(`${line}\n`);
    printReadable(r, args.files[i]);
  });
  // One verdict across every file, last, where a long run's reader looks first.
  if (task === 'check') printOut(`${closingLine(summarize(results, args.files))}\n`);
  return code;
}

function printReadable(r: RunResult, shownAs: string): void {
  const out = (s: string): void => printOut(`${s}\n`);
  const err = (s: string): void => printErr(`${s}\n`);
  if (r.output) err(r.output.replace(/\n$/, '').split('\n').map((l) => `[${shownAs}] ${l}`).join('\n'));
  if (!r.ok) {
    err(formatError(r.error, r.file));
    return;
  }
  if (r.task === 'check') {
    const models = r.models as ModelCheckResult[];
    out(`${shownAs}`);
    const rows = models.flatMap(checkRows);
    if (rows.length) out(renderTable(rows));
    for (const m of models) {
      const line = modelLine(m);
      if (line) out(line);
      for (const note of noteLines(m)) out(note);
    }
    for (const m of models) for (const line of failureLines(m, r.file)) (m.error ? err : out)(line);
    const passed = models.filter((m) => m.passed).length;
    out(`${passed} of ${models.length} model${models.length === 1 ? '' : 's'} passed.\n`);
    return;
  }
  for (const m of r.models as Array<ModelGradResult | ModelGraphResult>) {
    out(`${m.name} (${where(m.loc, r.file)})`);
    if (m.error) err(`${where(m.error.line ? m.error : m.loc, r.file)}: ${m.error.message}`);
    if ('params' in m && !m.error) {
      out(`  loss ${m.loss}${m.lossShape.length ? ` (sum over shape [${m.lossShape.join(',')}])` : ''}`);
      for (const p of m.params) out(`  d loss / d ${p.name}  [${p.shape.join(',')}]  ${preview(p.data)}`);
    }
    if ('graph' in m) {
      for (const n of m.graph.nodes) {
        const from = m.graph.edges.filter((e) => e.to === n.id).map((e) => e.from);
        const label = n.op ? `${n.op}(${from.join(', ')})` : (n.name ?? '');
        const at = n.loc ? `  ${displayPath(n.loc.file)}:${n.loc.line}:${n.loc.column}` : '';
        out(`  ${n.id.padEnd(5)} ${n.kind.padEnd(12)} ${label.padEnd(28)} [${n.shape.join(',')}]${n.group ? `  in ${n.group}` : ''}${at}`);
      }
    }
  }
}

/** Runs one task on every file given, a few at a time; results come back in the order given. */
function runAll<T extends RunTask>(args: CliArgs, task: T, signal: AbortSignal, progress?: ProgressLine): Promise<RunResult<T>[]> {
  return mapLimited(args.files, Math.max(1, Math.min(os.availableParallelism(), 4)), (file) => {
    const onProgress = progress?.reporter(file);
    return runFile({
      fileName: file,
      task,
      ...(onProgress ? { onProgress } : {}),
      ...(args.model !== undefined ? { model: args.model } : {}),
      options: args.options,
      ...(args.timeoutMs !== undefined ? { timeoutMs: args.timeoutMs } : {}),
      ...(args.memoryMb !== undefined ? { memoryMb: args.memoryMb } : {}),
      ...(args.workers !== undefined ? { workers: args.workers } : {}),
      signal,
    });
  });
}

/** `gradlens report`: check and trace every file, print the check tables, write one HTML file. */
async function writeReport(args: CliArgs, signal: AbortSignal): Promise<number> {
  const refused = unwritableReason(args.out!);
  if (refused) {
    printErr(`gradlens: ${refused}.\n`);
    return 2;
  }
  const progress = new ProgressLine(process.stderr);
  const checks = await runAll(args, 'check', signal, progress);
  progress.clear();
  const graphs = await runAll(args, 'graph', signal);
  checks.forEach((r, i) => printReadable(r, args.files[i]));
  printOut(`${closingLine(summarize(checks, args.files))}\n`);
  const entry = <T extends 'check' | 'graph'>(r: RunResult<T>) => ({ file: displayPath(r.file), models: r.ok ? r.models : [], ...(r.ok ? {} : { error: r.error }) });
  const html = renderReport({
    graphs: graphs.map((r) => entry(r) as { file: string; models: ModelGraphResult[] }),
    results: checks.map((r) => entry(r) as { file: string; models: ModelCheckResult[] }),
    rules: verifyRules(0),
  });
  const failed = writeReportFile(args.out!, html, printErr);
  if (failed !== null) return failed;
  printOut(`Report written to ${displayPath(path.resolve(args.out!))} (${(html.length / 1024).toFixed(0)} KB): open it in a browser.\n`);
  return exitCodeOf(checks);
}

function preview(data: readonly number[]): string {
  const shown = data.slice(0, 6).map((x) => Number(x.toPrecision(6)));
  return `${shown.join(' ')}${data.length > 6 ? ` … (${data.length} values)` : ''}`;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

function versionFromPackage(): string {
  try {
    return (require(path.join(__dirname, '..', 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

endQuietlyOnClosedPipe();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug in Gradlens itself: one sentence for the user, the stack only on request.
    printErr(`gradlens: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (process.env.GRADLENS_DEBUG) printErr(`${(err as Error)?.stack ?? ''}\n`);
    process.exitCode = 2;
  },
);
