// Seeded initialisation shared by the layers.
import { randn } from '../create';
import { GradlensError, Shape, Tensor } from '../tensor';

/**
 * A distinct, reproducible seed for the k-th tensor a layer creates from its own seed. Without a
 * seed, layers draw from the shared default stream (which the runner resets before each model).
 */
export function subSeed(seed: number | undefined, k: number): number | undefined {
  if (seed === undefined) return undefined;
  return (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(k + 1, 0xc2b2ae35)) >>> 0;
}

/** Normal draws with standard deviation 1/sqrt(fanIn): keeps activations at unit scale. */
export function scaledNormal(shape: Shape, fanIn: number, seed: number | undefined): Tensor {
  return randn(shape, { seed, scale: 1 / Math.sqrt(fanIn) });
}

/** Layer sizes must be whole numbers >= 1; names the layer in the error. */
export function checkSizes(layer: string, sizes: Record<string, number>): void {
  for (const [what, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 1) throw new GradlensError(layer, `${what} must be a whole number >= 1, got ${v}`);
  }
}
