import { z } from "zod";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ rate: z.number().min(0).lt(1) });
export type DropoutParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const dropout = defineOp({
  kind: "dropout",
  category: "primitive",
  doc: "Dropout (Srivastava et al. 2014), 0 <= rate < 1: identity at inference; shape unchanged; 0 MACs, 0 flops.",
  details:
    "Dropout (Srivastava et al., 2014): during training zeroes each element with probability `rate` and scales the rest by 1/(1-rate); identity at inference. Shape unchanged; 0 params, 0 MACs, 0 flops (inference).",
  params,
  arity: 1,
  inferShape: ([x]) => x,
  weights: () => [],
  macs: () => 0,
  flops: () => 0,
});
