// Layer ops: conv2d, max/avg pooling, embedding and a fused layerNorm. Their kernels are plain
// loops over flat row-major data. Their VJPs are plain loops too, run as backward ops
// (engine/backwardOp.ts) with VJPs of their own, so a recorded backward can be differentiated
// again; each spec's reference is written independently of the kernel it checks.
import { registerBackwardOp } from '../backwardOp';
import { NestedArray, ones, tensor, zeros } from '../create';
import { type OpDef as OpDefOf, apply, registerOp } from '../registry';
import { allocate, zeroedValues } from '../memory';
import { GradlensError, Shape, Tensor, fmtShape, sizeOf } from '../tensor';
import { add, mul, pow, sub } from './arithmetic';
import { mean } from './reduce';
import { scatterRows } from './scatterRows';
import { reshape } from './shape';
import type { Plain } from './reference';

type Pair = [number, number];

// ---------------------------------------------------------------- conv2d

interface ConvAttrs {
  stride: Pair;
  padding: Pair;
}

/** Output extent of a sliding window; null when the window does not fit. */
function windows(size: number, k: number, stride: number, pad: number): number | null {
  const span = size + 2 * pad - k;
  return span < 0 ? null : Math.floor(span / stride) + 1;
}

/** What the geometry reads of a tensor: a backward op knows the shape of the gradient it makes, not the tensor. */
interface Shaped {
  readonly shape: Shape;
  readonly ndim: number;
}

function shaped(shape: Shape): Shaped {
  return { shape, ndim: shape.length };
}

function convGeometry(x: Shaped, w: Shaped, { stride, padding }: ConvAttrs) {
  if (x.ndim !== 4) throw new GradlensError('conv2d', `input must be 4-D [N,C,H,W], got shape ${fmtShape(x.shape)}`);
  if (w.ndim !== 4) throw new GradlensError('conv2d', `weight must be 4-D [O,C,kh,kw], got shape ${fmtShape(w.shape)}`);
  const [N, C, H, W] = x.shape;
  const [O, Cw, KH, KW] = w.shape;
  if (C !== Cw) {
    throw new GradlensError('conv2d', `input ${fmtShape(x.shape)} has ${C} channels but weight ${fmtShape(w.shape)} expects ${Cw}`);
  }
  const OH = windows(H, KH, stride[0], padding[0]);
  const OW = windows(W, KW, stride[1], padding[1]);
  if (OH === null || OW === null) {
    throw new GradlensError(
      'conv2d',
      `kernel ${KH}x${KW} of weight ${fmtShape(w.shape)} does not fit input ${fmtShape(x.shape)} with padding ${padding.join('x')}`,
    );
  }
  return { N, C, H, W, O, KH, KW, OH, OW, SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1] };
}

type ConvGeometry = ReturnType<typeof convGeometry>;

/**
 * The one loop nest of conv2d, shared by forward and both VJPs: for every output position and
 * every kernel tap that lands inside the (unpadded) input, `tap(yi, xi, wi)` gets the three flat
 * indices. Padding is handled by skipping taps, never by copying the input.
 */
function forEachTap(g: ConvGeometry, tap: (yi: number, xi: number, wi: number) => void): void {
  for (let n = 0; n < g.N; n++) {
    for (let o = 0; o < g.O; o++) {
      for (let i = 0; i < g.OH; i++) {
        for (let j = 0; j < g.OW; j++) {
          const yi = ((n * g.O + o) * g.OH + i) * g.OW + j;
          for (let c = 0; c < g.C; c++) {
            const xBase = (n * g.C + c) * g.H;
            const wBase = (o * g.C + c) * g.KH;
            for (let p = 0; p < g.KH; p++) {
              const r = i * g.SH + p - g.PH;
              if (r < 0 || r >= g.H) continue;
              for (let q = 0; q < g.KW; q++) {
                const s = j * g.SW + q - g.PW;
                if (s < 0 || s >= g.W) continue;
                tap(yi, (xBase + r) * g.W + s, (wBase + p) * g.KW + q);
              }
            }
          }
        }
      }
    }
  }
}

