// The tensor: a row-major Float64Array with a shape, plus the tape node that made it.
// Tensors are immutable values; ops always allocate a new one, so a tensor that is saved
// for backward can never be changed behind the tape's back.
import type { TapeNode } from './autograd';

export type Shape = readonly number[];

/** Thrown for every user-facing engine error: the message names the op and the shapes. */
export class GradlensError extends Error {
  constructor(readonly op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'GradlensError';
  }
}

let nextId = 1;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new GradlensError(op, `invalid shape ${fmtShape(shape)}: dimensions must be whole numbers >= 0`);
  }
}

export class Tensor {
  /** Unique, increasing: a tensor's id is always larger than its inputs' ids. */
  readonly id = nextId++;
  /** Gradient written by `backward()`; null until then. */
  grad: Tensor | null = null;
  /** The op application that produced this tensor, when it is part of a differentiable graph. */
  node: TapeNode | null = null;
  /** A display name (a parameter or input name), for reports and graphs. */
  name: string | undefined;

  readonly shape: Shape;

  constructor(
    readonly data: Float64Array,
    shape: Shape,
    public requiresGrad = false,
  ) {
    this.shape = ownArray(shape);
    if (data.length !== sizeOf(shape)) {
      throw new GradlensError('tensor', `${data.length} values do not fill shape ${fmtShape(shape)} (needs ${sizeOf(shape)})`);
    }
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new GradlensError('item', `tensor of shape ${fmtShape(this.shape)} has ${this.data.length} values, not 1`);
    return this.data[0];
  }

  /** Nested plain arrays (a number for a scalar). */
  toArray(): unknown {
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** Marks this tensor as a leaf that gradients flow to. Returns itself for chaining. */
  requireGrad(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** A copy that shares no tape history: a fresh leaf. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  clone(): Tensor {
    return new Tensor(Float64Array.from(this.data), this.shape, this.requiresGrad);
  }

  toString(): string {
    return `Tensor${fmtShape(this.shape)}`;
  }
}

/**
 * A shape as an array of this realm. One a model file made (`randn([3, 4])`) is an array of the
 * file's own realm (runner/userRealm.ts), whose methods the file may patch; the checker must not
 * call them. Copied by index, so nothing of the file's runs.
 */
function ownArray(shape: Shape): Shape {
  if (Object.getPrototypeOf(shape) === Array.prototype) return shape;
  const own = new Array<number>(shape.length);
  for (let i = 0; i < own.length; i++) own[i] = shape[i];
  return own;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Flat index → multi-index. */
export function unravel(flat: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** The flat (row-major) offset of a multi-index: unravel's inverse. */
export function ravel(index: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + index[i];
  return flat;
}

/** Normalises a possibly negative axis against ndim, with an op-named error. */
export function normAxis(op: string, axis: number, ndim: number): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(ndim, 1)) {
    throw new GradlensError(op, `axis ${axis} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return a;
}
