// Localizing the mistake in a hand-written backward: the checker finds which manual gradient is
// wrong, then the localizer names the op call (its stack line) where it first goes wrong. The
// expected lines are found independently, by the BUG marker comments in the model sources.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as F from '../../../src/engine/F';
import { randint, randn, tensor } from '../../../src/engine/create';
import { type Model, defineModel, defineOp } from '../../../src/engine/define';
import { Tensor } from '../../../src/engine/tensor';
import { checkModel } from '../../../src/gradcheck';
import { localizeManualMistakes } from '../../../src/gradcheck/localize';
import type { ModelReport } from '../../../src/gradcheck/types';

const examplesDir = path.resolve(__dirname, '../../../examples');

/** A full check, then the localizer on its failures: what the checker does for a manual backward. */
function checkAndLocalize(model: Model): ModelReport {
  const report = checkModel(model, { mode: 'full' });
  localizeManualMistakes(model.spec, report);
  return report;
}

/** 1-based line of the one line of `file` holding `marker`. */
function lineOf(file: string, marker: string): number {
  const hits = readFileSync(file, 'utf8').split('\n').flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
  assert.equal(hits.length, 1, `marker ${marker} must occur once in ${file}`);
  return hits[0];
}

/** The file and line of a stack line such as `at backward (/x/y.ts:12:7)`. */
function fileAndLine(site: string): { file: string; line: number } {
  const m = /\(?([^()\s]+):(\d+):\d+\)?$/.exec(site);
  assert.ok(m, `not a stack line: '${site}'`);
  return { file: m[1], line: Number(m[2]) };
}

function blameOf(report: ModelReport, param: string) {
  const check = report.manual?.find((c) => c.name === param);
  assert.ok(check, `no manual check for ${param}`);
  return check;
}

// Markers are written as ['BUG', tag].join(':') in lookups, so only the fixture line holds them.
const marker = (tag: string) => ['BUG', tag].join(':');

/** The MLP of examples/mlp.ts with a backward whose dz2 and dz1 lines can be swapped for slips. */
function mlpWith(slip: 'alias' | 'noMeanDivision' | 'signInFactor' | 'oneColumnInFactor' | 'constantInFactor'): Model {
  const [batch, features, hidden, classes] = [8, 5, 4, 3];
  const oneHot = (labels: Tensor) => tensor(Array.from(labels.data, (c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0))));
  return defineModel({
    inputs: { X: randn([batch, features], { seed: 1 }), y: randint([batch], classes, { seed: 3 }) },
    params: { W1: randn([hidden, features], { seed: 4, scale: 0.5 }), W2: randn([classes, hidden], { seed: 5, scale: 0.5 }) },
    forward: ({ X, y }, { W1, W2 }) => F.crossEntropy(F.matmul(F.sigmoid(F.matmul(X, F.transpose(W1))), F.transpose(W2)), y),
    backward: ({ X, y }, { W1, W2 }) => {
      const a1 = F.sigmoid(F.matmul(X, F.transpose(W1)));
      const z2 = F.matmul(a1, F.transpose(W2));
      const dz2 =
        slip === 'noMeanDivision'
          ? F.sub(F.softmax(z2), oneHot(y)) // BUG:mean — the loss is a mean: /batch is missing
          : F.div(F.sub(F.softmax(z2), oneHot(y)), batch);
      const dW2 = F.matmul(F.transpose(dz2), a1);
      const da1 = F.matmul(dz2, W2);
      let dz1: Tensor;
      if (slip === 'alias') {
        dz1 = da1; // the slip itself records no op
      } else if (slip === 'signInFactor') {
        const dsig = F.mul(a1, F.sub(a1, 1)); // BUG:sign — a1(a1 − 1): the sign of σ' is flipped here
        dz1 = F.mul(da1, dsig); // where the wrong factor meets the right adjoint
      } else if (slip === 'oneColumnInFactor') {
        const slope = tensor(Array.from({ length: hidden }, (_, j) => (j === 2 ? 1.01 : 1)));
        const dsig = F.mul(F.mul(a1, F.sub(1, a1)), slope); // BUG:column — hidden unit 2's σ' times 1.01
        dz1 = F.mul(da1, dsig);
      } else if (slip === 'constantInFactor') {
        const dsig = F.mul(a1, F.sub(1.01, a1)); // BUG:constant — 1.01 for 1
        dz1 = F.mul(da1, dsig);
      } else {
        dz1 = F.mul(da1, F.mul(a1, F.sub(1, a1)));
      }
      const dW1 = F.matmul(F.transpose(dz1), X); // BUG:alias — first op that uses the alias
      return { W1: dW1, W2: dW2 };
    },
  });
}

