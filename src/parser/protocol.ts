// What the parser worker is asked and answers, inside the workers' envelope (workers/protocol.ts).
import type { ParseResult } from './types';

export interface ParseRequest {
  fileName: string;
  text: string;
  /** Type-check the text too (ParseResult.typeErrors): slower, so only when a check runs. */
  typeCheck?: boolean;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function isParseRequest(x: unknown): x is ParseRequest {
  return isRecord(x) && typeof x.fileName === 'string' && typeof x.text === 'string';
}

export function isParseResult(x: unknown): x is ParseResult {
  return (
    isRecord(x) &&
    typeof x.fileName === 'string' &&
    typeof x.importsGradlens === 'boolean' &&
    ['models', 'ops', 'opCalls', 'layerClasses', 'syntaxErrors'].every((key) => Array.isArray(x[key])) &&
    (x.typeErrors === undefined || Array.isArray(x.typeErrors))
  );
}
