// What the CLI prints as text. Model names, messages, paths and a model's own output come from
// the file being checked, and a terminal obeys the control sequences in what it is sent: ESC[2J
// clears the screen, OSC 8 makes a link that says one thing and opens another, OSC 52 writes the
// clipboard. So every line the CLI writes for reading goes through terminalText, which shows such
// characters as escapes instead (--json needs none of this: JSON.stringify escapes them).

/**
 * C0 controls except tab and newline (so \r, which rewrites a line, too), DEL, the C1 controls
 * (U+009B is a CSI of its own), and the bidirectional marks and overrides that make text read in
 * another order than it is written.
 */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as an escape: ESC becomes the four characters `\x1b`. */
export function terminalText(text: string): string {
  return text.replace(CONTROLS, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Writes text for reading to stdout, escaped. */
export function printOut(text: string): void {
  process.stdout.write(terminalText(text));
}

/** Writes text for reading to stderr, escaped. */
export function printErr(text: string): void {
  process.stderr.write(terminalText(text));
}
