import { z } from "zod";
import { LIMITS } from "../limits.js";
import { windowAxis } from "../rules.js";
import { formatShape, numel, type Shape, sameShape } from "../shape.js";
import type { OpCategory, OpContext, WeightSpec } from "./define-op.js";

export { windowAxis };

/** An int, or a pair [h, w]; a single int means the same value on both spatial axes. */
export const pair = z.union([
  z.number().int().positive(),
  z.tuple([z.number().int().positive(), z.number().int().positive()]),
]);
export type Pair = z.infer<typeof pair>;

export function toPair(p: Pair): [number, number] {
  return typeof p === "number" ? [p, p] : [p[0], p[1]];
}

/** Explicit spatial pads `[top, bottom, left, right]`, or one int for all four. */
export const explicitPads = z.union([
  z.number().int().nonnegative(),
  z.tuple([
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
  ]),
]);
export type ExplicitPads = z.infer<typeof explicitPads>;

/**
 * Spatial padding: `same` (TF's rule, extra pixel at the end), `valid`, or explicit
 * `[top, bottom, left, right]` (or one int for all four).
 */
export const padding = z.union([z.enum(["same", "valid"]), explicitPads]);
export type Padding = z.infer<typeof padding>;

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export function toPads(p: ExplicitPads): Pads {
  const [top, bottom, left, right] = typeof p === "number" ? [p, p, p, p] : p;
  return { top, bottom, left, right };
}

/** One axis of `padding`: a mode, or explicit [before, after]. */
type AxisPad = "same" | "valid" | [number, number];

/** `padding` split per axis: the same mode on both, or [top, bottom] and [left, right]. */
function axisPads(pad: Padding): [AxisPad, AxisPad] {
  if (typeof pad === "string") return [pad, pad];
  const { top, bottom, left, right } = toPads(pad);
  return [
    [top, bottom],
    [left, right],
  ];
}

/** A 1-D window rule: output size and the pads it implies on one axis. */
type AxisRule = (
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: AxisPad,
) => { out: number; before: number; after: number };

/** `rule` applied to rows and columns, so 2-D forward and transposed windows split params one way. */
function window2dBy(
  [h, w]: readonly [number, number],
  kernel: Pair,
  strides: Pair,
  dilation: Pair,
  pad: Padding,
  rule: AxisRule,
): { outH: number; outW: number; pads: Pads } {
  const [kh, kw] = toPair(kernel);
  const [sh, sw] = toPair(strides);
  const [dh, dw] = toPair(dilation);
  const [ph, pw] = axisPads(pad);
  const y = rule(h, kh, sh, dh, ph);
  const x = rule(w, kw, sw, dw, pw);
  return {
    outH: y.out,
    outW: x.out,
    pads: { top: y.before, bottom: y.after, left: x.before, right: x.after },
  };
}

/** Resolves `padding` for a 2-D window into output size and explicit pads. */
export function window2d(
  hw: readonly [number, number],
  kernel: Pair,
  strides: Pair,
  dilation: Pair,
  pad: Padding,
  ceilMode = false,
): { outH: number; outW: number; pads: Pads } {
  return window2dBy(hw, kernel, strides, dilation, pad, (n, k, st, d, p) =>
    windowAxis(n, k, st, d, p, ceilMode),
  );
}

/**
 * Transposed convolution along one axis. The full output is `(size-1)*stride + (k-1)*dilation + 1`;
 * `before`/`after` are cropped from its two ends (a negative `after` means zeros appended, which TF's
 * `same` does when stride exceeds the window). `same` gives `size*stride`, with TF's pad split.
 */
export function transposeAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: AxisPad,
): { out: number; before: number; after: number } {
  const eff = (kernel - 1) * dilation + 1;
  const full = (size - 1) * stride + eff;
  if (pad === "same") {
    const out = size * stride;
    const before = Math.floor(Math.max(0, eff - stride) / 2);
    return { out, before, after: full - out - before };
  }
  const [before, after] = pad === "valid" ? [0, 0] : pad;
  return { out: full - before - after, before, after };
}

/** {@link transposeAxis} on both spatial axes. */
export function transposeWindow2d(
  hw: readonly [number, number],
  kernel: Pair,
  strides: Pair,
  dilation: Pair,
  pad: Padding,
): { outH: number; outW: number; pads: Pads } {
  return window2dBy(hw, kernel, strides, dilation, pad, transposeAxis);
}

/** `node "c1" (conv2d)` or `merge "p4" (add)`: how every message starts (one subject for nodes). */
export function nodeLabel(ctx: OpContext, kind: string, category: OpCategory = "primitive"): string {
  return `${category === "merge" ? "merge" : "node"} "${ctx.nodeId}" (${kind})`;
}

/** `input 2 "c3.lateral"` (1-based, as people count). */
export function inputLabel(ctx: OpContext, index: number): string {
  return `input ${index + 1} "${ctx.inputIds[index] ?? "?"}"`;
}

