// A reduction's axes, normalised once for the reductions (ops/reduce.ts, ops/statistics.ts). Kept
// out of ops/, whose files `F` re-exports: this is no op.
import { GradlensError, Shape, fmtShape, normAxis } from './tensor';
import { type OptionNames, checkOptionNames } from './options';

export type Axis = number | readonly number[] | undefined;

export interface ReduceAttrs {
  /** As the user gave it; normalised (negative axes, duplicates, range) by `reducePlan`. */
  axis?: Axis;
  keepDims?: boolean;
}

export interface ReducePlan {
  /** Normalised, sorted, unique. */
  axes: number[];
  /** The input shape with reduced axes set to 1. */
  keptShape: number[];
  outShape: number[];
  /** How many input elements fold into each output element. */
  count: number;
}

export function describeAxis(axis: Axis): string {
  return Array.isArray(axis) ? `[${axis.join(',')}]` : String(axis);
}

/** Normalises a reduction's axes; errors name the op, the axis and the shape. */
export function reducePlan(op: string, shape: Shape, axis: Axis, keepDims = false): ReducePlan {
  const ndim = shape.length;
  let raw: readonly number[];
  if (axis === undefined) raw = shape.map((_, i) => i);
  else if (typeof axis === 'number') raw = [axis];
  else if (Array.isArray(axis)) raw = axis;
  else throw new GradlensError(op, `axis must be a number, an array of numbers or undefined, got ${typeof axis}`);
  const axes: number[] = [];
  for (const a of raw) {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -ndim || a >= ndim) {
      throw new GradlensError(op, `axis ${describeAxis(axis)} is out of range for a tensor of shape ${fmtShape(shape)} (${ndim} dimension${ndim === 1 ? '' : 's'})`);
    }
    const n = normAxis(op, a, ndim);
    if (axes.includes(n)) throw new GradlensError(op, `axis ${describeAxis(axis)} names axis ${n} twice (shape ${fmtShape(shape)})`);
    axes.push(n);
  }
  axes.sort((x, y) => x - y);
  const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape.slice() : shape.filter((_, i) => !axes.includes(i));
  let count = 1;
  for (const a of axes) count *= shape[a];
  return { axes, keptShape, outShape, count };
}

/** A reduction's keepDims: true or false, or the options object that `F.var` and `F.std` take. */
export type KeepDims = boolean | { keepDims?: boolean };

const KEEP_DIMS_OPTIONS: OptionNames<{ keepDims?: boolean }> = { keepDims: 1 };

/**
 * keepDims as a flag, or as `{ keepDims: true }`: `F.var(x, -1, { keepDims: true })` is the form
 * var and std take, and a user who writes `F.mean(x, -1, { keepDims: true })` beside it means the same.
 */
export function keepDimsOf(op: string, keepDims: KeepDims): boolean {
  let flag: unknown = keepDims;
  if (typeof keepDims === 'object' && keepDims !== null) {
    checkOptionNames(op, keepDims, KEEP_DIMS_OPTIONS);
    flag = keepDims.keepDims ?? false;
  }
  if (typeof flag !== 'boolean') throw new GradlensError(op, `keepDims must be true or false (or { keepDims: true }), got ${flag === null ? 'null' : typeof flag}`);
  return flag;
}