/** Independent reference: pad the input explicitly, then take plain window sums. */
function referenceConv(x: Plain, w: Plain, { stride, padding }: ConvAttrs): Plain {
  const [N, C, H, W] = x.shape;
  const [O, , KH, KW] = w.shape;
  const HP = H + 2 * padding[0];
  const WP = W + 2 * padding[1];
  const padded = (n: number, c: number, r: number, s: number): number => {
    const rr = r - padding[0];
    const ss = s - padding[1];
    return rr < 0 || rr >= H || ss < 0 || ss >= W ? 0 : x.data[n * C * H * W + c * H * W + rr * W + ss];
  };
  const OH = Math.floor((HP - KH) / stride[0]) + 1;
  const OW = Math.floor((WP - KW) / stride[1]) + 1;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let acc = 0;
          for (let c = 0; c < C; c++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++) acc += padded(n, c, i * stride[0] + p, j * stride[1] + q) * w.data[o * C * KH * KW + c * KH * KW + p * KW + q];
          out.push(acc);
        }
  return { data: out, shape: [N, O, OH, OW] };
}

/** A conv2d backward's attributes: the forward's, and the shape of the gradient it makes. */
interface ConvGradAttrs extends ConvAttrs {
  shape: number[];
}

/** Geometry of the conv2d whose input (or weight) has `attrs.shape` and whose other operand is `other`. */
function gradGeometry(attrs: ConvGradAttrs, other: Tensor, of: 'x' | 'w'): ConvGeometry {
  return of === 'x' ? convGeometry(shaped(attrs.shape), other, attrs) : convGeometry(other, shaped(attrs.shape), attrs);
}

/**
 * conv2d's input gradient, a transposed convolution: each input pixel collects dy from every
 * window that read it. Bilinear in (dy, w): its VJPs are conv2d itself and the weight gradient.
 */
const conv2dGradInput: OpDefOf<ConvGradAttrs> = registerBackwardOp<ConvGradAttrs>({
  name: 'conv2dGradInput',
  backwardOf: 'conv2d',
  inputs: ['dy', 'w'],
  differentiable: [true, true],
  summary: "conv2d's input gradient (a transposed convolution of dy with w).",
  kernel: ([dy, w], attrs) => {
    const dx = zeroedValues(sizeOf(attrs.shape));
    const dyd = dy.data;
    const wd = w.data;
    forEachTap(gradGeometry(attrs, w, 'x'), (yi, xi, wi) => {
      dx[xi] += dyd[yi] * wd[wi];
    });
    return new Tensor(dx, attrs.shape.slice());
  },
  vjp: [
    (g, { inputs: [, w], attrs: { stride, padding } }) => apply(conv2dOp, [g, w], { stride, padding }),
    (g, { inputs: [dy, w], attrs: { stride, padding } }) => apply(conv2dGradWeight, [g, dy], { stride, padding, shape: w.shape.slice() }),
  ],
  reference: ([dy, w], attrs) => referenceConvGrad(dy, w, attrs, 'x'),
  latex: { forward: '\\bar{X}_{n,c} = \\sum_{o} \\bar{Y}_{n,o} \\ast_{\\text{full}} W_{o,c}', grads: [] },
  cases: [
    { label: 'stride 1', inputs: [{ shape: [2, 3, 3, 3] }, { shape: [3, 2, 3, 3] }], attrs: { stride: [1, 1], padding: [0, 0], shape: [2, 2, 5, 5] } },
    { label: 'stride 2, padding 1', inputs: [{ shape: [1, 2, 3, 3] }, { shape: [2, 2, 3, 3] }], attrs: { stride: [2, 2], padding: [1, 1], shape: [1, 2, 6, 5] } },
  ],
});

/** conv2d's weight gradient: the kernel is shared by every window, so it sums over batch and positions. */
const conv2dGradWeight: OpDefOf<ConvGradAttrs> = registerBackwardOp<ConvGradAttrs>({
  name: 'conv2dGradWeight',
  backwardOf: 'conv2d',
  inputs: ['x', 'dy'],
  differentiable: [true, true],
  summary: "conv2d's weight gradient (the correlation of x with dy).",
  kernel: ([x, dy], attrs) => {
    const dw = zeroedValues(sizeOf(attrs.shape));
    const dyd = dy.data;
    const xd = x.data;
    forEachTap(gradGeometry(attrs, x, 'w'), (yi, xi, wi) => {
      dw[wi] += dyd[yi] * xd[xi];
    });
    return new Tensor(dw, attrs.shape.slice());
  },
  vjp: [
    (g, { inputs: [x, dy], attrs: { stride, padding } }) => apply(conv2dGradInput, [dy, g], { stride, padding, shape: x.shape.slice() }),
    (g, { inputs: [x], attrs: { stride, padding } }) => apply(conv2dOp, [x, g], { stride, padding }),
  ],
  reference: ([x, dy], attrs) => referenceConvGrad(dy, x, attrs, 'w'),
  latex: { forward: '\\bar{W} = \\sum_{n} \\bar{Y}_n \\star X_n', grads: [] },
  cases: [
    { label: 'stride 1', inputs: [{ shape: [2, 2, 5, 5] }, { shape: [2, 3, 3, 3] }], attrs: { stride: [1, 1], padding: [0, 0], shape: [3, 2, 3, 3] } },
    { label: 'stride 2, padding 1', inputs: [{ shape: [1, 2, 6, 5] }, { shape: [1, 2, 3, 3] }], attrs: { stride: [2, 2], padding: [1, 1], shape: [2, 2, 3, 3] } },
  ],
});