/** Spec path of data input `index`: `input` for single-input ops, `inputs[i]` otherwise. */
export function inputPath(index: number, single: boolean): (string | number)[] {
  return single ? ["input"] : ["inputs", index];
}

/**
 * Reports a `shape_mismatch` unless `shape` has rank `rank` (or at least `rank.min`).
 * `layout` names the dimensions for the message, e.g. `[H,W,C]`.
 */
export function checkRank(
  ctx: OpContext,
  kind: string,
  shape: Shape | undefined,
  rank: number | { min: number },
  layout: string,
  where: {
    index?: number;
    single?: boolean;
    category?: OpCategory;
    hint?: string;
    path?: (string | number)[];
  } = {},
): shape is Shape {
  const s = shape ?? [];
  const ok = typeof rank === "number" ? s.length === rank : s.length >= rank.min;
  if (shape !== undefined && ok) return true;
  const index = where.index ?? 0;
  const single = where.single ?? true;
  const expected = typeof rank === "number" ? `rank ${rank} ${layout}` : `rank >= ${rank.min} ${layout}`;
  ctx.issue(
    "shape_mismatch",
    `${nodeLabel(ctx, kind, where.category)}: ${inputLabel(ctx, index)} has shape ${formatShape(s)}, expected ${expected}`,
    {
      path: where.path ?? inputPath(index, single),
      expected,
      received: formatShape(s),
      hint: where.hint ?? "feed a tensor of that rank (flatten, globalAvgPool or dense change rank)",
    },
  );
  return false;
}

/**
 * The shared rule of `add`, `multiply` and `weightedAdd`: every input has input 1's shape. Reports
 * one issue per offending input and returns the common shape, or undefined.
 */
export function checkSameShapes(
  ctx: OpContext,
  kind: string,
  category: OpCategory,
  inputs: readonly Shape[],
  hints: { channels: string; spatial: string } = {
    channels: "use conv1x1Add to project channels, or concat",
    spatial: "use conv1x1Add (projects channels and resizes), or crop/upsample the input first",
  },
): Shape | undefined {
  const first = inputs[0];
  if (!first) return undefined;
  let ok = true;
  inputs.forEach((s, i) => {
    if (i === 0 || sameShape(s, first)) return;
    ok = false;
    const c0 = first[first.length - 1];
    const ci = s[s.length - 1];
    const channelsOnly =
      s.length === first.length && s.slice(0, -1).every((d, j) => d === first[j]) && c0 !== ci;
    ctx.issue(
      "shape_mismatch",
      `${nodeLabel(ctx, kind, category)}: ${inputLabel(ctx, i)} has shape ${formatShape(s)}, expected ${formatShape(first)} like ${inputLabel(ctx, 0)}`,
      {
        path: ["inputs", i],
        expected: formatShape(first),
        received: formatShape(s),
        hint: channelsOnly ? hints.channels : hints.spatial,
      },
    );
  });
  return ok ? first : undefined;
}

/** Reports a `shape_mismatch` at `path` when a computed output dimension is below 1. */
export function checkPositiveOutput(
  ctx: OpContext,
  kind: string,
  input: Shape,
  out: Shape,
  path: (string | number)[],
  hint: string,
): boolean {
  if (out.every((d) => d >= 1)) return true;
  ctx.issue(
    "shape_mismatch",
    `${nodeLabel(ctx, kind)}: ${inputLabel(ctx, 0)} of shape ${formatShape(input)} gives an empty output ${formatShape(out)}`,
    { path, expected: "every output dimension >= 1", received: formatShape(out), hint },
  );
  return false;
}

/** Keras's glorot_uniform for a kernel whose last two axes are (fanIn-side, fanOut-side). */
export function kerasKernel(name: string, shape: Shape): WeightSpec {
  const receptive = numel(shape.slice(0, -2));
  const fanIn = (shape[shape.length - 2] ?? 1) * receptive;
  const fanOut = (shape[shape.length - 1] ?? 1) * receptive;
  return { name, shape, trainable: true, init: { kind: "glorotUniform", fanIn, fanOut } };
}

/** A trainable zero-initialised vector (Keras's bias default). */
export function zerosBias(name: string, size: number): WeightSpec {
  return { name, shape: [size], trainable: true, init: { kind: "zeros" } };
}

/** Total element count of a weight list. */
export function weightCount(weights: readonly WeightSpec[]): number {
  return weights.reduce((s, w) => s + numel(w.shape), 0);
}

/** Elementwise cost of activation functions, counting exp, add, multiply, divide and compare as 1 each. */
export const ACTIVATION_FLOPS = {
  /** max(x, 0) */
  relu: 1,
  /** max(x, alpha*x) */
  leakyRelu: 2,
  /** 1 / (1 + exp(-x)): exp, add, divide */
  sigmoid: 3,
  /** (1 - exp(-2x)) / (1 + exp(-2x)): multiply, exp, subtract, add, divide */
  tanh: 5,
  /** max, subtract, exp, sum, divide per element */
  softmax: 5,
} as const;

