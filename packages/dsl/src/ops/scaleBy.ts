import { z } from "zod";
import { formatShape, numel } from "../shape.js";
import { inputLabel, nodeLabel } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ index: z.number().int().nonnegative() });
export type ScaleByParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const scaleBy = defineOp({
  kind: "scaleBy",
  category: "primitive",
  doc: "x * w[index] for inputs [x, w] with w of shape [n]: shape of x; 0 params, 0 MACs, numel(x) flops.",
  details:
    "Scales a tensor by one entry of a weight vector: inputs [x, w] with w of shape [n], output x * w[index], shape of x. 0 params, 0 MACs, numel(x) flops. weightedAdd expands into it.",
  params,
  arity: 2,
  inferShape([x, w], p, ctx) {
    if (!x || !w) return undefined;
    if (w.length !== 1 || (w[0] ?? 0) <= p.index) {
      ctx.issue(
        "shape_mismatch",
        `${nodeLabel(ctx, "scaleBy")}: ${inputLabel(ctx, 1)} has shape ${formatShape(w)}, expected a vector [n] with n > index ${p.index}`,
        {
          path: ["inputs", 1],
          expected: `[n] with n > ${p.index}`,
          received: formatShape(w),
          hint: "feed the output of a fusionWeights node with count > index",
        },
      );
      return undefined;
    }
    return x;
  },
  weights: () => [],
  macs: () => 0,
  flops: ({ output }) => numel(output),
});
