// A file nested deeper than a recursive parser's stack: the parser answers (no models, and a
// syntax error that says where) instead of throwing a RangeError that says nowhere.
import { strict as assert } from 'node:assert';
import { findModels } from '../../../src/parser';
import { deepestNesting } from '../../../src/parser/nesting';

const MODEL = "export const m = defineModel({ inputs: {}, params: {}, forward: () => F.exp(1) });";

describe('parser: nesting too deep to parse', () => {
  for (const [what, open, close] of [['arrays', '[', ']'], ['parentheses', '(', ')'], ['objects', '{ a: ', ' }']]) {
    it(`answers for ${what} nested 10,000 levels deep, with a syntax error at the deepest one`, () => {
      const text = `import { defineModel, F } from 'gradlens';\n${MODEL}\nexport const data = ${open.repeat(10_000)}1${close.repeat(10_000)};\n`;
      const r = findModels('deep.ts', text);
      assert.deepEqual(r.models, []);
      assert.equal(r.syntaxErrors.length, 1);
      const [e] = r.syntaxErrors;
      assert.match(e.message, /^This file nests brackets 10000 levels deep here, more than the TypeScript parser can take/);
      assert.equal(e.range.start.line, 2);
      assert.equal(e.range.start.character, 'export const data = '.length + (10_000 - 1) * open.length);
      assert.ok(JSON.parse(JSON.stringify(r)), 'still plain data');
    });
  }

  it('still parses a file nested a few hundred levels deep', () => {
    const text = `import { defineModel, F } from 'gradlens';\nexport const data = ${'['.repeat(300)}1${']'.repeat(300)};\n${MODEL}\n`;
    const r = findModels('deep.ts', text);
    assert.deepEqual(r.models.map((m) => m.name), ['m']);
    assert.deepEqual(r.syntaxErrors, []);
  });

  it('counts brackets, not what only looks like them in strings, comments, templates and regular expressions', () => {
    const text = [
      "const s = '(((((', t = \"[[[[\"; // {{{{{",
      '/* ((((((( */',
      'const r = /[(]{3}/g, q = a / (b / c);', // the second slash divides: depth 1 there
      'const u = `x${ f(`y${ [1] }`) }z`;', // ${ ( ${ [ : four deep at the [
    ].join('\n');
    const at = deepestNesting(text);
    assert.equal(at.depth, 4);
    assert.deepEqual([at.line, at.character], [3, 'const u = `x${ f(`y${ '.length]);
  });
});