/** Square matrices, so a forgotten transpose still has the right shape: only its values are wrong. */
function squareModel(forgetTranspose: boolean): Model {
  const n = 3;
  return defineModel({
    inputs: { X: randn([n, n], { seed: 11 }), T: randn([n, n], { seed: 12 }) },
    params: { W1: randn([n, n], { seed: 13, scale: 0.7 }), W2: randn([n, n], { seed: 14, scale: 0.7 }) },
    forward: ({ X, T }, { W1, W2 }) => F.mul(0.5, F.sum(F.pow(F.sub(F.matmul(F.tanh(F.matmul(X, W1)), W2), T), 2))),
    backward: ({ X, T }, { W1, W2 }) => {
      const a1 = F.tanh(F.matmul(X, W1));
      const dz2 = F.sub(F.matmul(a1, W2), T);
      const dW2 = F.matmul(F.transpose(a1), dz2);
      const dz1 = F.mul(F.matmul(dz2, F.transpose(W2)), F.sub(1, F.mul(a1, a1)));
      const dW1 = forgetTranspose
        ? F.matmul(X, dz1) // BUG:transpose — should be Xᵀ·dz1
        : F.matmul(F.transpose(X), dz1);
      return { W1: dW1, W2: dW2 };
    },
  });
}

/** A residual block, h used twice: ∂L/∂h arrives in two parts, each right on its own. */
function residualModel(): Model {
  return defineModel({
    inputs: { x: randn([4, 3], { seed: 21 }) },
    params: { W: randn([3, 3], { seed: 22, scale: 0.6 }), V: randn([3, 3], { seed: 23, scale: 0.6 }) },
    forward: ({ x }, { W, V }) => {
      const h = F.tanh(F.matmul(x, W));
      const o = F.add(h, F.matmul(h, V));
      return F.mul(0.5, F.sum(F.mul(o, o)));
    },
    backward: ({ x }, { W, V }) => {
      const h = F.tanh(F.matmul(x, W));
      const o = F.add(h, F.matmul(h, V));
      const dV = F.matmul(F.transpose(h), o);
      const dhBranch = F.matmul(o, F.transpose(V)); // the part through h·V: right
      const dh = F.sub(o, dhBranch); // BUG:residual — the two parts must be added
      const dW = F.matmul(F.transpose(x), F.mul(dh, F.sub(1, F.mul(h, h))));
      return { W: dW, V: dV };
    },
  });
}

