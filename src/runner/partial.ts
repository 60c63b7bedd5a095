// What a check has told so far of a file's models (workerProtocol.ts CheckNote), so that a time or
// memory limit that stops it mid-file loses only the model it was checking. The models before keep
// their results; the one running says that the limit stopped it, at its own line, with its size
// and mode; the ones after say they were not reached. Before any model is found, the limit stopped
// the file's own code (an endless loop at the top level), and the run fails as a whole, as before.
import { unrunResult } from '../shared/checkResult';
import { type CheckNote, type ModelCheckResult, type RunError, type SourceLocation, isCheckNote } from '../shared/workerProtocol';
import { located } from './errors';

/** Parameter elements above which a check can outlast a time limit by its size alone (a full check replays a few µs an element). */
const LARGE_CHECK = 10_000;

interface Running {
  index: number;
  mode: string;
  size: number;
  /** The check's latest progress (gradcheck/progress.ts): elements compared in a full or sampled sweep. */
  compared?: { done: number; total: number };
}

export class CheckLedger {
  private models: { name: string; loc?: SourceLocation }[] | undefined;
  private readonly results = new Map<number, ModelCheckResult>();
  private running: Running | undefined;

  /** Takes a worker's note; anything that fails the guard is ignored (the reply still decides). */
  readonly hear = (payload: unknown): void => {
    if (isCheckNote(payload)) this.take(payload);
  };

  /** The worker's progress, which is the running model's. */
  readonly progress = (done: number, total: number): void => {
    if (this.running) this.running.compared = { done, total };
  };

  take(note: CheckNote): void {
    switch (note.type) {
      case 'models':
        this.models ??= note.models;
        return;
      case 'checking':
        this.running = { index: note.index, mode: note.mode, size: note.size };
        return;
      case 'checked':
        this.results.set(note.index, note.result);
        if (this.running?.index === note.index) this.running = undefined;
        return;
    }
  }

  /**
   * The file's results once `error` (a time or memory limit, named `limit`: "the time limit of
   * 30 s") stopped its check, in file order; undefined when no model had been found yet, or the stop
   * was of another kind (a cancel keeps nothing: the caller asked for nothing more).
   */
  stoppedBy(error: RunError, limit: string): ModelCheckResult[] | undefined {
    const models = this.models;
    if (!models || (error.kind !== 'timeout' && error.kind !== 'memory')) return undefined;
    const running = this.running;
    const stopped = running ? models[running.index]?.name : undefined;
    return models.map((m, index) => {
      const done = this.results.get(index);
      if (done) return done;
      const message = index === running?.index ? stoppedMessage(error, limit, running) : notReachedMessage(limit, stopped);
      return unrunResult(m.name, located(error.kind, message, m.loc), m.loc);
    });
  }
}

function stoppedMessage(error: RunError, limit: string, running: Running): string {
  const size = `${running.size.toLocaleString('en-US')} parameter element${running.size === 1 ? '' : 's'}, ${running.mode} mode`;
  if (error.kind === 'memory') return `Stopped at ${limit} while checking this model (${size}): it allocated more than that (tensors too large, or kept in an ever-growing list?). Raise the limit (--memory on the command line) or make the model or its batch smaller.`;
  // A sweep that was comparing elements is slow, not stuck: each element it moves recomputes what
  // the element reaches, a convolution whole, and an 8k-parameter CNN can need minutes in full mode.
  const compared = running.compared;
  if (running.mode !== 'fast' && compared && compared.done > 0 && compared.done < compared.total) {
    return `Stopped at ${limit} while checking this model (${size}), with ${compared.done.toLocaleString('en-US')} of ${compared.total.toLocaleString('en-US')} elements compared: the ${running.mode} check is too slow for the limit (every element it moves recomputes what that element reaches). Check it in fast mode (the gradlens.mode setting, or --mode fast), or raise the limit (the gradlens.timeout setting, or --timeout on the command line).`;
  }
  // Fast mode is advice only for a check that could be too large; a small model that outlasts the
  // limit is stuck in its own code.
  if (running.size <= LARGE_CHECK) return `Stopped at ${limit} while checking this model (${size}): for a model this small, its forward or backward is still running (an endless loop?).`;
  const faster = running.mode === 'fast' ? '' : ', or check it in fast mode (the gradlens.mode setting, or --mode fast)';
  return `Stopped at ${limit} while checking this model (${size}): it was still running (an endless loop, or a check too large for the limit?). If it needs longer, raise the limit (the gradlens.timeout setting, or --timeout on the command line)${faster}.`;
}

function notReachedMessage(limit: string, stopped: string | undefined): string {
  const where = stopped ? ` while model '${stopped}' was being checked` : '';
  return `Not checked: ${limit} was reached${where}, before this model's turn.`;
}
