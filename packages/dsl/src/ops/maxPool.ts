import { z } from "zod";
import { numel } from "../shape.js";
import { poolFields, poolShape, toPair } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject(poolFields);
export type MaxPoolParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const maxPool = defineOp({
  kind: "maxPool",
  category: "primitive",
  doc: "2-D max pooling: [H,W,C] -> [H',W',C] (strides default poolSize; same as TF; ceilMode as ONNX/PyTorch); 0 MACs; flops H'*W'*C*(kh*kw-1).",
  details:
    "2-D max pooling, channels last (Ranzato et al., 2007; as used by AlexNet and VGG). Shape: [H,W,C] -> [H',W',C] with the window rule of conv2d (`same` as in TF, pads excluded from the max); `strides` defaults to `poolSize`; `ceilMode` keeps a last partial window that starts inside the input or its left padding (ONNX/PyTorch). 0 params, 0 MACs; flops H'*W'*C*(kh*kw - 1) comparisons.",
  params,
  arity: 1,
  inferShape: ([x], p, ctx) => poolShape("maxPool", x, p, ctx),
  weights: () => [],
  macs: () => 0,
  flops({ params: p, output }) {
    const [kh, kw] = toPair(p.poolSize);
    return numel(output) * (kh * kw - 1);
  },
});
