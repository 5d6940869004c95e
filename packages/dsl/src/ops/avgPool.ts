import { z } from "zod";
import { numel } from "../shape.js";
import { poolFields, poolShape, toPair } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ ...poolFields, countIncludePad: z.boolean().default(false) });
export type AvgPoolParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const avgPool = defineOp({
  kind: "avgPool",
  category: "primitive",
  doc: "2-D average pooling: [H,W,C] -> [H',W',C] (strides default poolSize; pads excluded from the divisor unless countIncludePad); 0 MACs; flops H'*W'*C*kh*kw.",
  details:
    "2-D average pooling, channels last (LeCun et al., 1998). Shape: [H,W,C] -> [H',W',C] with the window rule of conv2d; `strides` defaults to `poolSize`. The divisor counts only input positions (TF's `same`) unless `countIncludePad`, which also counts declared pads (never the positions a `ceilMode` window runs past the padded input, as in PyTorch). 0 params, 0 MACs; flops H'*W'*C*kh*kw (kh*kw-1 adds, 1 divide).",
  params,
  arity: 1,
  inferShape: ([x], p, ctx) => poolShape("avgPool", x, p, ctx),
  weights: () => [],
  macs: () => 0,
  flops({ params: p, output }) {
    const [kh, kw] = toPair(p.poolSize);
    return numel(output) * kh * kw;
  },
});
