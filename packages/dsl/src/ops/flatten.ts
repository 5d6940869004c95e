import { z } from "zod";
import { numel } from "../shape.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({});
export type FlattenParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const flatten = defineOp({
  kind: "flatten",
  category: "primitive",
  doc: "Flatten one example row-major: any -> [numel] (the identity on rank 1); 0 params, 0 MACs, 0 flops.",
  details:
    "Flattens one example to a vector, row-major over the channels-last layout (Keras Flatten). Shape: any -> [numel]; a rank-1 example is already flat, so there it is the identity (every backend runs it: tfjs lowers it to a reshape, since its Flatten layer refuses that rank). 0 params, 0 MACs, 0 flops.",
  params,
  arity: 1,
  inferShape: ([x]) => (x ? [numel(x)] : undefined),
  weights: () => [],
  macs: () => 0,
  flops: () => 0,
});
