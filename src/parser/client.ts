// The client side of the parser worker: one long-lived worker, requests matched by id, restarted
// on the next request if it dies. Callers get the same ParseResult as findModels() gives.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { isParseReply, type ParseReply } from './protocol';
import type { ParseResult } from './types';

export class ParserClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: ParseResult): void; reject(e: Error): void }>();

  /** `workerPath`: the bundled dist/parserWorker.js. */
  constructor(private readonly workerPath: string) {}

  parse(fileName: string, text: string): Promise<ParseResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    // Referenced only while a request is out, so an idle worker never keeps a process alive.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, fileName, text });
    });
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the parser was shut down'));
    void w?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(path.resolve(this.workerPath));
    w.on('message', (msg: unknown) => this.onReply(msg));
    w.on('error', (err) => this.onExit(w, err));
    w.on('exit', (code) => this.onExit(w, new Error(`the parser worker stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  private onReply(msg: unknown): void {
    if (!isParseReply(msg)) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (!this.pending.size) this.worker?.unref();
    const reply: ParseReply = msg;
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(reply.error));
  }

  private onExit(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
