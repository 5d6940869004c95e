import { z } from "zod";
import { checkRank, explicitPads, toPads } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ padding: explicitPads });
export type ZeroPadParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const zeroPad = defineOp({
  kind: "zeroPad",
  category: "primitive",
  doc: "Zero padding: [H,W,C] -> [H+t+b, W+l+r, C], padding int or [t,b,l,r]; 0 MACs, 0 flops.",
  details:
    "Zero padding of H and W (Keras ZeroPadding2D). Shape: [H,W,C] -> [H+t+b, W+l+r, C] with `padding` [t,b,l,r] or one int for all four. 0 params, 0 MACs, 0 flops (a copy).",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "zeroPad", x, 3, "[H,W,C]")) return undefined;
    const { top, bottom, left, right } = toPads(p.padding);
    const [h = 0, w = 0, c = 0] = x;
    return [h + top + bottom, w + left + right, c];
  },
  weights: () => [],
  macs: () => 0,
  flops: () => 0,
});
