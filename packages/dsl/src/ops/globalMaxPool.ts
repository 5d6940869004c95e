import { z } from "zod";
import { checkRank } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ keepDims: z.boolean().default(false) });
export type GlobalMaxPoolParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const globalMaxPool = defineOp({
  kind: "globalMaxPool",
  category: "primitive",
  doc: "Maximum over H and W: [H,W,C] -> [C] or [1,1,C] with keepDims; 0 MACs; flops (H*W-1)*C.",
  details:
    "Maximum over H and W (weakly supervised localisation, Oquab et al., 2015). Shape: [H,W,C] -> [C], or [1,1,C] with `keepDims`. 0 params, 0 MACs; flops (H*W-1)*C comparisons.",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "globalMaxPool", x, 3, "[H,W,C]")) return undefined;
    const c = x[2] ?? 0;
    return p.keepDims ? [1, 1, c] : [c];
  },
  weights: () => [],
  macs: () => 0,
  flops: ({ inputs: [x] }) => {
    const [h = 0, w = 0, c = 0] = x ?? [];
    return (h * w - 1) * c;
  },
});
