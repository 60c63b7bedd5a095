// Runs the derivative table's verification in a worker thread (dist/rulesWorker.js), once per
// session: the rules do not change while the extension runs.
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import type { RuleVerification } from '../../shared/protocol';
import { isRuleVerification } from '../../shared/protocol';

const TIMEOUT_MS = 60_000;

export class RulesVerifier {
  private result: Promise<RuleVerification[]> | undefined;
  private worker: Worker | undefined;

  constructor(private readonly workerPath: string) {}

  verify(): Promise<RuleVerification[]> {
    // A failed run is not cached: reopening the table tries again.
    this.result ??= this.run().catch((err: unknown) => {
      this.result = undefined;
      throw err;
    });
    return this.result;
  }

  private run(): Promise<RuleVerification[]> {
    return new Promise((resolve, reject) => {
      if (!fs.existsSync(this.workerPath)) return reject(new Error(`the rules worker is missing at ${this.workerPath}; run the build`));
      const worker = new Worker(this.workerPath, { workerData: { seed: 0 } });
      this.worker = worker;
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`verification took longer than ${TIMEOUT_MS / 1000} s`));
      }, TIMEOUT_MS);
      const finish = (): void => {
        clearTimeout(timer);
        this.worker = undefined;
        void worker.terminate();
      };
      worker.once('message', (m: unknown) => {
        finish();
        const msg = m as { type?: string; results?: unknown; error?: unknown };
        if (msg?.type === 'done' && Array.isArray(msg.results) && msg.results.every(isRuleVerification)) resolve(msg.results);
        else reject(new Error(typeof msg?.error === 'string' ? msg.error : 'the rules worker sent a malformed reply'));
      });
      worker.once('error', (err) => {
        finish();
        reject(err);
      });
    });
  }

  dispose(): void {
    void this.worker?.terminate();
  }
}
