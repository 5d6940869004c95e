import { z } from "zod";
import { idSchema } from "../document/document.js";
import { numel } from "../shape.js";
import { checkRank, pair, toPair } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z
  .strictObject({
    /** Integer scale: one int or [fh, fw]. */
    factor: pair.optional(),
    /** Output [h, w]. */
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
    /** Resize to this node's H, W. */
    like: idSchema.optional(),
    mode: z.enum(["nearest", "bilinear"]).default("nearest"),
    /** Bilinear only: corner pixels aligned (src = dst*(in-1)/(out-1)) instead of half-pixel centres. */
    alignCorners: z.boolean().default(false),
  })
  .refine((p) => [p.factor, p.size, p.like].filter((v) => v !== undefined).length === 1, {
    message: "upsample needs exactly one of `factor`, `size` or `like`",
  })
  .refine((p) => !p.alignCorners || p.mode === "bilinear", {
    message: "alignCorners applies to mode: bilinear only",
    path: ["alignCorners"],
  });
export type UpsampleParams = z.infer<typeof params>;

/** Bilinear flops per output element: four weighted taps (4 multiplies, 3 adds). */
export const BILINEAR_FLOPS = 7;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const upsample = defineOp({
  kind: "upsample",
  category: "primitive",
  doc: "Resize [H,W,C] by factor, to size [h,w] or like a node's H,W; nearest (src floor(d*n/m)) or bilinear (half-pixel, or alignCorners); 0 MACs; bilinear 7 flops/output element.",
  details:
    "Spatial resize of [H,W,C] to [H*fh, W*fw, C] (`factor`), [h,w,C] (`size`) or another node's H,W (`like`, an extra input after the data input). Source coordinate of output index d on an axis of input size n and output size m: nearest floor(d*n/m); bilinear half-pixel (d+0.5)*n/m - 0.5 clamped at 0 (PyTorch/ONNX default), or with alignCorners d*(n-1)/(m-1). Any size works, smaller ones too. 0 params, 0 MACs; flops 0 (nearest) or 7 per output element (bilinear).",
  params,
  arity: 1,
  refs: (p) => (p.like !== undefined ? [p.like] : []),
  inferShape([x, like], p, ctx) {
    if (!checkRank(ctx, "upsample", x, 3, "[H,W,C]")) return undefined;
    const [h = 0, w = 0, c = 0] = x;
    if (p.size !== undefined) return [p.size[0], p.size[1], c];
    if (p.factor !== undefined) {
      const [fh, fw] = toPair(p.factor);
      return [h * fh, w * fw, c];
    }
    if (
      !checkRank(ctx, "upsample", like, 3, "[h,w,C]", {
        index: 1,
        path: ["like"],
        hint: "`like` must name an image-like node",
      })
    )
      return undefined;
    return [like[0] ?? 0, like[1] ?? 0, c];
  },
  weights: () => [],
  macs: () => 0,
  flops: ({ params: p, output }) => (p.mode === "bilinear" ? BILINEAR_FLOPS * numel(output) : 0),
});

/** Re-exported from the zod-free rules module, where backends import it from. */
export { resizeSource } from "../rules.js";
