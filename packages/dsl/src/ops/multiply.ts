import { z } from "zod";
import { numel } from "../shape.js";
import { checkSameShapes } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({});
export type MultiplyParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const multiply = defineOp({
  kind: "multiply",
  category: "primitive",
  doc: "Elementwise product of n>=2 inputs of identical shape; 0 params, 0 MACs, (n-1)*size flops.",
  details:
    "Elementwise product of n >= 2 inputs of identical shape: gating as in LSTM cells and attention maps (e.g. squeeze-and-excitation's channel gate, Hu et al., 2018, once broadcast to the input's shape). Shape unchanged; 0 params, 0 MACs, (n-1)*size flops.",
  params,
  arity: { min: 2, max: 64 },
  inferShape: (inputs, _p, ctx) =>
    checkSameShapes(ctx, "multiply", "primitive", inputs, {
      channels: "project the channels first (conv2d with kernelSize 1)",
      spatial: "crop or upsample the input first",
    }),
  weights: () => [],
  macs: () => 0,
  flops: ({ inputs, output }) => (inputs.length - 1) * numel(output),
});
