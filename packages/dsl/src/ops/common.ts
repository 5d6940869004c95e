import { z } from "zod";

/** An int, or a pair [h, w]; a single int means the same value on both spatial axes. */
export const pair = z.union([
  z.number().int().positive(),
  z.tuple([z.number().int().positive(), z.number().int().positive()]),
]);
export type Pair = z.infer<typeof pair>;

export function toPair(p: Pair): [number, number] {
  return typeof p === "number" ? [p, p] : [p[0], p[1]];
}

/**
 * Spatial padding: `same` (TF's rule, extra pixel at the end), `valid`, or explicit
 * `[top, bottom, left, right]` (or one int for all four).
 */
export const padding = z.union([
  z.enum(["same", "valid"]),
  z.number().int().nonnegative(),
  z.tuple([
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
    z.number().int().nonnegative(),
  ]),
]);
export type Padding = z.infer<typeof padding>;

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Output size and pads along one axis; one rule shared by conv, pooling and every backend. */
export function windowAxis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: "same" | "valid" | [number, number],
): { out: number; before: number; after: number } {
  const eff = (kernel - 1) * dilation + 1;
  if (pad === "valid") return { out: Math.floor((size - eff) / stride) + 1, before: 0, after: 0 };
  if (pad === "same") {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + eff - size);
    const before = Math.floor(total / 2);
    return { out, before, after: total - before };
  }
  const [before, after] = pad;
  return { out: Math.floor((size + before + after - eff) / stride) + 1, before, after };
}

/** Resolves `padding` for a 2-D window into output size and explicit pads. */
export function window2d(
  [h, w]: readonly [number, number],
  kernel: Pair,
  strides: Pair,
  dilation: Pair,
  pad: Padding,
): { outH: number; outW: number; pads: Pads } {
  const [kh, kw] = toPair(kernel);
  const [sh, sw] = toPair(strides);
  const [dh, dw] = toPair(dilation);
  const p4 = typeof pad === "number" ? [pad, pad, pad, pad] : pad;
  const ph = typeof p4 === "string" ? p4 : ([p4[0], p4[1]] as [number, number]);
  const pw = typeof p4 === "string" ? p4 : ([p4[2], p4[3]] as [number, number]);
  const y = windowAxis(h, kh, sh, dh, ph);
  const x = windowAxis(w, kw, sw, dw, pw);
  return {
    outH: y.out,
    outW: x.out,
    pads: { top: y.before, bottom: y.after, left: x.before, right: x.after },
  };
}
