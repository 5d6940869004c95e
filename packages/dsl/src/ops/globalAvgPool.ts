import { z } from "zod";
import { numel } from "../shape.js";
import { checkRank } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ keepDims: z.boolean().default(false) });
export type GlobalAvgPoolParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const globalAvgPool = defineOp({
  kind: "globalAvgPool",
  category: "primitive",
  doc: "Mean over H and W (Lin et al. 2013, NiN): [H,W,C] -> [C] or [1,1,C] with keepDims; 0 MACs; flops H*W*C.",
  details:
    "Mean over H and W (Network in Network, Lin et al., 2013). Shape: [H,W,C] -> [C], or [1,1,C] with `keepDims`. 0 params, 0 MACs; flops H*W*C (H*W-1 adds and 1 divide per channel).",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!checkRank(ctx, "globalAvgPool", x, 3, "[H,W,C]")) return undefined;
    const c = x[2] ?? 0;
    return p.keepDims ? [1, 1, c] : [c];
  },
  weights: () => [],
  macs: () => 0,
  flops: ({ inputs: [x] }) => numel(x ?? []),
});
