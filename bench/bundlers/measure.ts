// One fresh process of bench/bundlers.ts: loads one bundler, bundles examples/mlp.ts once (cold:
// loading the bundler included) and then again and again (warm). With --errors it also bundles
// the broken inputs and reports where each error is placed, and where the source map sends a call.
// Prints one JSON line. Built by bench/bundlers.ts into plain JavaScript, so no loader adds time.
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { bundleModelFile } from '../../src/runner/bundle';
import { type BenchBundle, esbuildBundle } from './esbuildBundler';

const started = performance.now();
const [which, root, warmRuns, withErrors] = process.argv.slice(2);
type Bundler = (file: string, text: string) => Promise<BenchBundle>;

function load(): { bundle: Bundler; stop(): void } {
  if (which === 'typescript') {
    return {
      bundle: async (file, text) => {
        const r = await bundleModelFile(file, text);
        return r.ok ? { code: r.bundle.code, sourceMap: r.bundle.sourceMap } : { error: { line: r.error.line, column: r.error.column, message: r.error.message } };
      },
      stop: () => undefined,
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require(which === 'esbuild' ? 'esbuild' : (process.env.ESBUILD_WASM as string)) as typeof import('esbuild');
  return { bundle: (file, text) => esbuildBundle(esbuild, file, text), stop: () => void esbuild.stop() };
}

const fixture = (name: string): string => path.join(root, 'test/fixtures/runner', name);
/** Broken inputs; `at` is the text the error belongs at (its first character, plus `shift`). */
const BROKEN: { name: string; file: string; text?: string; at: string; shift?: number }[] = [
  { name: 'syntax: `F.sum(1;`', file: fixture('broken.ts'), text: "import { F } from 'gradlens';\nexport const x = F.sum(1;\n", at: '(1;', shift: 2 },
  { name: "package: `from 'lodash'`", file: fixture('unknown-import.ts'), at: "'lodash'" },
  { name: 'named import gradlens lacks: `notAThing`', file: fixture('not-exported.ts'), at: 'notAThing }' },
  { name: 'namespace property: `gl.definModel`', file: fixture('namespace-missing.ts'), at: 'definModel(' },
  { name: "missing relative file: `'./nope'`", file: fixture('nope-importer.ts'), text: "import { h } from './nope';\nexport const m = h;\n", at: "'./nope'" },
  { name: 'V8 early error: `let a` declared twice', file: fixture('twice.ts'), text: 'let a = 1;\nlet a = 2;\nexport {};\n', at: 'a = 2' },
];

/** 1-based line:column of the first occurrence of `needle` in `text`, plus `shift` columns. */
function positionIn(text: string, needle: string, shift = 0): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  return `${i + 1}:${lines[i].indexOf(needle) + 1 + shift}`;
}

/** Where the source map sends V8's position of a call: `new RangeError` in ts-throw.ts, and `defineModel(` in mlp.ts (V8 puts `(0, x.f)(…)` at its `(`). */
function mappedCalls(bundle: BenchBundle, text: string, generated: RegExp, original: string): string {
  if (!bundle.code || !bundle.sourceMap) return 'no bundle';
  const lines = bundle.code.split('\n');
  const line = lines.findIndex((l) => generated.test(l));
  if (line < 0) return 'call not found';
  const m = generated.exec(lines[line]) as RegExpExecArray;
  // The match ends where V8 places the call.
  const column = m.index + m[0].length;
  const e = new SourceMap(JSON.parse(bundle.sourceMap)).findEntry(line, column) as Partial<{ originalLine: number; originalColumn: number }>;
  const want = positionIn(text, original);
  const got = `${(e.originalLine ?? -2) + 1}:${(e.originalColumn ?? -2) + 1}`;
  return got === want ? `${got} ✓` : `${got} (want ${want})`;
}

async function main(): Promise<void> {
  const { bundle, stop } = load();
  const mlp = path.join(root, 'examples/mlp.ts');
  const text = fs.readFileSync(mlp, 'utf8');
  const first = await bundle(mlp, text);
  const coldMs = performance.now() - started;
  if (!first.code) throw new Error(`mlp.ts did not bundle: ${first.error?.message}`);
  const warm: number[] = [];
  for (let i = 0; i < Number(warmRuns); i++) {
    const t = performance.now();
    await bundle(mlp, text);
    warm.push(performance.now() - t);
  }
  const out: Record<string, unknown> = { coldMs, warmMs: warm.sort((a, b) => a - b)[warm.length >> 1] };
  if (withErrors === '--errors') {
    const errors: Record<string, string> = {};
    for (const b of BROKEN) {
      const source = b.text ?? fs.readFileSync(b.file, 'utf8');
      const r = await bundle(b.file, source);
      const want = positionIn(source, b.at, b.shift);
      const got = r.error ? `${r.error.line ?? '?'}:${r.error.column ?? '?'}` : 'no error';
      errors[b.name] = `${got === want ? `${got} ✓` : `${got} (want ${want})`} ${r.error?.message.split('\n')[0].slice(0, 60) ?? ''}`;
    }
    const throwing = fs.readFileSync(fixture('ts-throw.ts'), 'utf8');
    errors['source map: `new RangeError` in ts-throw.ts'] = mappedCalls(await bundle(fixture('ts-throw.ts'), throwing), throwing, /(?=new RangeError)/, 'new RangeError');
    errors['source map: the `defineModel(…)` call in mlp.ts'] = mappedCalls(first, text, /\(0 ?, [\w$]+\.defineModel\)(?=\()/, 'defineModel(');
    out.errors = errors;
  }
  stop();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
