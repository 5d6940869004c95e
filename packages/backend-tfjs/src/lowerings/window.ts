import { type Padding, type Pads, window2d } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { stridesDilationProblem } from "../compilable.js";
import { apply, type LowerContext, only, onlyShape } from "../lowering.js";

/**
 * The input of a windowed layer and the tfjs padding to give it: `valid` and `same` map to tfjs's
 * (both follow TF's rule, as the dsl does); explicit pads become a zeroPadding2d part named
 * `<id>/pad` followed by a `valid` window.
 */
export function paddedInput(
  ctx: LowerContext,
  pad: Padding,
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number],
): { x: tf.SymbolicTensor; padding: "valid" | "same" } {
  const x = only(ctx);
  if (pad === "valid" || pad === "same") return { x, padding: pad };
  const [h = 0, w = 0] = onlyShape(ctx);
  const { pads } = window2d([h, w], kernel, strides, dilation, pad);
  if (pads.top + pads.bottom + pads.left + pads.right === 0) return { x, padding: "valid" };
  return { x: zeroPad(ctx, x, pads, "pad"), padding: "valid" };
}

/** Keras's [[top, bottom], [left, right]]. */
function spatial(p: Pads): [[number, number], [number, number]] {
  return [
    [p.top, p.bottom],
    [p.left, p.right],
  ];
}

export function zeroPad(ctx: LowerContext, x: tf.SymbolicTensor, p: Pads, part?: string): tf.SymbolicTensor {
  return apply(tf.layers.zeroPadding2d({ name: ctx.name(part), padding: spatial(p) }), x);
}

export function cropping(ctx: LowerContext, x: tf.SymbolicTensor, p: Pads, part?: string): tf.SymbolicTensor {
  return apply(tf.layers.cropping2D({ name: ctx.name(part), cropping: spatial(p) }), x);
}

/** Fails naming the node when strides and dilation are both above 1 (the rule `checkCompilable` applies). */
export function checkStridesOrDilation(
  ctx: LowerContext,
  kind: string,
  strides: [number, number],
  dilation: [number, number],
): void {
  const p = stridesDilationProblem(kind, strides, dilation);
  if (p) ctx.fail("unsupported_params", p.message, p.hint);
}
