// A tiny WebAssembly assembler: just the opcodes the SIMD gemm kernel needs.
//
// Why our own assembler rather than wabt: the module is a few hundred bytes, so emitting it from
// TypeScript at load time keeps the repository free of generated artefacts (nothing to keep in
// sync, no build step, no devDependency), and the kernel's source stays readable as code below.
// Encoding follows the WebAssembly core spec (binary format) and the fixed-width SIMD proposal.

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Instruction encoders; each returns the bytes of one instruction. */
export const op = {
  block: (): number[] => [0x02, 0x40],
  loop: (): number[] => [0x03, 0x40],
  end: (): number[] => [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  i32Eqz: (): number[] => [0x45],
  i32LtU: (): number[] => [0x49],
  i32Add: (): number[] => [0x6a],
  i32Mul: (): number[] => [0x6c],
  i32Shl: (): number[] => [0x74],
  // SIMD (prefix 0xfd, then the opcode as unsigned LEB128). memarg = log2(alignment), offset.
  v128Load: (offset: number): number[] => [0xfd, ...uleb(0x00), 3, ...uleb(offset)],
  v128Load64Splat: (offset: number): number[] => [0xfd, ...uleb(0x0a), 3, ...uleb(offset)],
  v128Store: (offset: number): number[] => [0xfd, ...uleb(0x0b), 3, ...uleb(offset)],
  v128Zero: (): number[] => [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f64x2Add: (): number[] => [0xfd, ...uleb(0xf0)],
  f64x2Mul: (): number[] => [0xfd, ...uleb(0xf2)],
};

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

export interface FuncDef {
  exportName: string;
  params: number[];
  /** Extra locals, one value type each (indices continue after the params). */
  locals: number[];
  body: number[];
}

/**
 * A module with one exported memory ("mem", `minPages` pages of 64 KiB) and functions that take
 * the given parameters and return nothing.
 */
export function assembleModule(funcs: FuncDef[], minPages: number): Uint8Array<ArrayBuffer> {
  const types = section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0])));
  const functions = section(3, vec(funcs.map((_, i) => uleb(i))));
  const memory = section(5, vec([[0x00, ...uleb(minPages)]]));
  const exports = section(7, vec([
    [...name('mem'), 0x02, 0],
    ...funcs.map((f, i) => [...name(f.exportName), 0x00, ...uleb(i)]),
  ]));
  const code = section(10, vec(funcs.map((f) => {
    // Locals are run-length encoded as (count, type) pairs.
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([count, t]) => [...uleb(count), t])), ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  })));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...functions, ...memory, ...exports, ...code]);
}
