// The CLI's TypeScript warnings: each file is type-checked against the shipped declarations in the
// parser worker (src/parser/typeErrors.ts) while the check runs. Model files are bundled with
// types stripped, so a type error means the check may run on a model other than the one meant.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParserClient } from '../parser/client';
import type { TypeErrorInfo } from '../parser/types';

export interface TypeWarning {
  line: number;
  column: number;
  code: number;
  message: string;
}

/** Type errors of each file, in order; a file that cannot be read or checked has none (the run reports why). */
export async function typeWarnings(files: readonly string[]): Promise<TypeWarning[][]> {
  const client = new ParserClient(path.join(__dirname, 'parserWorker.js'));
  try {
    return await Promise.all(
      files.map(async (file) => {
        try {
          const result = await client.parse(path.resolve(file), fs.readFileSync(file, 'utf8'), { typeCheck: true });
          return (result.typeErrors ?? []).map(toWarning);
        } catch {
          return [];
        }
      }),
    );
  } finally {
    client.dispose();
  }
}

function toWarning(e: TypeErrorInfo): TypeWarning {
  return { line: e.range.start.line + 1, column: e.range.start.character + 1, code: e.code, message: e.message };
}

/** `file:line:col: warning TS2353: …`, as compilers print them, with what it means for the check. */
export function warningLines(shownAs: string, warnings: readonly TypeWarning[]): string[] {
  if (!warnings.length) return [];
  return [
    ...warnings.map((w) => `${shownAs}:${w.line}:${w.column}: warning TS${w.code}: ${w.message.split('\n').join(' ')}`),
    `${shownAs}: ${warnings.length} TypeScript error${warnings.length === 1 ? '' : 's'}: the model runs as written, with types ignored, so it may not be the model you meant.`,
  ];
}