/** Independent reference for both conv2d gradients: every (output, tap) pair by 4-D coordinates, padding by bounds. */
function referenceConvGrad(dy: Plain, other: Plain, { stride, padding, shape }: ConvGradAttrs, of: 'x' | 'w'): Plain {
  const xShape = of === 'x' ? shape : other.shape;
  const wShape = of === 'w' ? shape : other.shape;
  const [N, C, H, W] = xShape;
  const [O, , KH, KW] = wShape;
  const [, , OH, OW] = dy.shape;
  const out = new Array<number>(sizeOf(shape)).fill(0);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++)
          for (let c = 0; c < C; c++)
            for (let p = 0; p < KH; p++)
              for (let q = 0; q < KW; q++) {
                const r = i * stride[0] + p - padding[0];
                const t = j * stride[1] + q - padding[1];
                if (r < 0 || r >= H || t < 0 || t >= W) continue;
                const g = dy.data[((n * O + o) * OH + i) * OW + j];
                const xi = ((n * C + c) * H + r) * W + t;
                const wi = ((o * C + c) * KH + p) * KW + q;
                if (of === 'x') out[xi] += g * other.data[wi];
                else out[wi] += g * other.data[xi];
              }
  return { data: out, shape };
}

const conv2dOp = registerOp<ConvAttrs>({
  name: 'conv2d',
  family: 'layer',
  inputs: ['x', 'w'],
  summary: '2-D cross-correlation of x[N,C,H,W] with w[O,C,kh,kw], with stride and zero padding.',
  forward: ([x, w], attrs) => {
    const g = convGeometry(x, w, attrs);
    const y = allocate('conv2d', g.N * g.O * g.OH * g.OW);
    const xd = x.data;
    const wd = w.data;
    forEachTap(g, (yi, xi, wi) => {
      y[yi] += xd[xi] * wd[wi];
    });
    return new Tensor(y, [g.N, g.O, g.OH, g.OW]);
  },
  vjp: [
    (dy, { inputs: [x, w], attrs }) => apply(conv2dGradInput, [dy, w], { ...attrs, shape: x.shape.slice() }),
    (dy, { inputs: [x, w], attrs }) => apply(conv2dGradWeight, [x, dy], { ...attrs, shape: w.shape.slice() }),
  ],
  latex: {
    forward: 'Y_{n,o} = \\sum_{c} X_{n,c} \\star W_{o,c}',
    grads: [
      '\\bar{X}_{n,c} = \\sum_{o} \\bar{Y}_{n,o} \\ast_{\\text{full}} W_{o,c} \\quad \\text{(a transposed convolution)}',
      '\\bar{W} = \\sum_{n} \\bar{Y}_n \\star X_n',
    ],
    shapes: 'X \\in \\mathbb{R}^{N \\times C \\times H \\times W},\\ W \\in \\mathbb{R}^{O \\times C \\times k_h \\times k_w}',
  },
  test: {
    cases: [
      { label: 'stride 1, no padding', inputs: [{ shape: [2, 2, 5, 5] }, { shape: [3, 2, 3, 3] }], attrs: { stride: [1, 1], padding: [0, 0] } },
      { label: 'stride 2, padding 1', inputs: [{ shape: [1, 2, 6, 5] }, { shape: [2, 2, 3, 3] }], attrs: { stride: [2, 2], padding: [1, 1] } },
      { label: 'rectangular kernel, stride 2x1, padding 0x2', inputs: [{ shape: [2, 1, 5, 4] }, { shape: [2, 1, 2, 3] }], attrs: { stride: [2, 1], padding: [0, 2] } },
    ],
    reference: ([x, w], attrs) => referenceConv(x, w, attrs),
  },
});

// ---------------------------------------------------------------- pooling

interface PoolAttrs {
  kernel: Pair;
  stride: Pair;
}

