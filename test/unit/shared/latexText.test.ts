// The registry's LaTeX as readable text for hovers: exact renderings of the lecture's rules, and
// nothing lost for notation it does not know.
import { strict as assert } from 'node:assert';
import '../../../src/engine/F';
import { registry } from '../../../src/engine/registry';
import { latexToText } from '../../../src/shared/latexText';

describe('latexToText', () => {
  it('renders the sigmoid, matmul and inverse rules as a reader writes them', () => {
    assert.equal(latexToText(registry.get('sigmoid')!.latex.grads[0]), 'x̄ = ȳ ⊙ σ(x) ⊙ (1-σ(x))'.normalize('NFC'));
    assert.deepEqual(registry.get('matmul')!.latex.grads.map(latexToText), ['Ā = Ȳ Bᵀ', 'B̄ = Aᵀ Ȳ']);
    assert.equal(latexToText(registry.get('inv')!.latex.grads[0]), 'X̄ = -X⁻ᵀ Ȳ X⁻ᵀ');
  });

  it('handles fractions, roots, blackboard letters and scripts', () => {
    assert.equal(latexToText('\\frac{\\partial s}{\\partial x}'), '(∂ s)/(∂ x)');
    assert.equal(latexToText('\\sqrt{\\sigma^{2} + \\epsilon}'), '√(σ² + ε)');
    assert.equal(latexToText('W \\in \\mathbb{R}^{m \\times n}'), 'W ∈ ℝ^(m × n)');
    assert.equal(latexToText('x_{i} + x^{2}'), 'xᵢ + x²');
    assert.equal(latexToText('\\operatorname{diag}(s) - s s^{\\top}'), 'diag(s) - s sᵀ');
  });

  it('keeps commands it does not know, so nothing is lost', () => {
    assert.equal(latexToText('\\weird{x}'), '\\weirdx');
    assert.equal(latexToText('a \\unknown b'), 'a \\unknown b');
  });

  it('leaves no LaTeX commands in any registry rule it knows the notation of', () => {
    for (const def of registry.values()) {
      for (const s of [def.latex.forward, ...def.latex.grads, def.latex.shapes ?? '']) {
        assert.doesNotMatch(latexToText(s), /\\[a-zA-Z]/, `${def.name}: ${s} → ${latexToText(s)}`);
      }
    }
  });
});
