// The extension ⇄ webview protocol: every message kind passes its guard when well formed, and
// malformed or hostile inputs are rejected (both sides drop what fails the guard).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as P from '../../src/shared/protocol';
import { tableRules } from '../../src/rules/catalog';

const loc = { file: '/w/examples/mlp.ts', line: 43, column: 18 };
const graph = {
  nodes: [
    { id: 'n0', kind: 'input', name: 'X', shape: [8, 5] },
    { id: 'n1', kind: 'param', name: 'W', shape: [4, 5] },
    { id: 'n2', kind: 'output', op: 'matmul', shape: [8, 4], loc, group: 'layer' },
  ],
  edges: [
    { from: 'n0', to: 'n2', shape: [8, 5] },
    { from: 'n1', to: 'n2', shape: [4, 5] },
  ],
  groups: [{ id: 'layer', label: 'layer' }],
};
const check = { name: 'W', shape: [4, 5], passed: false, method: 'full', maxAbsError: 0.3, maxRelError: 0.99, worst: { index: [0, 1], analytic: 0.4, numeric: 0.07 }, checked: 20 };

const valid: Record<string, { msg: unknown; guard: (x: unknown) => boolean }> = {
  graph: { msg: { type: 'graph/didChange', file: 'mlp.ts', models: [{ name: 'mlp', loc, graph }] }, guard: P.isGraphDidChange },
  graphBroken: { msg: { type: 'graph/didChange', file: 'mlp.ts', models: [], error: { kind: 'syntax', message: "';' expected.", line: 3, column: 1 } }, guard: P.isGraphDidChange },
  results: { msg: { type: 'results/didChange', file: 'mlp.ts', models: [{ name: 'mlp', passed: false, mode: 'full', loss: 0.5, deterministic: true, params: [check], manual: [{ ...check, elements: { analytic: [1, 2], numeric: [1, 2.5] } }], ops: [], taylorSlope: 2 }] }, guard: P.isResultsDidChange },
  state: { msg: { type: 'check/didChangeState', running: true, mode: 'fast' }, guard: P.isCheckDidChangeState },
  table: { msg: { type: 'table/didChange', rules: tableRules(), usedOps: ['matmul'] }, guard: P.isTableDidChange },
  verify: { msg: { type: 'table/didVerify', results: [{ id: 'sv.linear', maxAbsError: 1e-11, passed: true }, { id: 'x', maxAbsError: NaN, passed: false, error: 'threw' }] }, guard: P.isTableDidVerify },
  show: { msg: { type: 'view/show', view: 'table' }, guard: P.isViewShow },
  focusOp: { msg: { type: 'view/focus', view: 'table', target: 'crossEntropy' }, guard: P.isViewFocus },
  focusModel: { msg: { type: 'view/focus', view: 'graph', target: 'mlp', file: '/w/examples/mlp.ts' }, guard: P.isViewFocus },
  graphRestricted: { msg: { type: 'graph/didChange', file: 'mlp.ts', models: [], notice: 'off in Restricted Mode' }, guard: P.isGraphDidChange },
  resultsRestricted: { msg: { type: 'results/didChange', file: 'mlp.ts', models: [], notice: 'off in Restricted Mode' }, guard: P.isResultsDidChange },
  settings: { msg: { type: 'settings/didChange', mode: 'fast' }, guard: P.isSettingsDidChange },
  replyOk: { msg: { type: 'reply', id: 3, ok: true, result: null }, guard: P.isReply },
  replyErr: { msg: { type: 'reply', id: 3, ok: false, error: 'no file' }, guard: P.isReply },
  ready: { msg: { type: 'ready' }, guard: P.isReady },
  reveal: { msg: { type: 'graph/revealNode', nodeId: 'n2', loc }, guard: P.isRevealNode },
  run: { msg: { type: 'check/run', id: 1, mode: 'auto' }, guard: P.isCheckRun },
  cancel: { msg: { type: 'check/cancel', id: 2 }, guard: P.isCheckCancel },
  tableVerify: { msg: { type: 'table/verify', id: 4 }, guard: P.isTableVerify },
  viewChange: { msg: { type: 'view/didChange', view: 'results' }, guard: P.isViewDidChange },
};

const toWebview = ['graph', 'graphBroken', 'graphRestricted', 'resultsRestricted', 'results', 'state', 'table', 'verify', 'show', 'focusOp', 'focusModel', 'settings', 'replyOk', 'replyErr'];

