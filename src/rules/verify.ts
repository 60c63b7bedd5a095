// Numeric verification of the derivative table. Each identity's CLAIMED gradient (its formula
// evaluated at a random point) and each registry op's VJP are compared with central differences.
// A rule whose formula is wrong comes back with passed: false: the table shows it, never hides it.
import { grad } from '../engine/autograd';
import '../engine/F';
import { Rng } from '../engine/random';
import { apply, type InputSpec, type OpDef, registry } from '../engine/registry';
import { Tensor } from '../engine/tensor';
import type { RuleVerification } from '../shared/protocol';
import { type IdentityRule, identities } from './identities';

/** Central-difference step: float64 truncation ~h², round-off ~1e-16/h, both far below the tolerance. */
const H = 1e-5;
const ATOL = 1e-6;
const RTOL = 1e-5;

export interface VerifyOptions {
  /** The identities to check; default all of them. */
  rules?: readonly IdentityRule[];
  /** Also check every registry op's VJP; default true. */
  ops?: boolean;
  /** Random points per identity; default 3. */
  points?: number;
}

interface Tally {
  maxAbsError: number;
  passed: boolean;
}

function compare(t: Tally, claimed: number, numeric: number): void {
  const err = Math.abs(claimed - numeric);
  // NaN never passes: a formula that produces NaN is wrong at that point.
  if (!(err <= ATOL + RTOL * Math.abs(numeric))) t.passed = false;
  t.maxAbsError = Number.isNaN(err) ? NaN : Math.max(t.maxAbsError, err);
}

function verifyIdentity(rule: IdentityRule, rng: Rng, points: number): RuleVerification {
  const t: Tally = { maxAbsError: 0, passed: true };
  for (let p = 0; p < points; p++) {
    const inst = rule.instance(rng);
    const vars = inst.vars.map((x) => Float64Array.from(x));
    const claimed = inst.claimed(vars);
    const outputs = inst.f(vars).length;
    vars.forEach((x, k) => {
      if (claimed[k]?.length !== outputs * x.length) throw new Error(`claimed Jacobian ${k} has ${claimed[k]?.length} entries, expected ${outputs}×${x.length}`);
      for (let j = 0; j < x.length; j++) {
        const orig = x[j];
        x[j] = orig + H;
        const up = Array.from(inst.f(vars));
        x[j] = orig - H;
        const down = Array.from(inst.f(vars));
        x[j] = orig;
        for (let i = 0; i < outputs; i++) compare(t, claimed[k][i * x.length + j], (up[i] - down[i]) / (2 * H));
      }
    });
  }
  return { id: rule.id, ...t };
}

function drawInput(spec: InputSpec, rng: Rng): Tensor {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    if (spec.intHigh !== undefined) data[i] = rng.int(spec.intHigh);
    else if (spec.signs) data[i] = rng.next() < 0.5 ? -1 : 1;
    else {
      let x = rng.uniform(spec.lo ?? -2, spec.hi ?? 2);
      const gap = spec.awayFromZero ?? 0;
      if (Math.abs(x) < gap) x = Math.sign(x || 1) * (gap + Math.abs(x));
      data[i] = x;
    }
  }
  return new Tensor(data, spec.shape.slice());
}

const differentiable = (s: InputSpec): boolean => s.intHigh === undefined && !s.signs;

/** The op's VJP (through the tape) for a random upstream dy, against differences of dyᵀ·forward(x). */
function verifyOp(def: OpDef<any>, rng: Rng): RuleVerification {
  const t: Tally = { maxAbsError: 0, passed: true };
  for (const c of def.test.cases) {
    const xs = c.inputs.map((s) => drawInput(s, rng));
    const attrs = c.attrs ?? {};
    const forward = (): Float64Array => def.forward(xs, attrs, () => {}).data;
    const wrt = xs.filter((_, i) => differentiable(c.inputs[i]) && def.vjp[def.variadic ? 0 : i]);
    wrt.forEach((x) => x.requireGrad());
    const out = apply(def, xs, attrs);
    const dy = new Tensor(Float64Array.from(out.data, () => rng.uniform(-1, 1)), out.shape.slice());
    const grads = grad(out, wrt, dy);
    wrt.forEach((x, k) => {
      for (let j = 0; j < x.size; j++) {
        const orig = x.data[j];
        x.data[j] = orig + H;
        const up = forward();
        x.data[j] = orig - H;
        const down = forward();
        x.data[j] = orig;
        let numeric = 0;
        for (let i = 0; i < up.length; i++) numeric += (dy.data[i] * (up[i] - down[i])) / (2 * H);
        compare(t, grads[k].data[j], numeric);
      }
    });
  }
  return { id: `op.${def.name}`, ...t };
}

/** Checks every rule; an exception inside one rule fails that rule only, with its message. */
export function verifyRules(seed = 0, opts: VerifyOptions = {}): RuleVerification[] {
  const rng = new Rng(seed);
  const out: RuleVerification[] = [];
  const guarded = (id: string, run: () => RuleVerification): void => {
    try {
      out.push(run());
    } catch (err) {
      out.push({ id, maxAbsError: NaN, passed: false, error: (err as Error).message });
    }
  };
  for (const rule of opts.rules ?? identities) guarded(rule.id, () => verifyIdentity(rule, rng, opts.points ?? 3));
  // Backward ops have no table card (catalog.ts); the registry's own tests check them.
  if (opts.ops !== false) for (const def of registry.values()) if (!def.backwardOf) guarded(`op.${def.name}`, () => verifyOp(def, rng));
  return out;
}
