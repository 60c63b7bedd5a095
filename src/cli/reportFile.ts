// Where `gradlens report --out FILE` writes. A report takes a whole check and trace of every file,
// so a path that cannot be written is refused before that work starts, not after it, and a write
// that still fails (disk full, the reader of /dev/stdout gone) is one sentence, never an
// "internal error".
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLOSED_PIPE_EXIT } from './closedPipe';

/** Why `out` cannot take the report, or null when it can (the file may not exist yet). */
export function unwritableReason(out: string): string | null {
  const target = path.resolve(out);
  const existing = statOrNull(target);
  if (existing?.isDirectory()) return `--out ${out} is a directory; give a file name such as ${path.join(out, 'gradlens-report.html')}`;
  if (existing) return accessReason(target, out);
  // The report creates missing folders, so the nearest existing ancestor must be a writable folder.
  let dir = path.dirname(target);
  while (!statOrNull(dir)) dir = path.dirname(dir);
  if (!statOrNull(dir)!.isDirectory()) return `--out ${out}: ${dir} is a file, not a folder`;
  return accessReason(dir, out);
}

/** Writes the report; returns the exit code to end with when it could not be written, else null. */
export function writeReportFile(out: string, html: string, printErr: (text: string) => void): number | null {
  const target = path.resolve(out);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, html);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // `--out /dev/stdout | head`: the reader has gone, and nothing more can be said (see closedPipe.ts).
    if (code === 'EPIPE') return CLOSED_PIPE_EXIT;
    printErr(`gradlens: could not write the report to ${out}: ${(err as Error).message}\n`);
    return 2;
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

function accessReason(p: string, out: string): string | null {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return null;
  } catch {
    return `--out ${out}: ${p} is not writable`;
  }
}
