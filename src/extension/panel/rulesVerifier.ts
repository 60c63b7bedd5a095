// Runs the derivative table's verification in a worker thread (dist/rulesWorker.js), once per
// session: the rules do not change while the extension runs. The worker is used once and stopped.
import type { RuleVerification } from '../../shared/protocol';
import { isRuleVerification } from '../../shared/protocol';
import { WorkerSupervisor, describeFailure } from '../../workers/supervisor';

const TIMEOUT_MS = 60_000;

type Verifications = WorkerSupervisor<number, RuleVerification[]>;

function isVerifications(x: unknown): x is RuleVerification[] {
  return Array.isArray(x) && x.every(isRuleVerification);
}

export class RulesVerifier {
  private result: Promise<RuleVerification[]> | undefined;
  private running: Verifications | undefined;

  /** `seed` picks the random instances the rules are checked at. */
  constructor(private readonly workerPath: string, private readonly seed = 0) {}

  verify(): Promise<RuleVerification[]> {
    // A failed run is not cached: reopening the table tries again.
    this.result ??= this.run().catch((err: unknown) => {
      this.result = undefined;
      throw err;
    });
    return this.result;
  }

  private async run(): Promise<RuleVerification[]> {
    const once: Verifications = new WorkerSupervisor({ isResult: isVerifications });
    this.running = once;
    try {
      const outcome = await once.request(this.seed, { workerPath: this.workerPath, timeoutMs: TIMEOUT_MS });
      if (outcome.ok) return outcome.result;
      throw new Error(outcome.failure.kind === 'timeout' ? `verification took longer than ${TIMEOUT_MS / 1000} s` : describeFailure(outcome.failure, 'the rules worker'));
    } finally {
      once.dispose();
      if (this.running === once) this.running = undefined;
    }
  }

  dispose(): void {
    this.running?.dispose();
  }
}