/** Params shared by conv2d and conv2dTranspose (conv2d adds `groups`, both then `useBias`). */
export const convFields = {
  filters: z.number().int().positive(),
  kernelSize: pair,
  strides: pair.default(1),
  padding: padding.default("valid"),
  dilation: pair.default(1),
};

/** Params shared by maxPool and avgPool; `strides` defaults to `poolSize` (resolve it with {@link poolStrides}). */
export const poolFields = {
  poolSize: pair.default(2),
  /** Defaults to `poolSize` (non-overlapping windows), as in Keras. */
  strides: pair.optional(),
  padding: padding.default("valid"),
  dilation: pair.default(1),
  ceilMode: z.boolean().default(false),
};
export interface PoolParams {
  poolSize: Pair;
  strides?: Pair | undefined;
  padding: Padding;
  dilation: Pair;
  ceilMode: boolean;
}

export function poolStrides(p: PoolParams): Pair {
  return p.strides ?? p.poolSize;
}

/** Output size and pads of a pooling window over [H,W,C]; the one rule of maxPool, avgPool and the backends. */
export function poolWindow(
  [h, w]: readonly number[],
  p: PoolParams,
): { outH: number; outW: number; pads: Pads } {
  return window2d([h ?? 0, w ?? 0], p.poolSize, poolStrides(p), p.dilation, p.padding, p.ceilMode);
}

/**
 * A window's padding, on each side, may exceed the input's extent along that axis by at most
 * `maxPadBeyondInput` of the call's limits (for `same`, where pads follow the kernel, and explicit pads alike): a 5x5
 * `same` conv on a 1x1 map is fine, a kernel of 10^9 on an 8x8 input (10^19 weights) is refused.
 */
export function checkPadsFit(
  ctx: OpContext,
  kind: string,
  x: Shape,
  pads: Pads,
  path: (string | number)[],
): boolean {
  const [h = 0, w = 0] = x;
  const worst = Math.max(pads.top - h, pads.bottom - h, pads.left - w, pads.right - w);
  if (worst <= (ctx.limits ?? LIMITS).maxPadBeyondInput) return true;
  ctx.issue(
    "shape_mismatch",
    `${nodeLabel(ctx, kind)}: padding ${pads.top},${pads.bottom},${pads.left},${pads.right} (top,bottom,left,right) is larger than ${inputLabel(ctx, 0)} of shape ${formatShape(x)}`,
    {
      path,
      expected: `at most ${h + (ctx.limits ?? LIMITS).maxPadBeyondInput} rows and ${w + (ctx.limits ?? LIMITS).maxPadBeyondInput} columns of padding per side`,
      hint: "the window is far larger than its input: use a smaller kernel or window",
    },
  );
  return false;
}

/**
 * Issues `shape_mismatch` at `path` when a window leaves less than 1x1 of output; `message` says why
 * (it differs between a window that does not fit and pads that crop everything).
 */
export function checkOutputFits(
  ctx: OpContext,
  { outH, outW }: { outH: number; outW: number },
  message: string,
  path: string,
  hint: string,
): boolean {
  if (outH >= 1 && outW >= 1) return true;
  ctx.issue("shape_mismatch", message, {
    path: [path],
    expected: "an output of at least 1x1",
    received: `${outH}x${outW}`,
    hint,
  });
  return false;
}

/** Conv flops: 2 per MAC, plus one bias add per output element when there is a bias. */
export function convFlops(macs: number, output: Shape, useBias: boolean): number {
  const [oh = 0, ow = 0, f = 0] = output;
  return 2 * macs + (useBias ? oh * ow * f : 0);
}

/** Shape rule of maxPool and avgPool: [H,W,C] -> [H',W',C]. */
export function poolShape(
  kind: string,
  x: Shape | undefined,
  p: PoolParams,
  ctx: OpContext,
): Shape | undefined {
  if (!checkRank(ctx, kind, x, 3, "[H,W,C]")) return undefined;
  const { outH, outW, pads } = poolWindow(x, p);
  if (!checkPadsFit(ctx, kind, x, pads, ["poolSize"])) return undefined;
  if (outH >= 1 && outW >= 1) return [outH, outW, x[2] ?? 0];
  const [kh, kw] = toPair(p.poolSize);
  ctx.issue(
    "shape_mismatch",
    `${nodeLabel(ctx, kind)}: window ${kh}x${kw} does not fit ${inputLabel(ctx, 0)} of shape ${formatShape(x)}`,
    {
      path: ["poolSize"],
      expected: "an output of at least 1x1",
      received: `${outH}x${outW}`,
      hint: "use padding: same, ceilMode: true, a smaller poolSize or a larger input",
    },
  );
  return undefined;
}
