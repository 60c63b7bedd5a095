// The derivative table's verification: every shipped rule passes against central differences, and
// a rule with a wrong formula is reported as failing (with its error), never silently passed.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { identities, type IdentityRule } from '../../../src/rules/identities';
import { verifyRules } from '../../../src/rules/verify';
import { tableRules } from '../../../src/rules/catalog';
import { registry } from '../../../src/engine/registry';
import { isTableRule } from '../../../src/shared/protocol';
import { RulesVerifier } from '../../../src/extension/panel/rulesVerifier';

const quadratic = identities.find((r) => r.id === 'sv.quadratic')!;
/** The ops with a card: backward ops (another op's VJP kernel) are shown through their op's card. */
const cardOps = [...registry.values()].filter((def) => !def.backwardOf);

describe('derivative table rules', () => {
  it('has at least 30 rules in the groups the table shows, each a valid protocol row', () => {
    const rows = tableRules();
    assert.ok(rows.length >= 30 + cardOps.length - 1, `only ${rows.length} rules`);
    for (const group of ['scalar-by-vector', 'vector-by-vector', 'scalar-by-matrix', 'losses', 'layers', 'ops']) {
      assert.ok(rows.some((r) => r.group === group), `no rule in ${group}`);
    }
    for (const r of rows) assert.ok(isTableRule(r), `row ${r.id} fails the protocol guard`);
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'rule ids are unique');
    // Every registry op has its own row, carrying the registry's own LaTeX.
    for (const def of cardOps) assert.equal(rows.find((r) => r.id === `op.${def.name}`)?.forward, def.latex.forward);
    for (const def of registry.values()) if (def.backwardOf) assert.ok(!rows.some((r) => r.id === `op.${def.name}`), `backward op ${def.name} has a card`);
  });

  it('verifies every shipped identity and every registry op against central differences', () => {
    const results = verifyRules(7);
    assert.equal(results.length, identities.length + cardOps.length);
    for (const r of results) {
      assert.ok(r.passed, `${r.id} failed: max abs error ${r.maxAbsError} ${r.error ?? ''}`);
      assert.ok(r.maxAbsError < 1e-6, `${r.id}: ${r.maxAbsError}`);
    }
  });

  it('reports a deliberately wrong rule as failing, with a large error', () => {
    // The classic mistake: ∇ xᵀAx = 2Ax, true only for symmetric A.
    const wrong: IdentityRule = {
      ...quadratic,
      id: 'wrong.quadratic',
      instance: (rng) => {
        const inst = quadratic.instance(rng);
        // The right gradient doubled: a factor-of-two slip, the commonest hand-derivation mistake.
        return { ...inst, claimed: (vars) => inst.claimed(vars).map((g) => g.map((e) => 2 * e)) };
      },
    };
    const [res] = verifyRules(1, { rules: [wrong], ops: false });
    assert.equal(res.id, 'wrong.quadratic');
    assert.equal(res.passed, false);
    assert.ok(res.maxAbsError > 0.1, `error ${res.maxAbsError}`);
  });

  it('reports a claimed Jacobian of the wrong size as a failure with a message', () => {
    const broken: IdentityRule = { ...quadratic, id: 'wrong.size', instance: (rng) => ({ ...quadratic.instance(rng), claimed: () => [new Float64Array(2)] }) };
    const [res] = verifyRules(1, { rules: [broken], ops: false });
    assert.equal(res.passed, false);
    assert.match(res.error ?? '', /claimed Jacobian 0 has 2 entries, expected 1×4/);
  });

  it('runs in the bundled worker (dist/rulesWorker.js) and posts every result', async function () {
    const bundle = path.resolve('dist/rulesWorker.js');
    if (!fs.existsSync(bundle)) this.skip();
    // As the panel runs it: one request to the worker, under the workers' supervisor.
    const verifier = new RulesVerifier(bundle, 3);
    try {
      const results = await verifier.verify();
      assert.equal(results.length, identities.length + cardOps.length);
      assert.ok(results.every((r) => r.passed));
    } finally {
      verifier.dispose();
    }
  });

  it("README's count of the table's rules is the table's", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    const said = /\*Derivative table\*: (\d+) matrix-calculus rules/.exec(readme);
    assert.ok(said, 'README names the count');
    assert.equal(Number(said[1]), tableRules().length);
  });
});
