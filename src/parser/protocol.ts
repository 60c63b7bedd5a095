// Messages between the parser worker and its client.
import type { ParseResult } from './types';

export interface ParseRequest {
  id: number;
  fileName: string;
  text: string;
}

export type ParseReply = { id: number; ok: true; result: ParseResult } | { id: number; ok: false; error: string };

export function isParseRequest(x: unknown): x is ParseRequest {
  const m = x as ParseRequest;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.fileName === 'string' && typeof m.text === 'string';
}

export function isParseReply(x: unknown): x is ParseReply {
  const m = x as ParseReply;
  return typeof m === 'object' && m !== null && typeof m.id === 'number' && typeof m.ok === 'boolean' && (m.ok ? typeof m.result === 'object' && m.result !== null : typeof m.error === 'string');
}
