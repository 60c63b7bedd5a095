// Creating tensors: from nested arrays or flat data, constants, and seeded random draws.
import { type OptionNames, checkOptionNames } from './options';
import { rngFor } from './random';
import { allocate } from './memory';
import { GradlensError, Shape, Tensor, checkShape, fmtShape, sizeOf } from './tensor';

export type NestedArray = number | readonly NestedArray[];

export interface RandomOptions {
  seed?: number;
  /** Multiplies the draw (randn: the standard deviation). */
  scale?: number;
  /** Mark the result as a parameter that needs a gradient. */
  requiresGrad?: boolean;
}

const RANDOM_OPTIONS: OptionNames<RandomOptions> = { seed: 1, scale: 1, requiresGrad: 1 };

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = (v as readonly NestedArray[])[0];
    if (v === undefined) break;
  }
  return shape;
}

function flatten(values: NestedArray, shape: number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof values !== 'number') throw new GradlensError('tensor', `expected a number at depth ${depth}, got ${Array.isArray(values) ? 'an array' : typeof values}`);
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[depth]) {
    throw new GradlensError('tensor', `ragged nested array: expected ${shape[depth]} entries at depth ${depth} for shape ${fmtShape(shape)}`);
  }
  for (const v of values as readonly NestedArray[]) flatten(v, shape, out, depth + 1);
}

/**
 * `tensor([[1, 2], [3, 4]])`, `tensor([1, 2, 3, 4], [2, 2])` or `tensor(3)` (a scalar).
 * `tensor(3)` and `tensor([3])` both broadcast like scalars.
 */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape): Tensor {
  // tensor has no options: `tensor(xs, { requiresGrad: true })` would otherwise be read as a shape.
  if (shape !== undefined && !Array.isArray(shape)) {
    throw new GradlensError('tensor', `the second argument is the shape (an array such as [2, 3]), got ${shape === null ? 'null' : typeof shape}${typeof shape === 'object' && shape ? ` with ${Object.keys(shape).map((k) => `'${k}'`).join(', ') || 'no keys'}: tensor takes no options (for a parameter, use randn(shape, { requiresGrad: true }) or t.requiresGrad = true)` : ''}`);
  }
  if (shape) {
    checkShape('tensor', shape);
    const flat = typeof values === 'number' ? [values] : Array.from(values as ArrayLike<number>);
    if (flat.some((x) => typeof x !== 'number')) throw new GradlensError('tensor', 'with an explicit shape, values must be a flat array of numbers');
    if (flat.length !== sizeOf(shape)) throw new GradlensError('tensor', `${flat.length} values do not fill shape ${fmtShape(shape)} (needs ${sizeOf(shape)})`);
    return new Tensor(Float64Array.from(flat), shape.slice());
  }
  // Any typed array, of this realm or of the model file's (userRealm.ts), where `instanceof` fails.
  if (ArrayBuffer.isView(values) && typeof (values as ArrayLike<number>).length === 'number') return new Tensor(Float64Array.from(values as ArrayLike<number>), [(values as ArrayLike<number>).length]);
  const s = inferShape(values as NestedArray);
  const flat: number[] = [];
  flatten(values as NestedArray, s, flat);
  return new Tensor(Float64Array.from(flat), s);
}

export function full(shape: Shape, value: number): Tensor {
  return filled('full', shape, value);
}

export function zeros(shape: Shape): Tensor {
  return filled('zeros', shape, 0);
}

export function ones(shape: Shape): Tensor {
  return filled('ones', shape, 1);
}

function filled(op: string, shape: Shape, value: number): Tensor {
  checkShape(op, shape);
  return new Tensor(allocate(op, sizeOf(shape)).fill(value), shape.slice());
}

function fill(op: string, shape: Shape, opts: RandomOptions, draw: (rng: ReturnType<typeof rngFor>) => number): Tensor {
  checkOptionNames(op, opts, RANDOM_OPTIONS);
  checkShape(op, shape);
  const rng = rngFor(opts.seed);
  const scale = opts.scale ?? 1;
  const data = allocate(op, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = scale * draw(rng);
  return new Tensor(data, shape.slice(), opts.requiresGrad ?? false);
}

/** Normal draws with standard deviation `scale` (default 1). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  return fill('randn', shape, opts, (r) => r.normal());
}

/** Uniform draws in [0, scale). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  return fill('rand', shape, opts, (r) => r.next());
}

/** Whole numbers in [0, high): class labels and embedding indices. */
export function randint(shape: Shape, high: number, opts: { seed?: number } = {}): Tensor {
  checkOptionNames('randint', opts, { seed: 1 });
  if (!Number.isInteger(high) || high < 1) throw new GradlensError('randint', `high must be a whole number >= 1, got ${high}`);
  return fill('randint', shape, { seed: opts.seed }, (r) => r.int(high));
}

/** Random ±1 labels: the lecture's y in {-1, +1}. */
export function signs(shape: Shape, opts: { seed?: number } = {}): Tensor {
  checkOptionNames('signs', opts, { seed: 1 });
  return fill('signs', shape, { seed: opts.seed }, (r) => (r.next() < 0.5 ? -1 : 1));
}
