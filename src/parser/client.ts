// The client side of the parser worker: one long-lived worker under the workers' supervisor,
// requests answered in order, a new worker on the next request if it dies. Callers get the same
// ParseResult as findModels() gives, or a rejection that says what went wrong.
import * as path from 'node:path';
import { WorkerSupervisor, describeFailure } from '../workers/supervisor';
import { type ParseRequest, isParseResult } from './protocol';
import type { ParseResult } from './types';

export class ParserClient {
  private supervisor: WorkerSupervisor<ParseRequest, ParseResult> | undefined;

  /** `workerPath`: the bundled dist/parserWorker.js. */
  constructor(private readonly workerPath: string) {}

  /** `typeCheck`: also the file's TypeScript errors (ParseResult.typeErrors). */
  async parse(fileName: string, text: string, opts: { typeCheck?: boolean } = {}): Promise<ParseResult> {
    this.supervisor ??= new WorkerSupervisor({ isResult: isParseResult });
    const outcome = await this.supervisor.request({ fileName, text, ...(opts.typeCheck ? { typeCheck: true } : {}) }, { workerPath: path.resolve(this.workerPath) });
    if (outcome.ok) return outcome.result;
    throw new Error(outcome.failure.kind === 'disposed' ? 'the parser was shut down' : describeFailure(outcome.failure, 'the parser worker'));
  }

  /** Stops the worker; what is still waiting is rejected. A later parse starts a new one. */
  dispose(): void {
    this.supervisor?.dispose();
    this.supervisor = undefined;
  }
}