describe('webview protocol', () => {
  for (const [name, { msg, guard }] of Object.entries(valid)) {
    it(`accepts a well-formed ${name} message, in its guard and the direction's union only`, () => {
      assert.ok(guard(msg));
      const outbound = toWebview.includes(name);
      assert.equal(P.isToWebview(msg), outbound);
      assert.equal(P.isFromWebview(msg), !outbound);
      // Survives structured cloning (what postMessage does) unchanged in meaning.
      assert.ok(guard(structuredClone(msg)));
    });
  }

  it('accepts the messages the fixture generator built from the real runner', () => {
    const dir = path.resolve('test/fixtures/webview');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      for (const m of JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) assert.ok(P.isToWebview(m), `${f}: ${m.type}`);
    }
  });

  const hostile: [string, unknown][] = [
    ['null', null],
    ['a string', 'ready'],
    ['an array', [{ type: 'ready' }]],
    ['an unknown type', { type: 'graph/delete' }],
    ['an edge to an unknown node', { ...(valid.graph.msg as object), models: [{ name: 'm', graph: { ...graph, edges: [{ from: 'n0', to: 'ghost', shape: [1] }] } }] }],
    ['duplicate node ids', { ...(valid.graph.msg as object), models: [{ name: 'm', graph: { ...graph, nodes: [graph.nodes[0], graph.nodes[0]], edges: [] } }] }],
    ['an unknown node kind', { ...(valid.graph.msg as object), models: [{ name: 'm', graph: { ...graph, nodes: [{ ...graph.nodes[0], kind: 'script' }], edges: [] } }] }],
    ['a negative shape', { ...(valid.graph.msg as object), models: [{ name: 'm', graph: { ...graph, nodes: [{ ...graph.nodes[0], shape: [-1] }], edges: [] } }] }],
    ['a fractional shape', { ...(valid.graph.msg as object), models: [{ name: 'm', graph: { ...graph, nodes: [{ ...graph.nodes[0], shape: [2.5] }], edges: [] } }] }],
    ['a 0-based line', { type: 'graph/revealNode', nodeId: 'n2', loc: { ...loc, line: 0 } }],
    ['a location without a file', { type: 'graph/revealNode', nodeId: 'n2', loc: { line: 3, column: 1 } }],
    ['a huge string', { type: 'graph/revealNode', nodeId: 'x'.repeat(1_000_000), loc }],
    ['a request without an id', { type: 'check/run', mode: 'auto' }],
    ['a negative id', { type: 'table/verify', id: -1 }],
    ['an unknown check mode', { type: 'check/run', id: 1, mode: 'rm -rf' }],
    ['an unknown view', { type: 'view/show', view: 'settings' }],
    ['a focus on an unknown view', { type: 'view/focus', view: 'settings', target: 'mlp' }],
    ['a focus without a target', { type: 'view/focus', view: 'table' }],
    ['a focus on an empty target', { type: 'view/focus', view: 'table', target: '' }],
    ['a focus with a non-string file', { type: 'view/focus', view: 'graph', target: 'mlp', file: 42 }],
    ['a notice that is not a string', { type: 'graph/didChange', file: 'f', models: [], notice: { html: '<b>' } }],
    ['settings with an unknown mode', { type: 'settings/didChange', mode: 'turbo' }],
    ['settings without a mode', { type: 'settings/didChange' }],
    ['a failed reply without an error', { type: 'reply', id: 1, ok: false }],
    ['a results model without params', { type: 'results/didChange', file: 'f', models: [{ name: 'm', passed: true, ops: [] }] }],
    ['a NaN loss as plain JSON gives it (null): non-finite figures travel by name', { ...(valid.results.msg as object), models: [{ ...(valid.results.msg as { models: object[] }).models[0], loss: null }] }],
    ['a results row without its method', { ...(valid.results.msg as object), models: [{ ...(valid.results.msg as { models: object[] }).models[0], params: [{ ...check, method: undefined }] }] }],
    ['heatmap values of different lengths', { ...(valid.results.msg as object), models: [{ name: 'm', passed: true, ops: [], params: [{ ...check, elements: { analytic: [1], numeric: [1, 2] } }] }] }],
    ['a rule with an unknown group', { type: 'table/didChange', rules: [{ ...tableRules()[0], group: 'magic' }], usedOps: [] }],
    ['a rule whose latex is not a string', { type: 'table/didChange', rules: [{ ...tableRules()[0], grads: [{ toString: 1 }] }], usedOps: [] }],
    ['a prototype-polluting object', JSON.parse('{"type":"view/show","__proto__":{"view":"graph"}}')],
  ];
  for (const [what, msg] of hostile) {
    it(`rejects ${what}`, () => {
      assert.equal(P.isToWebview(msg), false);
      assert.equal(P.isFromWebview(msg), false);
    });
  }

  it('validates saved panel state before a restore uses it', () => {
    assert.ok(P.isPanelState({ view: 'table', file: '/w/mlp.ts' }));
    assert.equal(P.isPanelState({ view: 'nope' }), false);
    assert.equal(P.isPanelState(undefined), false);
  });
});
