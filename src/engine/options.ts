// Unknown option names are errors. Model files are bundled by esbuild, which strips types, so a
// misspelt option (`randn([5], { std: 0.1 })` for `scale`) would otherwise be ignored silently and
// the check would run on a different model than the one the user wrote.
import { GradlensError } from './tensor';

/** The nearest known name within two edits, to suggest. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let diag = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const up = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        diag = up;
      }
    }
    return row[b.length];
  };
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Options whose name says what they mean elsewhere (PyTorch, NumPy), mapped to ours. */
const SYNONYMS: Record<string, string> = { std: 'scale', stddev: 'scale', sigma: 'scale', generator: 'seed', requires_grad: 'requiresGrad' };

/** Every option of T, each once: the compiler keeps a list in step with its interface. */
export type OptionNames<T extends object> = { readonly [K in keyof Required<T>]: unknown };

/**
 * Throws when `opts` is not an options object or names an option outside `known`:
 * `randn: unknown option 'std' (did you mean 'scale'?); randn takes seed, scale, requiresGrad`.
 */
export function checkOptionNames<T extends object>(op: string, opts: T | undefined, knownNames: OptionNames<NoInfer<T>>): void {
  if (opts === undefined) return;
  const known = Object.keys(knownNames);
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new GradlensError(op, `options must be an object ({ ${known.join(', ')} }), got ${Array.isArray(opts) ? 'an array' : opts === null ? 'null' : typeof opts}`);
  for (const name of Object.keys(opts)) {
    if (known.includes(name)) continue;
    const guess = SYNONYMS[name] !== undefined && known.includes(SYNONYMS[name]) ? SYNONYMS[name] : nearest(name, known);
    throw new GradlensError(op, `unknown option '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; ${op} takes ${known.join(', ')}`);
  }
}
