import { z } from "zod";
import { numel } from "../shape.js";
import { checkSameShapes } from "./common.js";
import { defineOp } from "./define-op.js";

/** See `doc` and `details` (rendered into docs/ops.md). */
export const add = defineOp({
  kind: "add",
  category: "merge",
  doc: "Elementwise sum of n>=2 inputs of identical shape; 0 params, 0 MACs, (n-1)*size flops.",
  details:
    "Elementwise sum of n >= 2 inputs of identical shape; 0 parameters, 0 MACs, (n-1)*size flops. Before a conv it is a concat whose next-conv kernels are tied across inputs (K_i = K_{i+c}): the residual connection of ResNet (He et al., 2016) and FPN's top-down merge (Lin et al., 2017).",
  params: z.strictObject({}),
  arity: { min: 2, max: 64 },
  inferShape: (inputs, _p, ctx) => checkSameShapes(ctx, "add", "merge", inputs),
  weights: () => [],
  macs: () => 0,
  flops: ({ inputs, output }) => (inputs.length - 1) * numel(output),
});
