import { z } from "zod";
import { numel } from "../shape.js";
import { checkRank } from "./common.js";
import { defineOp, type WeightSpec } from "./define-op.js";

const params = z.strictObject({
  epsilon: z.number().positive().default(1e-3),
  momentum: z.number().min(0).max(1).default(0.99),
  center: z.boolean().default(true),
  scale: z.boolean().default(true),
});
export type BatchNormParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const batchNorm = defineOp({
  kind: "batchNorm",
  category: "primitive",
  doc: "Batch normalisation over the last axis (Ioffe & Szegedy 2015): shape unchanged; gamma/beta [C] trainable, movingMean/movingVariance [C] not; 0 MACs, 2 flops/element.",
  details:
    "Batch normalisation over the last axis (Ioffe & Szegedy, 2015), Keras defaults. Shape: any rank >= 1, unchanged. y = gamma * (x - movingMean) / sqrt(movingVariance + epsilon) + beta at inference. Weights [C]: gamma (ones, if scale), beta (zeros, if center), then the non-trainable movingMean (zeros) and movingVariance (ones). MACs 0; flops 2 per element (the folded scale and shift).",
  params,
  arity: 1,
  inferShape: ([x], _p, ctx) => (checkRank(ctx, "batchNorm", x, { min: 1 }, "[..., C]") ? x : undefined),
  weights({ inputs: [x], params: p }) {
    const c = x?.[x.length - 1] ?? 0;
    const w: WeightSpec[] = [];
    if (p.scale) w.push({ name: "gamma", shape: [c], trainable: true, init: { kind: "ones" } });
    if (p.center) w.push({ name: "beta", shape: [c], trainable: true, init: { kind: "zeros" } });
    w.push({ name: "movingMean", shape: [c], trainable: false, init: { kind: "zeros" } });
    w.push({ name: "movingVariance", shape: [c], trainable: false, init: { kind: "ones" } });
    return w;
  },
  macs: () => 0,
  flops: ({ output }) => 2 * numel(output),
});
