import { z } from "zod";
import { idSchema } from "../document/document.js";
import { formatShape } from "../shape.js";
import { checkPositiveOutput, checkRank, explicitPads, inputLabel, nodeLabel, toPads } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z
  .strictObject({
    /** Centre-crop to this node's H and W. */
    like: idSchema.optional(),
    /** Explicit [t,b,l,r] (or one int for all four) to remove. */
    cropping: explicitPads.optional(),
  })
  .refine((p) => (p.like === undefined) !== (p.cropping === undefined), {
    message: "crop needs exactly one of `like` (a node id) or `cropping` ([t,b,l,r])",
  });
export type CropParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const crop = defineOp({
  kind: "crop",
  category: "primitive",
  doc: "Spatial crop: like (centre crop to a node's H,W, offset floor((H-h)/2)) or cropping [t,b,l,r]: [H,W,C] -> [h,w,C]; 0 MACs, 0 flops.",
  details:
    "Spatial crop: `like` centre-crops to another node's H,W with offsets floor((H-h)/2), floor((W-w)/2) (U-Net's skip crop, Ronneberger et al., 2015); `cropping` removes [t,b,l,r]. The `like` node becomes an extra input after the data input (only its H,W are used). Shape: [H,W,C] -> [h,w,C]. 0 params, 0 MACs, 0 flops (a copy).",
  params,
  arity: 1,
  refs: (p) => (p.like !== undefined ? [p.like] : []),
  inferShape([x, like], p, ctx) {
    if (!checkRank(ctx, "crop", x, 3, "[H,W,C]")) return undefined;
    const [h = 0, w = 0, c = 0] = x;
    if (p.cropping !== undefined) {
      const { top, bottom, left, right } = toPads(p.cropping);
      const out = [h - top - bottom, w - left - right, c];
      return checkPositiveOutput(ctx, "crop", x, out, ["cropping"], "crop less than the input's size")
        ? out
        : undefined;
    }
    if (
      !checkRank(ctx, "crop", like, 3, "[h,w,C]", {
        index: 1,
        path: ["like"],
        hint: "`like` must name an image-like node",
      })
    )
      return undefined;
    const [lh = 0, lw = 0] = like;
    if (lh > h || lw > w) {
      ctx.issue(
        "shape_mismatch",
        `${nodeLabel(ctx, "crop")}: like "${p.like}" has H,W ${lh}x${lw}, larger than ${inputLabel(ctx, 0)} of shape ${formatShape(x)}`,
        {
          path: ["like"],
          expected: `H,W at most ${h}x${w}`,
          received: `${lh}x${lw}`,
          hint: "crop the larger tensor to the smaller one (swap input and like), or use zeroPad/upsample",
        },
      );
      return undefined;
    }
    return [lh, lw, c];
  },
  weights: () => [],
  macs: () => 0,
  flops: () => 0,
});

/** Top and left offsets of a centre crop from [H,W] to [h,w]: floor((H-h)/2), floor((W-w)/2). */
export function centreCropOffsets(from: readonly number[], to: readonly number[]): [number, number] {
  return [Math.floor(((from[0] ?? 0) - (to[0] ?? 0)) / 2), Math.floor(((from[1] ?? 0) - (to[1] ?? 0)) / 2)];
}
