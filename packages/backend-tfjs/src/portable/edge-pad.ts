import type { Pads } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { apply, type LowerContext } from "../lowering.js";

/**
 * Pads H and W by repeating the border rows and columns (Cropping2D of the edge, Concatenate), with
 * built-in layers. A max over a window that reaches into such padding sees only copies of elements the
 * window already covers, so it equals the max over the real elements (pads excluded, as the reference's
 * -inf padding does); a lerp between an edge and its copy is the edge (bilinear's clamp).
 */
export function edgePad(ctx: LowerContext, x: tf.SymbolicTensor, pads: Pads): tf.SymbolicTensor {
  let out = x;
  const sides: [keyof Pads, 1 | 2][] = [
    ["top", 1],
    ["bottom", 1],
    ["left", 2],
    ["right", 2],
  ];
  for (const [side, axis] of sides) {
    const p = pads[side];
    if (p === 0) continue;
    const [, h = 0, w = 0] = out.shape;
    const len = axis === 1 ? (h ?? 0) : (w ?? 0);
    const keep: [number, number] = side === "top" || side === "left" ? [0, len - 1] : [len - 1, 0];
    const cropping: [[number, number], [number, number]] = axis === 1 ? [keep, [0, 0]] : [[0, 0], keep];
    const edge = apply(tf.layers.cropping2D({ name: ctx.name(`edge_${side}`), cropping }), out);
    const copies = Array.from({ length: p }, () => edge);
    const parts = side === "top" || side === "left" ? [...copies, out] : [out, ...copies];
    out = apply(tf.layers.concatenate({ name: ctx.name(`pad_${side}`), axis }), parts);
  }
  return out;
}
