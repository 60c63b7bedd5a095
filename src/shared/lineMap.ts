// Where the lines of a text went after it was edited, for results computed on the text before the
// edit (a check the user typed during). The edit is taken as one changed block: the lines before it
// keep their numbers, the lines after it move by the change in length, the lines inside it are gone.
// Two edits far apart make one block of everything between them: conservative, never a wrong line.

/** A function from a 0-based line of `before` to its line in `after`, or undefined where it was edited. */
export function lineMap(before: string, after: string): (line: number) => number | undefined {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const shift = b.length - a.length;
  return (line) => {
    if (line < 0 || line >= a.length) return undefined;
    if (line < prefix) return line;
    if (line >= a.length - suffix) return line + shift;
    return undefined;
  };
}
