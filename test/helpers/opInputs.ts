// Draws an op's test inputs from its registry spec, reproducibly.
import { Rng } from '../../src/engine/random';
import type { InputSpec } from '../../src/engine/registry';
import { Tensor } from '../../src/engine/tensor';

export function drawInput(spec: InputSpec, rng: Rng): Tensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (spec.intHigh !== undefined) data[i] = rng.int(spec.intHigh);
    else if (spec.signs) data[i] = rng.next() < 0.5 ? -1 : 1;
    else {
      const lo = spec.lo ?? -2;
      const hi = spec.hi ?? 2;
      let v = rng.uniform(lo, hi);
      const gap = spec.awayFromZero ?? 0;
      // Reflect values that fall too near zero so kinks and poles stay out of the difference stencil.
      if (Math.abs(v) < gap) v = v < 0 ? -gap - Math.abs(v) : gap + Math.abs(v);
      data[i] = v;
    }
  }
  return new Tensor(data, spec.shape.slice());
}

export function isDifferentiable(spec: InputSpec): boolean {
  return spec.intHigh === undefined && !spec.signs;
}
