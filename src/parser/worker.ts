// A worker thread that owns the TypeScript compiler, so parsing (and loading the compiler, which
// takes hundreds of milliseconds) never blocks the thread that asks — the VS Code extension host.
import { parentPort } from 'node:worker_threads';
import { findModels } from './findModels';
import { isParseRequest, type ParseReply } from './protocol';

parentPort?.on('message', (msg: unknown) => {
  if (!isParseRequest(msg)) return;
  let reply: ParseReply;
  try {
    reply = { id: msg.id, ok: true, result: findModels(msg.fileName, msg.text) };
  } catch (err) {
    reply = { id: msg.id, ok: false, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
