// The live graph: traces the buffer as the user types. Runs start once typing pauses (debounced),
// a newer edit aborts the run in flight, and a buffer that fails keeps the last good graph, sent
// together with the error. Pure (no `vscode`): the panel feeds it text, it hands back messages.
// By default it traces in a warm worker of its own (runner/warm.ts), which stays loaded between
// edits: a trace of the examples then takes ~20–40 ms instead of ~0.6 s for a fresh worker.
import type { RunResult, WarmRunner } from '../../runner/index';
import type { GraphDidChange } from '../../shared/protocol';
import type { ModelGraphResult } from '../../shared/workerProtocol';
import { graphMessage } from './messages';

export type TraceFn = (fileName: string, text: string, signal: AbortSignal) => Promise<RunResult<'graph'>>;

export interface LiveGraphOptions {
  /** How to trace; default: runFile in this controller's own warm worker, disposed with it. */
  trace?: TraceFn;
  /** The time limit of the default trace, read at each run (the user's setting). Default 30 s. */
  timeoutMs?: () => number;
  onGraph(msg: GraphDidChange): void;
  /** Pause after the last edit before tracing. Default DEFAULT_DELAY_MS. */
  delayMs?: number;
  /** Shown file name in messages (e.g. relative to the workspace); default the file name. */
  display?: (fileName: string) => string;
  /** Whether the workspace is trusted, read at each run: the default trace hands it to the runner, which refuses when not. */
  trusted?: () => boolean;
}

/**
 * 100 ms: longer than the gap between a fast typist's keystrokes (so a burst of typing costs one
 * trace), and with a warm trace of the examples (~20–40 ms, bench/live-graph.ts) typing-stopped →
 * graph posted lands at ~130–150 ms, well within the 300 ms even on a loaded machine.
 */
export const DEFAULT_DELAY_MS = 100;

export class LiveGraph {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private lastGood = new Map<string, ModelGraphResult[]>();
  /** The text whose graph (or error) is on screen, per file: an edit that restores it needs no run. */
  private shownText = new Map<string, string>();
  private generation = 0;
  private warm: WarmRunner | undefined;
  private disposed = false;
  /** Traces started (for tests: debouncing means fewer runs than edits). */
  runs = 0;

  constructor(private readonly opts: LiveGraphOptions) {}

  /** The buffer changed: trace it after the pause. */
  update(fileName: string, text: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Typed and undone, or a save: the graph on screen already shows this text.
    if (!this.inFlight && this.shownText.get(fileName) === text) return;
    this.timer = setTimeout(() => void this.now(fileName, text), this.opts.delayMs ?? DEFAULT_DELAY_MS);
  }

  /** Traces at once (opening a file, switching editors). Resolves when its message is sent or superseded. */
  async now(fileName: string, text: string): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    const abort = new AbortController();
    this.inFlight = abort;
    const gen = ++this.generation;
    this.runs++;
    let result: RunResult<'graph'>;
    try {
      result = await (this.opts.trace ?? this.warmTrace)(fileName, text, abort.signal);
    } catch (err) {
      result = { ok: false, file: fileName, task: 'graph', error: { kind: 'internal', message: (err as Error).message } };
    }
    // A newer edit started another run: this result is stale.
    if (gen !== this.generation) return;
    this.inFlight = undefined;
    if (!(!result.ok && result.error.kind === 'cancelled')) this.shownText.set(fileName, text);
    const shown = this.opts.display?.(fileName) ?? fileName;
    if (result.ok && (result.models as ModelGraphResult[]).some((m) => m.graph)) {
      const models = result.models as ModelGraphResult[];
      this.lastGood.set(fileName, models);
      this.opts.onGraph(graphMessage(shown, models));
      return;
    }
    if (!result.ok && result.error.kind === 'cancelled') return;
    // Nothing drawable: keep the last good graph on screen and say why.
    const error = result.ok ? (result.models as ModelGraphResult[]).find((m) => m.error)?.error ?? { kind: 'no-model' as const, message: 'The file defines no model.' } : result.error;
    this.opts.onGraph(graphMessage(shown, this.lastGood.get(fileName) ?? [], error));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.inFlight?.abort();
    this.generation++;
    this.warm?.dispose();
  }

  /** The default trace: the runner, loaded on first use, in a warm worker owned by this controller. */
  private readonly warmTrace: TraceFn = async (fileName, text, signal) => {
    // Loaded on first use, like the extension's other runner calls; `require`, so it works bundled and under tsx alike.
    const runner = require('../../runner/index') as typeof import('../../runner/index');
    // Disposed while the runner loaded: the run is stale anyway, and must not start a worker.
    if (this.disposed) return { ok: false, file: fileName, task: 'graph', error: { kind: 'cancelled', message: 'The run was cancelled.' } };
    const warm = (this.warm ??= new runner.WarmRunner());
    return runner.runFile({ fileName, text, task: 'graph', signal, workers: 1, warm, timeoutMs: this.opts.timeoutMs?.() ?? runner.DEFAULT_TIMEOUT_MS, workspaceTrusted: this.opts.trusted?.() ?? true });
  };
}