describe('localizing a mistake in a hand-written backward', function () {
  this.timeout(30000);

  it('examples/buggy-backward.ts: blames the BUG line, names the right inputs and quotes the sigmoid rule from the registry', () => {
    const file = path.join(examplesDir, 'buggy-backward.ts');
    const { buggyMlp } = require(file) as { buggyMlp: Model };
    const report = checkAndLocalize(buggyMlp);
    const w1 = blameOf(report, 'W1');
    assert.equal(w1.passed, false);
    assert.ok(w1.blame, 'the failing W1 gets a blame');
    const site = fileAndLine(w1.blame.site);
    assert.equal(site.file, file);
    assert.equal(site.line, lineOf(file, '// BUG:'));
    assert.match(w1.blame.message, /first goes wrong at this mul call/);
    assert.match(w1.blame.message, /∂L\/∂\(sigmoid output\)/);
    // a1 in place of σ' = a1(1 − a1): every element of the factor is off.
    assert.match(w1.blame.message, /The factor that ∂L\/∂\(sigmoid output\) is multiplied by here to pass back through the sigmoid: it should be the sigmoid's derivative at the forward's values, and differs from it in 32 of 32 elements/);
    // The hint quotes the sigmoid's rule as the registry (and the hovers) write it: x̄ = ȳ ⊙ σ(x) ⊙ (1-σ(x)).
    assert.match(w1.blame.message, /Hint: .*was the sigmoid's derivative applied in full\?/);
    assert.match(w1.blame.message, /x\u0304 = \u0233 ⊙ σ\(x\) ⊙ \(1-σ\(x\)\), with \u0233 = ∂L\/∂\(sigmoid output\)/u);
    // W2's manual gradient is right: nothing to blame.
    assert.equal(blameOf(report, 'W2').passed, true);
    assert.equal(blameOf(report, 'W2').blame, undefined);
  });

  it('a forgotten transpose with square matrices: blames the line that returns the gradient', () => {
    const report = checkAndLocalize(squareModel(true));
    const w1 = blameOf(report, 'W1');
    assert.equal(w1.passed, false, 'Xᵀ·dz1 and X·dz1 differ');
    assert.equal(blameOf(report, 'W2').passed, true);
    assert.ok(w1.blame);
    assert.deepEqual(fileAndLine(w1.blame.site), { file: __filename, line: lineOf(__filename, marker('transpose')) });
    assert.match(w1.blame.message, /wrong as this matmul call returns it/);
    assert.match(w1.blame.message, /\bX\b/);
    // No activation is involved: the hint is about the product's orientation.
    assert.match(w1.blame.message, /Hint: every input of this matmul call is right and its result is not, so they are combined the wrong way: is a transpose, a permute or a kernel flip missing or extra/);
  });

  it('a correct backward: the check passes and, even when asked, nothing is blamed', () => {
    for (const model of [squareModel(false), (require(path.join(examplesDir, 'mlp.ts')) as { mlp: Model }).mlp]) {
      const report = checkAndLocalize(model);
      assert.ok(report.passed);
      assert.ok(report.manual?.every((c) => c.blame === undefined));
      // Pretend every manual gradient failed: the localizer still finds each equal to the truth.
      report.manual!.forEach((c) => (c.passed = false));
      localizeManualMistakes(model.spec, report);
      assert.ok(report.manual!.every((c) => c.blame === undefined), JSON.stringify(report.manual!.map((c) => c.blame)));
    }
  });

  it('a plain alias (dz1 = da1) records no op: the first op using it is blamed, and the message says so', () => {
    const report = checkAndLocalize(mlpWith('alias'));
    const { blame } = blameOf(report, 'W1');
    assert.ok(blame);
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('alias')));
    assert.match(blame.message, /∂L\/∂\(sigmoid output\), rearranged/, 'the transposed adjoint is recognised');
    assert.match(blame.message, /plain alias/);
    assert.match(blame.message, /without the sigmoid's derivative \(for y = σ\(x\).*σ\(x\) ⊙ \(1-σ\(x\)\)/u);
  });

  it('a mean without /batch: the gradients are batch× the truth, blamed where that factor first appears, for both parameters', () => {
    const report = checkAndLocalize(mlpWith('noMeanDivision'));
    for (const name of ['W1', 'W2']) {
      const { passed, blame } = blameOf(report, name);
      assert.equal(passed, false, name);
      assert.ok(blame, name);
      assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('mean')), name);
      assert.match(blame.message, new RegExp(`^The gradient of ${name} is 8× the true one .*The factor first appears at this sub call.*its result is 8× ∂L/∂\\(2nd matmul output\\)`));
    }
  });

  it("a sign flipped in σ' written on its own line: blames that line, not the product that uses it", () => {
    const report = checkAndLocalize(mlpWith('signInFactor'));
    const { blame } = blameOf(report, 'W1');
    assert.ok(blame);
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('sign')), blame.message);
    // σ' written as a1(a1 − 1): the whole chain from there on is the negative of the truth.
    assert.match(blame.message, /is the negative of the true one/);
    assert.match(blame.message, /It comes from the factor that ∂L\/∂\(sigmoid output\) is multiplied by \(at a mul call\) to pass back through the sigmoid: it should be the sigmoid's derivative at the forward's values, and differs from it in 32 of 32 elements/);
    // a1 − 1 is the first value that is wrong; a1 going into it is right.
    assert.match(blame.message, /The factor first goes wrong at this sub call: its input \(the forward's sigmoid output\) is right, its result is not/);
  });

  it("one column of σ' scaled on its own line (the 203k MLP's slip, small): blames that line and names the column", () => {
    const report = checkAndLocalize(mlpWith('oneColumnInFactor'));
    for (const name of ['W1']) {
      const { passed, blame } = blameOf(report, name);
      assert.equal(passed, false);
      assert.ok(blame, name);
      assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('column')), blame.message);
      // 8 rows of the batch, column 2 of 4: 8 of the 32 elements of σ' are off, each by 1 %.
      const m = /differs from it in 8 of 32 elements, all in column 2, worst \[(\d+),2\]: (\S+) against (\S+)\./.exec(blame.message);
      assert.ok(m, blame.message);
      assert.ok(Math.abs(Number(m[2]) / Number(m[3]) - 1.01) < 2e-3, `${m[2]} is 1.01 × ${m[3]}`);
      assert.match(blame.message, /The factor first goes wrong at this mul call: its input \(the sigmoid's derivative at the forward's values\) is right, its result is not/);
      assert.match(blame.message, /Its other input, a tensor made without ops, is not checked by anything/);
    }
  });

  it("a wrong constant in σ' (1.01 − a1): blames its line and names the constant", () => {
    const { blame } = blameOf(checkAndLocalize(mlpWith('constantInFactor')), 'W1');
    assert.ok(blame);
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('constant')), blame.message);
    assert.match(blame.message, /goes wrong in the factor that ∂L\/∂\(sigmoid output\) is multiplied by/);
    assert.match(blame.message, /The factor first goes wrong at this sub call: its input \(the forward's sigmoid output\) is right, its result is not\. Its other input, the constant 1\.01, is not checked by anything/);
  });

  it('a loss of size 1e-12 with a backward scaled by 3: blames the product that brings the 3 in, not the softmax before it', () => {
    const [batch, features, hidden, classes] = [10, 6, 5, 3];
    const scale = 1e-12;
    const oneHot = (labels: Tensor) => tensor(Array.from(labels.data, (c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0))));
    const model = defineModel({
      inputs: { X: randn([batch, features], { seed: 31 }), y: randint([batch], classes, { seed: 32 }) },
      params: { W1: randn([features, hidden], { seed: 33, scale: 0.5 }), W2: randn([hidden, classes], { seed: 34, scale: 0.5 }) },
      forward: ({ X, y }, { W1, W2 }) => F.mul(F.crossEntropy(F.matmul(F.tanh(F.matmul(X, W1)), W2), y), scale),
      backward: ({ X, y }, { W1, W2 }) => {
        const h = F.tanh(F.matmul(X, W1));
        const probs = F.softmax(F.matmul(h, W2));
        const dz2 = F.mul(F.div(F.sub(probs, oneHot(y)), batch), scale * 3); // BUG:scaled — the loss's scale times 3
        const dz1 = F.mul(F.matmul(dz2, F.transpose(W2)), F.sub(1, F.mul(h, h)));
        return { W1: F.matmul(F.transpose(X), dz1), W2: F.matmul(F.transpose(h), dz2) };
      },
    });
    const report = checkAndLocalize(model);
    assert.equal(report.passed, false);
    for (const name of ['W1', 'W2']) {
      const { blame } = blameOf(report, name);
      assert.ok(blame, name);
      assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('scaled')), name);
      assert.match(blame.message, /is 3× the true one .*at this mul call, with the constant 3e-12: its result is 3× ∂L\/∂\(2nd matmul output\)/, name);
    }
  });

  it('a factor applied to a transposed adjoint: blamed where it is applied, named as rearranged', () => {
    const [batch, features, hidden, classes] = [8, 5, 4, 3];
    const oneHot = (labels: Tensor) => tensor(Array.from(labels.data, (c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : 0))));
    const model = defineModel({
      inputs: { X: randn([batch, features], { seed: 1 }), y: randint([batch], classes, { seed: 3 }) },
      params: { W1: randn([features, hidden], { seed: 4, scale: 0.5 }), W2: randn([hidden, classes], { seed: 5, scale: 0.5 }) },
      forward: ({ X, y }, { W1, W2 }) => F.crossEntropy(F.matmul(F.sigmoid(F.matmul(X, W1)), W2), y),
      backward: ({ X, y }, { W1, W2 }) => {
        const a1 = F.sigmoid(F.matmul(X, W1));
        const dz2 = F.div(F.sub(F.softmax(F.matmul(a1, W2)), oneHot(y)), batch);
        const dz2T = F.mul(F.transpose(dz2), 3); // BUG:threefold — 3× on the transposed adjoint
        const dW2 = F.transpose(F.matmul(dz2T, a1));
        const dz1 = F.mul(F.matmul(F.transpose(dz2T), F.transpose(W2)), F.mul(a1, F.sub(1, a1)));
        return { W1: F.matmul(F.transpose(X), dz1), W2: dW2 };
      },
    });
    const report = checkAndLocalize(model);
    for (const name of ['W1', 'W2']) {
      const { blame } = blameOf(report, name);
      assert.ok(blame, `${name}: ${JSON.stringify(report.manual)}`);
      assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('threefold')), `${name}: ${blame.message}`);
      assert.match(blame.message, /is 3× the true one .*at this mul call, with ∂L\/∂\(2nd matmul output\), rearranged; the constant 3: its result is 3× ∂L\/∂\(2nd matmul output\), rearranged\./, `${name}: ${blame.message}`);
    }
  });

  it('a wrong one-element gradient is not called a constant factor (any wrong scalar is some multiple of the right one)', () => {
    const x = randn([5], { seed: 7 });
    const model = defineModel({
      inputs: { x },
      params: { w: randn([5], { seed: 8 }), b: tensor([0.3]) },
      forward: (i, p) => F.sum(F.tanh(F.add(F.mul(i.x, p.w), p.b))),
      backward: (i, p) => {
        const t = F.tanh(F.add(F.mul(i.x, p.w), p.b));
        const dz = F.sub(1, F.mul(t, t));
        const s = F.sum(F.mul(dz, i.x)); // BUG:bias — x where 1 was meant
        return { w: F.mul(dz, i.x), b: F.reshape(s, [1]) };
      },
    });
    const { blame } = blameOf(checkAndLocalize(model), 'b');
    assert.ok(blame);
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('bias')), blame.message);
    assert.doesNotMatch(blame.message, /the true one/);
    assert.match(blame.message, /its input \(∂L\/∂w\) is right/);
  });

  it('a one-element gradient on a chain that carries its adjoints scaled: blamed where the scaled adjoint is used, with the constant named, not at the forward values recomputed first', () => {
    const size = 1e-12;
    const model = defineModel({
      inputs: { X: randn([16, 6], { seed: 1 }), y: tensor(Array.from({ length: 16 }, (_, i) => (i % 3 ? 1 : -1))) },
      params: { w: randn([6], { seed: 3 }), b: randn([1], { seed: 4 }) },
      forward: ({ X, y }, { w, b }) => F.mul(size, F.logloss(F.add(F.matmul(X, w), b), y)),
      backward: ({ X, y }, { w, b }) => {
        const s = F.sigmoid(F.mul(y, F.add(F.matmul(X, w), b)));
        const r = F.mul(F.neg(y), F.sub(1, s)); // 16/size × ∂L/∂z: the scale comes at the end
        return {
          w: F.mul(size / 16, F.matmul(r, X)),
          b: F.reshape(F.mul((3 * size) / 16, F.sum(r)), [1]), // BUG:oneScale — 3× the scale
        };
      },
    });
    const report = checkAndLocalize(model);
    assert.equal(blameOf(report, 'w').passed, true);
    const { blame } = blameOf(report, 'b');
    assert.ok(blame, JSON.stringify(report.manual));
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('oneScale')), blame.message);
    assert.doesNotMatch(blame.message, /wrong from the start/, blame.message);
    assert.match(blame.message, /the result of a mul call is 1\.6e\+13× ∂L\/∂\(matmul output\) in every element: right up to a constant factor/, blame.message);
    assert.match(blame.message, /at this sum call, which uses that result, or after it/, blame.message);
    assert.match(blame.message, /The constant used there, 1\.875e-13 at a mul call, is not checked by anything/, blame.message);
  });

  it('a residual: a right partial adjoint (one branch of ∂L/∂h) is not blamed; the wrong combination is', () => {
    const report = checkAndLocalize(residualModel());
    assert.equal(blameOf(report, 'V').passed, true);
    const { blame } = blameOf(report, 'W');
    assert.ok(blame);
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('residual')));
    assert.match(blame.message, /the part of ∂L\/∂\(tanh output\) that flows back through the 2nd matmul/);
  });

  it("a relu mask taken as relu'(0) = 1 is no wrong factor on the kink; a slip beside it is, named apart from the kinks", () => {
    // Row 0 of X is blank, so z = X·W is exactly 0 there: a kink in every unit.
    const X = tensor(Array.from({ length: 6 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i === 0 ? 0 : Math.sin(3 * i + j)))));
    const T = randn([6, 4], { seed: 31 });
    const model = (slip: boolean) =>
      defineModel({
        inputs: { X, T },
        params: { W: randn([5, 4], { seed: 32 }) },
        forward: (i, p) => F.sum(F.mul(i.T, F.relu(F.matmul(i.X, p.W)))),
        backward: (i, p) => {
          const z = F.matmul(i.X, p.W);
          const slope = tensor(Array.from({ length: 4 }, (_, j) => (slip && j === 2 ? 1.01 : 1)));
          const mask = F.mul(F.where(F.relu(F.neg(z)), 0, 1), slope); // BUG:kinkmask — z ≥ 0, and unit 2 × 1.01
          return { W: F.matmul(F.transpose(i.X), F.mul(i.T, mask)) };
        },
      });
    // relu'(0) = 1 on row 0 only changes W's gradient by 0·T: the gradient is right, the check passes.
    assert.ok(checkAndLocalize(model(false)).passed);
    const { blame } = blameOf(checkAndLocalize(model(true)), 'W');
    assert.ok(blame);
    assert.equal(fileAndLine(blame.site).line, lineOf(__filename, marker('kinkmask')), blame.message);
    // Unit 2 is off where z > 0 off the kink; the 4 units of row 0 are on it, and named apart.
    const z = F.matmul(X, model(true).spec.params.W).data;
    const off = Array.from({ length: 5 }, (_, r) => z[(r + 1) * 4 + 2]).filter((v) => v > 0).length;
    assert.match(blame.message, new RegExp(`differs from it in ${off} of 24 elements \\(besides 4 on the relu's kink, where either one-sided value is right\\)${off > 1 ? ', all in column 2' : ''}, worst \\[\\d,2\\]: 1\\.01 against 1\\.`), blame.message);
    // The mask itself (z ≥ 0) is right but on the kink; the product with the slope is where it goes wrong.
    assert.match(blame.message, /The factor first goes wrong at this mul call: its input \(the relu's derivative at the forward's values, but on the relu's kink, where it takes the other one-sided value\) is right, its result is not\. Its other input, a tensor made without ops, is not checked by anything/, blame.message);
  });

  describe("a custom op's backward", () => {
    /** y = w ⊙ x / √(mean(x²) + 1e-5) over the last axis, with a backward written step by step. */
    const rmsNorm = (slip: 'slope' | 'eps' | 'none') =>
      defineOp({
        name: `rmsNorm_${slip}`,
        forward: (x, w) => F.mul(w, F.div(x, F.sqrt(F.add(F.mean(F.mul(x, x), -1, true), 1e-5)))),
        backward: (dy, [x, w]) => {
          const ms = F.mean(F.mul(x, x), -1, true);
          const r = F.div(1, F.sqrt(F.add(ms, slip === 'eps' ? 0 : 1e-5))); // BUG:opeps — eps dropped
          const xhat = F.mul(x, r);
          const slope = tensor(Array.from({ length: w.size }, (_, j) => (slip === 'slope' && j === 1 ? 1.01 : 1)));
          const dw = F.mul(F.sum(F.mul(dy, xhat), 0), slope); // BUG:opslope — w[1]'s gradient × 1.01
          const g = F.mul(dy, w);
          const dx = F.mul(r, F.sub(g, F.mul(xhat, F.mean(F.mul(g, xhat), -1, true))));
          return [dx, dw];
        },
      });
    const model = (slip: 'slope' | 'eps' | 'none') => {
      const op = rmsNorm(slip);
      return defineModel({
        inputs: { x: randn([4, 3], { seed: 51 }) },
        params: { W: randn([3, 3], { seed: 52 }), w: randn([3], { seed: 53 }) },
        forward: (i, p) => F.sum(F.mul(op(F.matmul(i.x, p.W), p.w), randn([4, 3], { seed: 54 }))),
      });
    };

    it('is blamed at the line of its mistake, as a model backward is', () => {
      assert.ok(checkModel(model('none'), { mode: 'full' }).passed);
      const r = checkModel(model('slope'), { mode: 'full' });
      const op = r.ops.find((o) => !o.passed);
      assert.ok(op?.blame, JSON.stringify(op));
      assert.equal(fileAndLine(op.blame.site).line, lineOf(__filename, marker('opslope')), op.blame.message);
      assert.match(op.blame.message, /^The gradient of x1 is wrong as this mul call returns it: its input \(∂L\/∂x1\) is right, its result is not\. Its other input, a tensor made without ops/);
    });

    it('where the wrong value meets dy downstream of its own line, the place its chain starts is named too', () => {
      const op = checkModel(model('eps'), { mode: 'full' }).ops.find((o) => !o.passed);
      assert.ok(op?.blame, JSON.stringify(op));
      // dw = Σ dy ⊙ x̂: dy is right, x̂ is not, and x̂'s chain starts at the sqrt without eps.
      const related = op.blame.related ?? [];
      assert.equal(related.length, 1, JSON.stringify(op.blame));
      assert.equal(fileAndLine(related[0].site).line, lineOf(__filename, marker('opeps')));
      assert.match(related[0].what, /^That input \(the result of a mul call\) comes from right values through ops that start at the sqrt call$/);
    });
  });

  it('a mask the backward made without ops is never called right: it may be the mistake', () => {
    // relu's derivative written out as a mask, with one entry wrong (1.001 instead of 1).
    const X = randn([6, 4], { seed: 11 });
    const model = defineModel({
      inputs: { X },
      params: { w: randn([4], { seed: 12 }) },
      forward: (i, p) => F.sum(F.relu(F.matmul(i.X, p.w))),
      backward: (i, p) => {
        const z = F.matmul(i.X, p.w);
        const mask = tensor(Array.from(z.data, (v, k) => (v > 0 ? (k === 0 ? 1.001 : 1) : 0)));
        return { w: F.matmul(F.mul(tensor(Array.from(z.data, () => 1)), mask), i.X) };
      },
    });
    const blame = blameOf(checkAndLocalize(model), 'w').blame;
    assert.ok(blame, 'the mistake is located');
    // The mask is compared with relu's derivative at the forward's values: only its first entry is off.
    assert.match(blame.message, /should be the relu's derivative at the forward's values, and differs from it in 1 of 6 elements, worst \[0\]: 1\.001 against 1\./, blame.message);
    assert.doesNotMatch(blame.message, /made without ops[^.]*\) (is|are) right/, blame.message);
    assert.match(blame.message, /Its other input, a tensor made without ops, is not checked by anything: it may hold the mistake/, blame.message);
  });
});
