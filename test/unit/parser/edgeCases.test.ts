// The parser on small inline buffers: import forms, where a model's name comes from, positions
// in CRLF files and after non-ASCII text, file kinds, and results that are plain JSON data.
import { strict as assert } from 'node:assert';
import { findModels, oneBased } from '../../../src/parser';
import type { SourceRange } from '../../../src/parser';

const lines = (...ls: string[]): string => ls.join('\n');
const at = (r: SourceRange | undefined): string => (r ? `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}` : 'missing');

describe('parser: import forms', () => {
  it('a default import and `import x = require(...)` act as namespaces; type-only imports bind nothing', () => {
    const text = lines(
      "import gradlens from 'gradlens';",
      "import gl = require('gradlens');",
      "import type { F } from 'gradlens';",
      "import { type defineOp } from 'gradlens';",
      'const a = gradlens.defineModel({ params: {}, inputs: {}, forward: () => gl.F.exp(1) });',
      'const b = gl.defineModel({ params: {}, inputs: {}, forward: () => F.exp(1) });',
      "const c = defineOp({ name: 'nope' });",
    );
    const r = findModels('forms.ts', text);
    assert.deepEqual(r.models.map((m) => m.name), ['a', 'b']);
    assert.deepEqual(r.ops, [], 'defineOp was imported as a type only');
    assert.deepEqual(r.opCalls.map((c) => [c.op, at(c.nameRange)]), [['exp', '4:77-4:80']], 'a type-only F is not a value');
  });

  it("'gradlens/nn' exports layers: its named classes and its namespace are nn bases", () => {
    const text = lines(
      "import { Linear } from 'gradlens/nn';",
      "import * as layers from 'gradlens/nn';",
      'class A extends Linear {}',
      'class B extends layers.Conv2d {}',
      'class C extends Map {}',
    );
    assert.deepEqual(findModels('nn.ts', text).layerClasses.map((c) => [c.name, c.baseText]), [['A', 'Linear'], ['B', 'layers.Conv2d']]);
  });

  it('a class expression and an anonymous default class take the names they are bound to', () => {
    const text = lines(
      "import { nn } from 'gradlens';",
      'const Mixer = class extends nn.Module {};',
      'export default class extends nn.Module {}',
      'class Gate extends nn.Module {}',
      'export { Gate };',
    );
    const classes = findModels('c.ts', text).layerClasses;
    assert.deepEqual(classes.map((c) => [c.name, c.exported, at(c.nameRange)]), [
      ['Mixer', false, '1:14-1:19'],
      ['default', true, '2:15-2:20'],
      ['Gate', true, '3:6-3:10'],
    ]);
  });
});

describe('parser: broken buffers', () => {
  it('an import swallowed by an unclosed block still binds what follows it', () => {
    const text = lines(
      'function draft() {',
      "import { defineModel, F } from 'gradlens';",
      'const late = defineModel({ forward: () => F.exp(1) });',
    );
    const r = findModels('draft.ts', text);
    assert.equal(r.importsGradlens, true);
    assert.deepEqual(r.models.map((m) => [m.name, at(m.range)]), [['late', '2:13-2:53']]);
    assert.deepEqual(r.opCalls.map((c) => [c.op, at(c.nameRange)]), [['exp', '2:44-2:47']]);
    // An import inside a block is a checker error, not a syntax error: only the missing brace is reported.
    assert.deepEqual(r.syntaxErrors.map((e) => [e.code, at(e.range)]), [[1005, '2:54-2:54']]);
  });

  it('an unterminated string at the very end yields the error and the model before it', () => {
    const text = lines("import { defineModel } from 'gradlens';", 'export const m = defineModel({});', "const s = 'no end");
    const r = findModels('end.ts', text);
    assert.deepEqual(r.models.map((m) => m.name), ['m']);
    assert.deepEqual(r.syntaxErrors.map((e) => [e.message, at(e.range)]), [['Unterminated string literal.', '2:17-2:17']]);
  });
});