function poolGeometry(op: string, x: Shaped, { kernel, stride }: PoolAttrs) {
  if (x.ndim !== 4) throw new GradlensError(op, `input must be 4-D [N,C,H,W], got shape ${fmtShape(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const OH = windows(H, kernel[0], stride[0], 0);
  const OW = windows(W, kernel[1], stride[1], 0);
  if (OH === null || OW === null) {
    throw new GradlensError(op, `window ${kernel.join('x')} does not fit input ${fmtShape(x.shape)}`);
  }
  return { planes: N * C, H, W, OH, OW, KH: kernel[0], KW: kernel[1], SH: stride[0], SW: stride[1], outShape: [N, C, OH, OW] };
}

type PoolGeometry = ReturnType<typeof poolGeometry>;

/** Calls `window(yi, taps)` per output element with the flat input indices its window covers. */
function forEachWindow(g: PoolGeometry, window: (yi: number, taps: number[]) => void): void {
  const taps = new Array<number>(g.KH * g.KW);
  let yi = 0;
  for (let pl = 0; pl < g.planes; pl++) {
    for (let i = 0; i < g.OH; i++) {
      for (let j = 0; j < g.OW; j++) {
        let t = 0;
        for (let p = 0; p < g.KH; p++) for (let q = 0; q < g.KW; q++) taps[t++] = (pl * g.H + i * g.SH + p) * g.W + j * g.SW + q;
        window(yi++, taps);
      }
    }
  }
}

/** Independent reference for both pools: windows enumerated by 4-D coordinates. */
function referencePool(x: Plain, { kernel, stride }: PoolAttrs, reduce: (vals: number[]) => number): Plain {
  const [N, C, H, W] = x.shape;
  const OH = Math.floor((H - kernel[0]) / stride[0]) + 1;
  const OW = Math.floor((W - kernel[1]) / stride[1]) + 1;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const vals: number[] = [];
          for (let p = 0; p < kernel[0]; p++)
            for (let q = 0; q < kernel[1]; q++) vals.push(x.data[((n * C + c) * H + i * stride[0] + p) * W + j * stride[1] + q]);
          out.push(reduce(vals));
        }
  return { data: out, shape: [N, C, OH, OW] };
}

const poolCases = [
  { label: 'stride = k', inputs: [{ shape: [2, 2, 4, 6] }], attrs: { kernel: [2, 2] as Pair, stride: [2, 2] as Pair } },
  { label: 'overlapping windows, stride 1 < k 2', inputs: [{ shape: [1, 2, 4, 4] }], attrs: { kernel: [2, 2] as Pair, stride: [1, 1] as Pair } },
  { label: 'k 3, stride 2 (overlap of one), ragged edge', inputs: [{ shape: [1, 1, 6, 7] }], attrs: { kernel: [3, 3] as Pair, stride: [2, 2] as Pair } },
  { label: 'gaps between windows: k 2, stride 3; rectangular k 1x2', inputs: [{ shape: [1, 2, 5, 8] }], attrs: { kernel: [1, 2] as Pair, stride: [3, 3] as Pair } },
];

const maxPool2dOp = registerOp<PoolAttrs>({
  name: 'maxPool2d',
  family: 'layer',
  inputs: ['x'],
  summary: 'Maximum over each k×k window; the gradient goes to the (first) maximum of each window.',
  forward: ([x], attrs, save) => {
    const g = poolGeometry('maxPool2d', x, attrs);
    const y = zeroedValues(sizeOf(g.outShape));
    const argmax = zeroedValues(y.length);
    const xd = x.data;
    forEachWindow(g, (yi, taps) => {
      let best = taps[0];
      for (const t of taps) {
        if (Number.isNaN(xd[best])) break; // a NaN wins the window, so it propagates
        if (Number.isNaN(xd[t]) || xd[t] > xd[best]) best = t;
      }
      y[yi] = xd[best];
      argmax[yi] = best;
    });
    save('argmax', new Tensor(argmax, g.outShape));
    return new Tensor(y, g.outShape);
  },
  vjp: [
    // Overlapping windows can share a maximum: the scatter adds, never overwrites.
    (dy, { inputs: [x], saved: { argmax } }) => scatterRows(dy, argmax, x.size, x.shape),
  ],
  latex: {
    forward: 'y_{w} = \\max_{i \\in w} x_i',
    grads: ['\\bar{x}_i = \\sum_{w:\\ i = \\operatorname{argmax}_{w}} \\bar{y}_{w}'],
    shapes: 'x \\in \\mathbb{R}^{N \\times C \\times H \\times W}',
  },
  test: { cases: poolCases, reference: ([x], attrs) => referencePool(x, attrs, (v) => v.reduce((a, b) => (a >= b || Number.isNaN(a) ? a : b))) },
});

interface PoolGradAttrs extends PoolAttrs {
  shape: number[];
}

/** avgPool2d's VJP: each window's dy shared equally among its taps. Linear, its own VJP is avgPool2d. */
const avgPool2dBackward: OpDefOf<PoolGradAttrs> = registerBackwardOp<PoolGradAttrs>({
  name: 'avgPool2dBackward',
  backwardOf: 'avgPool2d',
  inputs: ['dy'],
  differentiable: [true],
  summary: "avgPool2d's VJP: each window's upstream gradient shared equally among the pixels it covers.",
  kernel: ([dy], attrs) => {
    const g = poolGeometry('avgPool2d', shaped(attrs.shape), attrs);
    const dx = zeroedValues(sizeOf(attrs.shape));
    forEachWindow(g, (yi, taps) => {
      const share = dy.data[yi] / taps.length;
      for (const t of taps) dx[t] += share;
    });
    return new Tensor(dx, attrs.shape.slice());
  },
  vjp: [(g, { attrs: { kernel, stride } }) => apply(avgPool2dOp, [g], { kernel, stride })],
  reference: ([dy], { kernel, stride, shape }) => {
    const [N, C, H, W] = shape;
    const [, , OH, OW] = dy.shape;
    const out = new Array<number>(sizeOf(shape)).fill(0);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < OH; i++)
          for (let j = 0; j < OW; j++)
            for (let p = 0; p < kernel[0]; p++)
              for (let q = 0; q < kernel[1]; q++) out[((n * C + c) * H + i * stride[0] + p) * W + j * stride[1] + q] += dy.data[((n * C + c) * OH + i) * OW + j] / (kernel[0] * kernel[1]);
    return { data: out, shape };
  },
  latex: { forward: '\\bar{x}_i = \\frac{1}{k^2} \\sum_{w \\ni i} \\bar{y}_{w}', grads: [] },
  cases: [
    { label: 'overlapping windows', inputs: [{ shape: [1, 2, 3, 3] }], attrs: { kernel: [2, 2], stride: [1, 1], shape: [1, 2, 4, 4] } },
    { label: 'gaps between windows', inputs: [{ shape: [1, 1, 2, 3] }], attrs: { kernel: [1, 2], stride: [3, 3], shape: [1, 1, 5, 8] } },
  ],
});

const avgPool2dOp = registerOp<PoolAttrs>({
  name: 'avgPool2d',
  family: 'layer',
  inputs: ['x'],
  summary: 'Mean over each k×k window.',
  forward: ([x], attrs) => {
    const g = poolGeometry('avgPool2d', x, attrs);
    const y = zeroedValues(sizeOf(g.outShape));
    const xd = x.data;
    forEachWindow(g, (yi, taps) => {
      let s = 0;
      for (const t of taps) s += xd[t];
      y[yi] = s / taps.length;
    });
    return new Tensor(y, g.outShape);
  },
  vjp: [
    (dy, { inputs: [x], attrs }) => apply(avgPool2dBackward, [dy], { ...attrs, shape: x.shape.slice() }),
  ],
  latex: {
    forward: 'y_{w} = \\frac{1}{k^2} \\sum_{i \\in w} x_i',
    grads: ['\\bar{x}_i = \\frac{1}{k^2} \\sum_{w \\ni i} \\bar{y}_{w}'],
    shapes: 'x \\in \\mathbb{R}^{N \\times C \\times H \\times W}',
  },
  test: { cases: poolCases, reference: ([x], attrs) => referencePool(x, attrs, (v) => v.reduce((a, b) => a + b, 0) / v.length) },
});

// ---------------------------------------------------------------- embedding

type NoAttrs = Record<string, never>;
const none: NoAttrs = {};

/** Checks every index against the table; returns them as whole numbers. */
function checkIndices(weight: Tensor, indices: Tensor): Float64Array {
  const V = weight.shape[0];
  const d = indices.data;
  for (let k = 0; k < d.length; k++) {
    const ix = d[k];
    if (!Number.isInteger(ix)) {
      throw new GradlensError('embedding', `index ${ix} at position ${k} of indices ${fmtShape(indices.shape)} is not a whole number`);
    }
    if (ix < 0 || ix >= V) {
      throw new GradlensError('embedding', `index ${ix} at position ${k} of indices ${fmtShape(indices.shape)} is out of range for weight ${fmtShape(weight.shape)} (${V} rows)`);
    }
  }
  return d;
}

const embeddingOp = registerOp<NoAttrs>({
  name: 'embedding',
  family: 'layer',
  inputs: ['weight', 'indices'],
  summary: 'Row lookup (a gather): out[..., :] = weight[indices[...], :]. Indices are not differentiated.',
  forward: ([weight, indices]) => {
    if (weight.ndim !== 2) throw new GradlensError('embedding', `weight must be 2-D [V,D], got shape ${fmtShape(weight.shape)}`);
    const D = weight.shape[1];
    const ix = checkIndices(weight, indices);
    const out = allocate('embedding', ix.length * D);
    for (let k = 0; k < ix.length; k++) out.set(weight.data.subarray(ix[k] * D, ix[k] * D + D), k * D);
    return new Tensor(out, [...indices.shape, D]);
  },
  vjp: [
    // Scatter-add: a row looked up several times receives the sum of its upstream gradients.
    (dy, { inputs: [weight, indices] }) => scatterRows(dy, indices, weight.shape[0], weight.shape),
    null,
  ],
  latex: {
    forward: 'Y_{k,:} = W_{i_k,:}',
    grads: ['\\bar{W} = \\sum_{k} e_{i_k} \\bar{Y}_{k,:} \\quad \\text{(scatter-add: } \\bar{W}_{v,:} = \\textstyle\\sum_{k:\\,i_k = v} \\bar{Y}_{k,:}\\text{)}'],
    shapes: 'W \\in \\mathbb{R}^{V \\times D},\\ i \\in \\{0..V-1\\}^{K}',
  },
  test: {
    cases: [
      { label: 'vector of indices (with repeats)', inputs: [{ shape: [4, 3] }, { shape: [7], intHigh: 4 }] },
      // This draw uses row 0 (the NaN test poisons weight[0,0]) and leaves row 2 unused.
      { label: '3-D indices', inputs: [{ shape: [6, 2] }, { shape: [2, 3, 2], intHigh: 6 }] },
    ],
    reference: ([w, ix]) => {
      const D = w.shape[1];
      const out: number[] = [];
      for (const i of Array.from(ix.data)) for (let j = 0; j < D; j++) out.push(w.data[i * D + j]);
      return { data: out, shape: [...ix.shape, D] };
    },
  },
});

// ---------------------------------------------------------------- layerNorm

interface LayerNormAttrs {
  eps: number;
}

function checkLayerNorm(x: Tensor, gamma: Tensor, beta: Tensor): number {
  if (x.ndim < 1) throw new GradlensError('layerNorm', `input must have at least one axis, got shape ${fmtShape(x.shape)}`);
  const D = x.shape[x.ndim - 1];
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.ndim !== 1 || t.shape[0] !== D) {
      throw new GradlensError('layerNorm', `${name} must have shape [${D}] to match the last axis of input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`);
    }
  }
  return D;
}

/** x̂ = (x − μ)/√(σ² + ε) over the last axis, from registry ops: the backward ops' composites. */
function normalised(x: Tensor, eps: number): { xhat: Tensor; rstd: Tensor } {
  const centred = sub(x, mean(x, -1, true));
  const rstd = pow(add(mean(mul(centred, centred), -1, true), eps), -0.5);
  return { xhat: mul(centred, rstd), rstd };
}

/**
 * layerNorm's input gradient rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)), g = dy ⊙ γ: the exact
 * Jacobian-vector product of normalisation, in terms of x̂ (bounded), so no large intermediates
 * appear. The kernel reads the x̂ and 1/σ forward saved (inputs without a gradient); the
 * composite recomputes them from x, so the second order sees how they move with x.
 */
const layerNormGradInput: OpDefOf<LayerNormAttrs> = registerBackwardOp<LayerNormAttrs>({
  name: 'layerNormGradInput',
  backwardOf: 'layerNorm',
  inputs: ['dy', 'x', 'gamma', 'xhat', 'rstd'],
  differentiable: [true, true, true, false, false],
  summary: "layerNorm's input gradient, as one loop over the saved x̂ and 1/σ.",
  kernel: ([dy, x, gamma, xhat, rstd]) => {
    const D = x.shape[x.ndim - 1];
    const dx = zeroedValues(x.size);
    const g = zeroedValues(D);
    for (let r = 0; r < rstd.size; r++) {
      const o = r * D;
      let m1 = 0;
      let m2 = 0;
      for (let j = 0; j < D; j++) {
        g[j] = dy.data[o + j] * gamma.data[j];
        m1 += g[j];
        m2 += g[j] * xhat.data[o + j];
      }
      m1 /= D;
      m2 /= D;
      for (let j = 0; j < D; j++) dx[o + j] = rstd.data[r] * (g[j] - m1 - xhat.data[o + j] * m2);
    }
    return new Tensor(dx, x.shape.slice());
  },
  composite: ([dy, x, gamma], { eps }) => {
    const { xhat, rstd } = normalised(x, eps);
    const g = mul(dy, gamma);
    return mul(rstd, sub(sub(g, mean(g, -1, true)), mul(xhat, mean(mul(g, xhat), -1, true))));
  },
  latex: { forward: '\\bar{x} = \\frac{1}{\\sqrt{\\sigma^{2}+\\epsilon}} \\left( g - \\overline{g} - \\hat{x} \\odot \\overline{g \\odot \\hat{x}} \\right)', grads: [] },
  cases: [],
  tol: 1e-10,
});

/** layerNorm's γ gradient dy ⊙ x̂ (in the output's shape), x̂ recomputed from x in the composite. */
const layerNormGradGamma: OpDefOf<LayerNormAttrs> = registerBackwardOp<LayerNormAttrs>({
  name: 'layerNormGradGamma',
  backwardOf: 'layerNorm',
  inputs: ['dy', 'x', 'xhat'],
  differentiable: [true, true, false],
  summary: "layerNorm's gamma gradient dy ⊙ x̂, before the tape sums it over the rows.",
  kernel: ([dy, , xhat]) => {
    const out = zeroedValues(dy.size);
    for (let i = 0; i < out.length; i++) out[i] = dy.data[i] * xhat.data[i];
    return new Tensor(out, dy.shape.slice());
  },
  composite: ([dy, x], { eps }) => mul(dy, normalised(x, eps).xhat),
  latex: { forward: '\\bar{\\gamma} = \\bar{y} \\odot \\hat{x}', grads: [] },
  cases: [],
  tol: 1e-10,
});

const layerNormOp = registerOp<LayerNormAttrs>({
  name: 'layerNorm',
  family: 'layer',
  inputs: ['x', 'gamma', 'beta'],
  summary: 'Normalises over the last axis (two-pass mean and biased variance), then scales by gamma and shifts by beta.',
  forward: ([x, gamma, beta], { eps }, save) => {
    const D = checkLayerNorm(x, gamma, beta);
    const rows = D === 0 ? 0 : x.size / D;
    const xhat = zeroedValues(x.size);
    const rstd = zeroedValues(rows);
    const y = zeroedValues(x.size);
    for (let r = 0; r < rows; r++) {
      const o = r * D;
      let mu = 0;
      for (let j = 0; j < D; j++) mu += x.data[o + j];
      mu /= D;
      // Two passes: the variance of centred values does not cancel catastrophically.
      let v = 0;
      for (let j = 0; j < D; j++) v += (x.data[o + j] - mu) ** 2;
      rstd[r] = 1 / Math.sqrt(v / D + eps);
      for (let j = 0; j < D; j++) {
        xhat[o + j] = (x.data[o + j] - mu) * rstd[r];
        y[o + j] = gamma.data[j] * xhat[o + j] + beta.data[j];
      }
    }
    save('xhat', new Tensor(xhat, x.shape.slice()));
    save('rstd', new Tensor(rstd, [rows]));
    return new Tensor(y, x.shape.slice());
  },
  vjp: [
    (dy, { inputs: [x, gamma], saved: { xhat, rstd }, attrs }) => apply(layerNormGradInput, [dy, x, gamma, xhat, rstd], attrs),
    // In the output's shape: the tape sums it over the leading axes down to [D].
    (dy, { inputs: [x], saved: { xhat }, attrs }) => apply(layerNormGradGamma, [dy, x, xhat], attrs),
    (dy) => dy,
  ],
  latex: {
    forward: 'y = \\gamma \\odot \\hat{x} + \\beta,\\quad \\hat{x} = \\frac{x - \\mu}{\\sqrt{\\sigma^{2} + \\epsilon}}',
    grads: [
      '\\bar{x} = \\frac{1}{\\sqrt{\\sigma^{2}+\\epsilon}} \\left( g - \\overline{g} - \\hat{x} \\odot \\overline{g \\odot \\hat{x}} \\right),\\ g = \\bar{y} \\odot \\gamma',
      '\\bar{\\gamma} = \\sum_{\\text{rows}} \\bar{y} \\odot \\hat{x}',
      '\\bar{\\beta} = \\sum_{\\text{rows}} \\bar{y}',
    ],
    shapes: 'x \\in \\mathbb{R}^{\\dots \\times D},\\ \\gamma, \\beta \\in \\mathbb{R}^{D};\\ \\mu, \\sigma^{2}, \\overline{\\cdot} \\text{ are means over the last axis}',
  },
  test: {
    cases: [
      { label: 'matrix', inputs: [{ shape: [3, 5] }, { shape: [5] }, { shape: [5] }], attrs: { eps: 1e-5 } },
      { label: '3-D input, larger eps', inputs: [{ shape: [2, 3, 4] }, { shape: [4] }, { shape: [4] }], attrs: { eps: 0.1 } },
    ],
    tol: 1e-10,
    reference: ([x, gamma, beta], { eps }) => {
      const D = x.shape[x.shape.length - 1];
      const out: number[] = [];
      for (let o = 0; o < x.data.length; o += D) {
        const row = Array.from(x.data.slice(o, o + D));
        const mu = row.reduce((a, b) => a + b, 0) / D;
        const variance = row.reduce((a, b) => a + (b - mu) * (b - mu), 0) / D;
        row.forEach((v, j) => out.push(gamma.data[j] * ((v - mu) / Math.sqrt(variance + eps)) + beta.data[j]));
      }
      return { data: out, shape: x.shape };
    },
  },
});

// ---------------------------------------------------------------- wrappers

function pair(op: string, what: string, v: number | readonly number[], min: number): Pair {
  const p = (typeof v === 'number' ? [v, v] : [...v]) as number[];
  if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < min)) {
    throw new GradlensError(op, `${what} must be a whole number >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  /** One value per output channel, added to every position of that channel. */
  bias?: Tensor;
}

/** 2-D convolution (cross-correlation, as in every DL framework) of x[N,C,H,W] with w[O,C,kh,kw]. */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const attrs = { stride: pair('conv2d', 'stride', opts.stride ?? 1, 1), padding: pair('conv2d', 'padding', opts.padding ?? 0, 0) };
  const y = apply(conv2dOp, [x, w], attrs);
  if (opts.bias === undefined) return y;
  const O = w.shape[0];
  if (!(opts.bias instanceof Tensor) || opts.bias.ndim !== 1 || opts.bias.shape[0] !== O) {
    const got = opts.bias instanceof Tensor ? fmtShape(opts.bias.shape) : typeof opts.bias;
    throw new GradlensError('conv2d', `bias must have shape [${O}] (one per output channel of weight ${fmtShape(w.shape)}), got ${got}`);
  }
  // Broadcast [O] as [O,1,1] over [N,O,OH,OW]: the bias gradient comes back through the tape.
  return add(y, reshape(opts.bias, [O, 1, 1]));
}

