// LaTeX derivative rules as readable Unicode text, for places that cannot render maths (editor
// hovers, terminals). It covers the notation the op registry uses, not LaTeX at large: anything it
// does not know is left as written, so nothing is ever lost, only less pretty.

const SYMBOLS: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', eta: 'η', theta: 'θ', lambda: 'λ',
  mu: 'μ', pi: 'π', rho: 'ρ', sigma: 'σ', tau: 'τ', phi: 'φ', varphi: 'φ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Pi: 'Π', Sigma: 'Σ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
  odot: '⊙', oslash: '⊘', otimes: '⊗', oplus: '⊕', cdot: '·', times: '×', ast: '∗', star: '⋆', circ: '∘',
  sum: 'Σ', prod: 'Π', int: '∫', partial: '∂', nabla: '∇', infty: '∞', in: '∈', ni: '∋', notin: '∉', le: '≤', leq: '≤', ge: '≥', geq: '≥',
  ne: '≠', neq: '≠', approx: '≈', equiv: '≡', to: '→', mapsto: '↦', rightarrow: '→', langle: '⟨', rangle: '⟩',
  lvert: '|', rvert: '|', lVert: '‖', rVert: '‖', '|': '‖', dots: '…', cdots: '⋯', ldots: '…', top: 'ᵀ', prime: '′',
  '{': '{', '}': '}', ',': ' ', ';': ' ', ' ': ' ', quad: '  ', qquad: '   ', '!': '',
};

/** Operator names printed upright, as words. */
const WORDS = new Set(['log', 'ln', 'exp', 'max', 'min', 'det', 'tr', 'arg', 'tanh', 'sin', 'cos', 'diag', 'sign']);
/** Commands that only style their argument. */
const STYLES = new Set(['operatorname', 'mathrm', 'mathbf', 'mathit', 'text', 'textrm', 'boldsymbol', 'mathsf']);
/** Commands with no visible output. */
const DROP = new Set(['left', 'right', 'textstyle', 'displaystyle', 'big', 'Big', 'bigl', 'bigr']);
const ACCENTS: Record<string, string> = { bar: '\u0304', hat: '\u0302', tilde: '\u0303', vec: '\u20d7', dot: '\u0307' };

const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻', '+': '⁺', T: 'ᵀ', ᵀ: 'ᵀ', n: 'ⁿ', i: 'ⁱ', '(': '⁽', ')': '⁾', p: 'ᵖ' };
const SUB: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉', '-': '₋', '+': '₊', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', n: 'ₙ', o: 'ₒ', h: 'ₕ', w: 'w', ',': ',' };

/** Reads one argument: a {group}, a \command, or a single character. Returns it and the index after it. */
function readArg(s: string, i: number): [string, number] {
  while (s[i] === ' ') i++;
  if (s[i] === '{') {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      if (s[j] === '\\') {
        j++;
        continue;
      }
      if (s[j] === '{') depth++;
      else if (s[j] === '}' && --depth === 0) return [s.slice(i + 1, j), j + 1];
    }
    return [s.slice(i + 1), s.length];
  }
  if (s[i] === '\\') {
    const m = /^\\([a-zA-Z]+|.)/.exec(s.slice(i));
    return m ? [m[0], i + m[0].length] : ['', i + 1];
  }
  return [s[i] ?? '', i + 1];
}

/** Superscript or subscript when every character has a small form; else ^(…) / _(…). */
function script(text: string, table: Record<string, string>, mark: string): string {
  const chars = [...text.replace(/\s+/g, '')];
  if (chars.length && chars.every((c) => table[c])) return chars.map((c) => table[c]).join('');
  return chars.length === 1 ? `${mark}${text}` : `${mark}(${text})`;
}

function wrapIfLong(t: string): string {
  return /^[\w\u0300-\u036f.ᵀ⁻¹²]+$/u.test(t) ? t : `(${t})`;
}

/** Converts a LaTeX fragment of the registry's notation to Unicode text. */
export function latexToText(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(src.slice(i))!;
      const name = m[1];
      i += m[0].length;
      if (name === 'frac' || name === 'tfrac' || name === 'dfrac') {
        const [num, a] = readArg(src, i);
        const [den, b] = readArg(src, a);
        i = b;
        out += `${wrapIfLong(latexToText(num))}/${wrapIfLong(latexToText(den))}`;
      } else if (name === 'sqrt') {
        const [arg, a] = readArg(src, i);
        i = a;
        out += `√${wrapIfLong(latexToText(arg))}`;
      } else if (name === 'mathbb') {
        const [arg, a] = readArg(src, i);
        i = a;
        out += ({ R: 'ℝ', N: 'ℕ', Z: 'ℤ', E: '𝔼' } as Record<string, string>)[arg] ?? arg;
      } else if (ACCENTS[name]) {
        const [arg, a] = readArg(src, i);
        i = a;
        const t = latexToText(arg);
        out += [...t].length === 1 ? t + ACCENTS[name] : name === 'bar' ? `mean(${t})` : `${name}(${t})`;
      } else if (name === 'overline') {
        const [arg, a] = readArg(src, i);
        i = a;
        out += `mean(${latexToText(arg)})`;
      } else if (STYLES.has(name)) {
        const [arg, a] = readArg(src, i);
        i = a;
        out += latexToText(arg);
      } else if (WORDS.has(name)) {
        out += name;
      } else if (DROP.has(name)) {
        // nothing to print
      } else if (name in SYMBOLS) {
        out += SYMBOLS[name];
      } else {
        out += m[0];
      }
    } else if (c === '^' || c === '_') {
      const [arg, a] = readArg(src, i + 1);
      i = a;
      const t = latexToText(arg);
      out += c === '^' ? script(t, SUP, '^') : script(t, SUB, '_');
    } else if (c === '{' || c === '}') {
      i++;
    } else if (c === '~') {
      out += ' ';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/[ \t]{2,}/g, ' ').trim().normalize('NFC');
}
