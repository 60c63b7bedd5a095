// The parser on real model files (test/fixtures/parser). Positions are written out by hand from
// the fixtures as 0-based "line:character" pairs, and every range is also checked against the
// text it covers, so offsets and line/columns are verified independently of each other.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findModels } from '../../../src/parser';
import type { ParseResult, SourceRange } from '../../../src/parser';

const dir = join(__dirname, '../../fixtures/parser');

interface Loaded { text: string; result: ParseResult }

function load(file: string): Loaded {
  const text = readFileSync(join(dir, file), 'utf8');
  // Broken fixtures are stored as .ts.txt so tsc skips them; the parser sees a .ts name.
  return { text, result: findModels(file.replace(/\.txt$/, ''), text) };
}

/** "line:char-line:char" (0-based), after checking the offsets point at the same places. */
function span(text: string, r: SourceRange | undefined): string {
  assert.ok(r, 'range is missing');
  for (const p of [r.start, r.end]) {
    const before = text.slice(0, p.offset).split('\n');
    assert.equal(before.length - 1, p.line, `offset ${p.offset} is not on line ${p.line}`);
    assert.equal(before[before.length - 1].length, p.character, `offset ${p.offset} is not at character ${p.character}`);
  }
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

function textOf(text: string, r: SourceRange | undefined): string {
  assert.ok(r, 'range is missing');
  return text.slice(r.start.offset, r.end.offset);
}

describe('parser: model files', () => {
  it('finds the lecture logistic regression: name, forward, hand-written backward, params, inputs', () => {
    const { text, result } = load('logreg.ts');
    assert.equal(result.importsGradlens, true);
    assert.deepEqual(result.syntaxErrors, []);
    assert.equal(result.models.length, 1);
    const m = result.models[0];
    assert.equal(m.name, 'logistic regression');
    assert.equal(m.explicitName, 'logistic regression');
    assert.equal(m.bindingName, 'logreg');
    assert.deepEqual(m.exportNames, ['logreg']);
    assert.equal(span(text, m.range), '7:22-20:2');
    assert.ok(textOf(text, m.range).startsWith('defineModel({') && textOf(text, m.range).endsWith('})'));
    assert.equal(textOf(text, m.calleeRange), 'defineModel');
    assert.equal(m.forward?.kind, 'method');
    assert.equal(span(text, m.forward?.range), '11:2-14:3');
    assert.equal(span(text, m.forward?.nameRange), '11:2-11:9');
    assert.equal(m.hasBackward, true);
    assert.equal(m.backward?.kind, 'method');
    assert.equal(span(text, m.backward?.range), '16:2-19:3');
    assert.equal(textOf(text, m.backward?.nameRange), 'backward');
    assert.equal(m.params?.kind, 'literal');
    assert.deepEqual(m.params?.kind === 'literal' && m.params.entries.map((e) => [e.name, e.kind, span(text, e.nameRange)]), [['w', 'property', '10:12-10:13']]);
    assert.equal(m.params?.kind === 'literal' && textOf(text, m.params.entries[0].range), 'w: randn([3, 1], { seed: 1 })');
    assert.deepEqual(m.inputs?.kind === 'literal' && m.inputs.entries.map((e) => [e.name, e.kind, span(text, e.range)]), [
      ['x', 'shorthand', '9:12-9:13'],
      ['y', 'shorthand', '9:15-9:16'],
    ]);
  });

  it('lists every F call with the op name range and the whole call', () => {
    const { text, result } = load('logreg.ts');
    assert.deepEqual(result.opCalls.map((c) => c.op), [
      'mul', 'matmul', 'neg', 'log', 'sigmoid',
      'sigmoid', 'mul', 'matmul', 'neg', 'mul', 'transpose', 'mul', 'sub',
    ]);
    const matmul = result.opCalls[1];
    assert.equal(span(text, matmul.nameRange), '12:30-12:36');
    assert.equal(textOf(text, matmul.nameRange), 'matmul');
    assert.equal(textOf(text, matmul.range), 'F.matmul(x, w)');
    assert.equal(textOf(text, result.opCalls[3].range), 'F.log(F.sigmoid(margin))');
  });

  it('finds an MLP with an arrow forward, a function backward, shorthand params and inputs held in a const', () => {
    const { text, result } = load('mlp-backward.ts');
    assert.equal(result.models.length, 1);
    const m = result.models[0];
    assert.equal(m.name, 'mlp');
    assert.equal(m.explicitName, undefined);
    assert.deepEqual(m.exportNames, ['default'], 'exported by `export default mlp`');
    assert.equal(span(text, m.range), '8:12-21:2');
    assert.equal(m.forward?.kind, 'arrow');
    assert.equal(span(text, m.forward?.range), '11:2-14:3');
    assert.equal(m.backward?.kind, 'function');
    assert.equal(span(text, m.backward?.range), '15:2-20:3');
    assert.deepEqual(m.params?.kind === 'literal' && m.params.entries.map((e) => [e.name, e.kind, span(text, e.range)]), [
      ['W1', 'shorthand', '10:12-10:14'],
      ['W2', 'shorthand', '10:16-10:18'],
    ]);
    // `inputs: data` is followed to `const data = { x: ..., t: ... }` on line 6.
    assert.deepEqual(m.inputs?.kind === 'literal' && m.inputs.entries.map((e) => [e.name, span(text, e.nameRange)]), [
      ['x', '6:15-6:16'],
      ['t', '6:46-6:47'],
    ]);
    assert.equal(result.opCalls.filter((c) => c.op === 'transpose').length, 3);
  });

  it('finds a defineOp: its name string, binding, export aliases, forward and backward; and a model whose spec is a const', () => {
    const { text, result } = load('custom-op.ts');
    assert.equal(result.ops.length, 1);
    const op = result.ops[0];
    assert.equal(op.name, 'mySoftplus');
    assert.equal(span(text, op.nameRange), '5:8-5:20');
    assert.equal(textOf(text, op.nameRange), "'mySoftplus'");
    assert.equal(op.bindingName, 'softplus');
    assert.deepEqual(op.exportNames, ['sp', 'softplus']);
    assert.equal(span(text, op.range), '4:17-10:2');
    assert.equal(op.forward?.kind, 'arrow');
    assert.equal(op.backward?.kind, 'method');
    assert.equal(span(text, op.backward?.range), '7:2-9:3');
    assert.equal(span(text, op.backward?.nameRange), '7:2-7:10');

    assert.equal(result.models.length, 1);
    const m = result.models[0];
    assert.equal(m.name, 'model');
    assert.equal(textOf(text, m.range), 'defineModel(spec)');
    assert.equal(m.specResolved, true);
    assert.equal(m.hasBackward, false);
    assert.equal(m.backward, undefined);
    assert.equal(span(text, m.forward?.range), '15:2-15:56');
    assert.deepEqual(m.params?.kind === 'literal' && m.params.entries.map((e) => e.name), ['w']);
  });

  it('finds classes extending nn layers, directly, through an imported Module, and through another layer', () => {
    const { text, result } = load('nn-classes.ts');
    assert.deepEqual(result.layerClasses.map((c) => [c.name, c.baseText, c.exported, span(text, c.nameRange)]), [
      ['Block', 'nn.Module', false, '3:6-3:11'],
      ['Head', 'Module', true, '10:13-10:17'],
      ['DeepBlock', 'Block', false, '12:6-12:15'],
    ], 'Labelled extends Tensor and Plain extends nothing: neither is a layer');
    assert.equal(span(text, result.layerClasses[0].range), '3:0-8:1');

    const m = result.models[0];
    assert.equal(m.name, 'default');
    assert.deepEqual(m.exportNames, ['default']);
    assert.equal(span(text, m.range), '20:15-24:2');
    assert.deepEqual(m.params, {
      kind: 'dynamic',
      text: 'net.parameters()',
      range: m.params?.range,
    });
    assert.equal(span(text, m.params?.range), '22:10-22:26');
    assert.deepEqual(result.opCalls.map((c) => c.op), ['relu', 'mean']);
  });

  it('follows aliased and namespace imports: dm, op, renamed F, gl.defineModel, gl.F, gl.nn', () => {
    const { text, result } = load('aliased.ts');
    assert.deepEqual(result.models.map((m) => [m.name, textOf(text, m.calleeRange), m.exportNames]), [
      ['first', 'dm', []],
      ['second', 'gl.defineModel', ['second']],
      ['third', 'gl.defineModel', ['third']],
    ]);
    const [first, second, third] = result.models;
    assert.deepEqual(first.params?.kind === 'literal' && first.params.entries.map((e) => [e.name, e.kind, textOf(text, e.nameRange)]), [
      ['base', 'spread', 'base'],
      ['W', 'property', "'W'"],
      ["'V' + 1", 'computed', "['V' + 1]"],
    ]);
    assert.equal(span(text, first.params?.kind === 'literal' ? first.params.entries[0].range : undefined), '9:12-9:19');
    assert.equal(second.forward?.kind, 'reference');
    assert.equal(second.params?.kind, 'dynamic', 'a getter is only known at run time');
    assert.equal(span(text, second.params?.range), '16:2-16:50');
    assert.equal(third.specResolved, false);
    assert.equal(third.forward, undefined);
    assert.equal(third.params, undefined);
    assert.equal(span(text, third.range), '26:21-26:47');

    assert.deepEqual(result.ops.map((o) => [o.name, o.bindingName, textOf(text, o.calleeRange)]), [['cube', 'cube', 'op']]);
    assert.equal(span(text, result.ops[0].backward?.range), '5:63-5:126');
    assert.deepEqual(result.opCalls.map((c) => [c.op, textOf(text, c.nameRange)]), [
      ['pow', 'pow'], ['mul', 'mul'], ['mul', 'mul'], ['mul', 'mul'],
      ['sum', 'sum'], ['matmul', 'matmul'], ['mean', 'mean'], ['matmul', 'matmul'],
    ]);
    assert.equal(span(text, result.opCalls[5].nameRange), '10:44-10:50', "ops['matmul']: the name without its quotes");
    assert.equal(textOf(text, result.opCalls[4].range), "gl.F.sum(cube(ops['matmul'](i.x, p.W)))");
    assert.deepEqual(result.layerClasses.map((c) => [c.name, c.baseText]), [['Wide', 'gl.nn.Linear']]);
  });

  it('finds nothing in a file that does not import gradlens, even with look-alike names', () => {
    const { result } = load('no-gradlens.ts');
    assert.deepEqual(result, {
      fileName: 'no-gradlens.ts', importsGradlens: false, models: [], ops: [], opCalls: [], layerClasses: [], syntaxErrors: [],
    });
  });

  it('returns an empty result for an empty file', () => {
    const { result } = load('empty.ts');
    assert.deepEqual(result, {
      fileName: 'empty.ts', importsGradlens: false, models: [], ops: [], opCalls: [], layerClasses: [], syntaxErrors: [],
    });
  });
});

describe('parser: broken files', () => {
  it('reports an unterminated string and a missing brace, and still finds both models', () => {
    const { text, result } = load('broken.ts.txt');
    assert.deepEqual(result.syntaxErrors.map((e) => [e.code, e.message, span(text, e.range)]), [
      [1002, 'Unterminated string literal.', '14:32-14:32'],
      [1128, 'Declaration or statement expected.', '16:2-16:3'],
    ]);
    assert.equal(textOf(text, { start: result.syntaxErrors[1].range.start, end: result.syntaxErrors[1].range.end }), ',');
    assert.deepEqual(result.models.map((m) => [m.name, span(text, m.range)]), [
      ['good', '4:20-8:2'],
      ['halfDone', '10:24-17:2'],
    ]);
    const good = result.models[0];
    assert.equal(span(text, good.forward?.range), '7:2-7:46');
    assert.deepEqual(good.params?.kind === 'literal' && good.params.entries.map((e) => e.name), ['w']);
    assert.deepEqual(result.opCalls.map((c) => c.op), ['sum', 'matmul', 'mean', 'matmul']);
  });

  it('an unclosed block: the error at the end of the file points back at the open brace; models on both sides are found', () => {
    const { text, result } = load('unclosed.ts.txt');
    assert.equal(result.syntaxErrors.length, 1);
    const error = result.syntaxErrors[0];
    assert.equal(error.message, "'}' expected.");
    assert.equal(error.code, 1005);
    assert.equal(span(text, error.range), '19:0-19:0');
    assert.equal(error.range.start.offset, text.length);
    assert.deepEqual(error.related.map((r) => [r.message, span(text, r.range)]), [
      ["The parser expected to find a '}' to match the '{' token here.", '11:9-11:10'],
    ]);
    assert.equal(textOf(text, error.related[0].range), '{', 'the brace of `if (x) {`, the innermost one left open');
    assert.deepEqual(result.models.map((m) => [m.name, span(text, m.range), span(text, m.forward?.range)]), [
      ['before', '4:22-8:2', '7:2-7:36'],
      ['after', '14:21-18:2', '17:2-17:44'],
    ]);
  });
});
