// A worker thread that owns the TypeScript compiler, so parsing (and loading the compiler, which
// takes hundreds of milliseconds) never blocks the thread that asks — the VS Code extension host.
import { serveRequests } from '../workers/serveRequests';
import { findModels } from './findModels';
import { isParseRequest } from './protocol';
import { typeErrorsOf } from './typeErrors';

serveRequests((req) => {
  if (!isParseRequest(req)) throw new Error('the parser worker received a malformed request');
  const result = findModels(req.fileName, req.text);
  return req.typeCheck ? { ...result, typeErrors: typeErrorsOf(req.fileName, req.text) } : result;
});