function pool(op: typeof maxPool2dOp, x: Tensor, k: number | readonly [number, number], stride?: number | readonly [number, number]): Tensor {
  const kernel = pair(op.name, 'kernel size', k, 1);
  return apply(op, [x], { kernel, stride: stride === undefined ? kernel : pair(op.name, 'stride', stride, 1) });
}

/** Max over k×k windows of x[N,C,H,W]; stride defaults to k (non-overlapping). */
export function maxPool2d(x: Tensor, k: number | readonly [number, number], stride?: number | readonly [number, number]): Tensor {
  return pool(maxPool2dOp, x, k, stride);
}

/** Mean over k×k windows of x[N,C,H,W]; stride defaults to k (non-overlapping). */
export function avgPool2d(x: Tensor, k: number | readonly [number, number], stride?: number | readonly [number, number]): Tensor {
  return pool(avgPool2dOp, x, k, stride);
}

/** Rows of weight[V,D] picked by whole-number indices of any shape: the result is indices.shape + [D]. */
export function embedding(weight: Tensor, indices: Tensor | NestedArray): Tensor {
  const ix = indices instanceof Tensor ? indices : tensor(indices);
  return apply(embeddingOp, [weight, ix], none);
}

/** Layer normalisation over the last axis; gamma defaults to ones and beta to zeros (constants). */
export function layerNorm(x: Tensor, gamma?: Tensor, beta?: Tensor, eps = 1e-5): Tensor {
  if (!(x instanceof Tensor)) throw new GradlensError('layerNorm', `expected a tensor input, got ${typeof x}`);
  if (typeof eps !== 'number' || !(eps >= 0)) throw new GradlensError('layerNorm', `eps must be a number >= 0, got ${eps}`);
  const D: Shape = [x.shape[x.ndim - 1] ?? 1];
  return apply(layerNormOp, [x, gamma ?? ones(D), beta ?? zeros(D)], { eps });
}
