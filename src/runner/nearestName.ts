// "Did you mean …?": the closest known name to a misspelt one, by edit distance.

/** Levenshtein distance (insert, delete, substitute: one each), case-sensitive. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known name nearest to `name`, when it is near enough to be a slip (at most a third of the
 * name's letters off, at least one; a difference of case alone always counts); else undefined.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const sameButCase = known.find((k) => k.toLowerCase() === name.toLowerCase());
  if (sameButCase) return sameButCase;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}