describe('parser: model names', () => {
  it('takes the name from a property, an exports assignment, a re-export, or the line of an anonymous call', () => {
    const text = lines(
      "import { defineModel } from 'gradlens';",
      'const zoo = { small: defineModel({ forward: () => 0 }) };',
      'exports.big = defineModel({ forward: () => 0 });',
      'const hidden = (defineModel({ forward: () => 0 }) as any);',
      'export { hidden as shown, hidden as default };',
      'register(defineModel({ forward: () => 0 }));',
      "const named = defineModel({ name: `literal`, forward: () => 0, name: 'last wins' });",
    );
    const r = findModels('names.ts', text);
    assert.deepEqual(r.models.map((m) => [m.name, m.bindingName ?? null, m.exportNames]), [
      ['small', 'small', []],
      ['big', 'big', []],
      ['hidden', 'hidden', ['shown', 'default']],
      ['model@6', null, []],
      ['last wins', 'named', []],
    ]);
  });

  it('records a model without forward, params or inputs as found, with those parts missing', () => {
    const r = findModels('bare.ts', "import { defineModel } from 'gradlens';\nexport const m = defineModel({});");
    const m = r.models[0];
    assert.equal(m.specResolved, true);
    assert.equal(m.forward, undefined);
    assert.equal(m.hasBackward, false);
    assert.equal(m.params, undefined);
  });
});

describe('parser: positions', () => {
  it('counts lines in CRLF files and UTF-16 characters after non-ASCII text, like an LSP', () => {
    const text = "import { F } from 'gradlens';\r\n/* σ 🙂 */ const y = F.sigmoid(x);\r\n";
    const [call] = findModels('crlf.ts', text).opCalls;
    // "/* σ 🙂 */ const y = " is 21 UTF-16 units: σ counts 1 and the emoji 2.
    assert.equal(at(call.range), '1:21-1:33');
    assert.equal(call.range.start.offset, "import { F } from 'gradlens';\r\n".length + 21);
    assert.equal(text.slice(call.nameRange.start.offset, call.nameRange.end.offset), 'sigmoid');
    assert.deepEqual(oneBased(call.range.start), { line: 2, column: 22 });
  });

  it('parses .tsx, .js and untitled buffers by their kind', () => {
    const imp = "import { F } from 'gradlens';\n";
    assert.deepEqual(findModels('view.tsx', imp + 'const e = <div>{F.exp(x)}</div>;').syntaxErrors, []);
    assert.deepEqual(findModels('plain.js', imp + 'const y = F.exp(x);').opCalls.map((c) => c.op), ['exp']);
    // In a .js file a type annotation is a syntax error, reported where `: number` is.
    const js = findModels('typed.js', imp + 'const y: number = F.exp(x);');
    assert.deepEqual(js.syntaxErrors.map((e) => [e.code, e.message, at(e.range)]), [[8010, 'Type annotations can only be used in TypeScript files.', '1:9-1:15']]);
    // A type assertion `<number>x` is TypeScript, and JSX would reject it; an untitled buffer is TypeScript.
    const untitled = findModels('Untitled-1', imp + 'const y = F.exp(<number>x);');
    assert.deepEqual(untitled.syntaxErrors, []);
    assert.deepEqual(untitled.opCalls.map((c) => c.op), ['exp']);
  });
});

describe('parser: results', () => {
  it('are plain data: a JSON round trip changes nothing', () => {
    const text = lines(
      "import { defineModel, defineOp, F, nn } from 'gradlens';",
      "const op = defineOp({ name: 'sq', forward: (x) => F.mul(x, x), backward: (dy, [x]) => [F.mul(2, F.mul(dy, x))] });",
      'class L extends nn.Module {}',
      'export const m = defineModel({ inputs: { x }, params: { ...p }, forward: (i) => F.sum(op(i.x)), backward() { return {}; } });',
      "const broken = 'oops",
    );
    const r = findModels('all.ts', text);
    assert.equal(r.models.length, 1);
    assert.equal(r.ops.length, 1);
    assert.equal(r.layerClasses.length, 1);
    assert.equal(r.syntaxErrors.length, 1);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });

  it('can be told other module names, e.g. a local path to the engine', () => {
    const text = "import { defineModel } from '../src/index';\nconst m = defineModel({ forward: () => 0 });";
    assert.deepEqual(findModels('a.ts', text).models, []);
    assert.deepEqual(findModels('a.ts', text, { moduleNames: ['../src/index'] }).models.map((m) => m.name), ['m']);
  });
});
