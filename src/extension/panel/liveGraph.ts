// The live graph: traces the buffer as the user types. Runs start once typing pauses (debounced),
// a newer edit aborts the run in flight, and a buffer that fails keeps the last good graph, sent
// together with the error. Pure (no `vscode`): the panel feeds it text, it hands back messages.
import type { RunResult } from '../../runner/index';
import type { GraphDidChange } from '../../shared/protocol';
import type { ModelGraphResult } from '../../shared/workerProtocol';
import { graphMessage } from './messages';

export type TraceFn = (fileName: string, text: string, signal: AbortSignal) => Promise<RunResult<'graph'>>;

export interface LiveGraphOptions {
  trace: TraceFn;
  onGraph(msg: GraphDidChange): void;
  /** Pause after the last edit before tracing. Default 120 ms: longer than the gap between keystrokes, and
   *  short enough that pause + trace (about 150 ms for the examples) lands within 300 ms. */
  delayMs?: number;
  /** Shown file name in messages (e.g. relative to the workspace); default the file name. */
  display?: (fileName: string) => string;
}

export class LiveGraph {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private lastGood = new Map<string, ModelGraphResult[]>();
  private generation = 0;
  /** Traces started (for tests: debouncing means fewer runs than edits). */
  runs = 0;

  constructor(private readonly opts: LiveGraphOptions) {}

  /** The buffer changed: trace it after the pause. */
  update(fileName: string, text: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.now(fileName, text), this.opts.delayMs ?? 120);
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
      result = await this.opts.trace(fileName, text, abort.signal);
    } catch (err) {
      result = { ok: false, file: fileName, task: 'graph', error: { kind: 'internal', message: (err as Error).message } };
    }
    // A newer edit started another run: this result is stale.
    if (gen !== this.generation) return;
    this.inFlight = undefined;
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
    if (this.timer) clearTimeout(this.timer);
    this.inFlight?.abort();
    this.generation++;
  }
}
