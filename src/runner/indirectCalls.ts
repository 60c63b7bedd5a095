// TypeScript writes a call of an imported function as `(0, gradlens_1.defineOp)({…})`, and V8
// places such a call at the `(` of its arguments. TypeScript's map sends the `)` just before it to
// the end of the name in the user's file, so the call would land after `defineOp`, on its `(`.
// Dropping that one mapping lets the call fall back to the name's start, where V8 places a method
// call such as `F.mul(…)` too, and where esbuild's bundles placed both.

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** `(0, a.b)(`: the generated column of its `)` on each line. */
function indirectCallEnds(line: string): Set<number> {
  const ends = new Set<number>();
  for (const m of line.matchAll(/\(0, [\w$]+(?:\.[\w$]+)*\)\(/g)) ends.add(m.index + m[0].length - 2);
  return ends;
}

export function placeIndirectCallsAtTheirName(js: string, mappings: string): string {
  const lines = js.split('\n');
  const decoded = decode(mappings);
  return encode(decoded.map((segments, i) => {
    const ends = i < lines.length ? indirectCallEnds(lines[i]) : new Set<number>();
    return ends.size === 0 ? segments : segments.filter((s) => !ends.has(s[0]));
  }));
}

/** Segments with absolute values: [generated column, source, original line, original column, name?]. */
type Segment = number[];

function decode(mappings: string): Segment[][] {
  const state = [0, 0, 0, 0, 0];
  return mappings.split(';').map((line) => {
    state[0] = 0;
    return line === '' ? [] : line.split(',').map((field) => {
      const values = vlqValues(field);
      return values.map((v, k) => (state[k] += v));
    });
  });
}

function encode(lines: Segment[][]): string {
  const state = [0, 0, 0, 0, 0];
  return lines.map((segments) => {
    state[0] = 0;
    return segments.map((s) => s.map((v, k) => {
      const delta = v - state[k];
      state[k] = v;
      return vlq(delta);
    }).join('')).join(',');
  }).join(';');
}

function vlqValues(field: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of field) {
    const digit = DIGIT.get(c) ?? 0;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function vlq(n: number): string {
  let rest = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    const digit = rest & 31;
    rest >>>= 5;
    out += BASE64[rest > 0 ? digit | 32 : digit];
  } while (rest > 0);
  return out;
}
