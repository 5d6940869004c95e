import { z } from "zod";
import { ACTIVATION_FLOPS, nodeLabel } from "./common.js";
import { defineOp } from "./define-op.js";

export const normalizeMode = z.enum(["none", "softmax", "relu"]);
export type NormalizeMode = z.infer<typeof normalizeMode>;

const params = z.strictObject({
  count: z.number().int().positive(),
  /** Initial weights, one per fused input; 1/count each when absent. */
  init: z.array(z.number()).optional(),
  normalize: normalizeMode.default("none"),
  epsilon: z.number().positive().default(1e-4),
});
export type FusionWeightsParams = z.infer<typeof params>;

/** Initial values of n fusion weights: 1/n each, one number for all, or one per input. */
export function fusionInit(n: number, init: number | readonly number[] | undefined): number[] {
  if (init === undefined) return Array.from({ length: n }, () => 1 / n);
  if (typeof init === "number") return Array.from({ length: n }, () => init);
  return [...init];
}

/**
 * Flops of normalising n fusion weights: softmax 5n; relu (EfficientDet's fast normalised fusion,
 * relu(w_i) / (eps + sum_j relu(w_j))) n relus, n-1 adds, 1 epsilon add, n divides.
 */
export function normalizeFlops(n: number, mode: NormalizeMode): number {
  if (mode === "softmax") return ACTIVATION_FLOPS.softmax * n;
  if (mode === "relu") return ACTIVATION_FLOPS.relu * n + (n - 1) + 1 + n;
  return 0;
}

/** See `doc` and `details` (rendered into docs/ops.md). */
export const fusionWeights = defineOp({
  kind: "fusionWeights",
  category: "primitive",
  doc: "n learnable fusion weights (normalize none | softmax | relu: relu(w_i)/(eps+sum relu(w_j)), Tan et al. 2020): anchor -> [n]; weights [n]; 0 MACs.",
  details:
    "n learnable fusion weights, normalised: `none` w, `softmax` softmax(w), `relu` relu(w_i) / (eps + sum_j relu(w_j)) (fast normalised fusion of EfficientDet/BiFPN, Tan et al., 2020). The anchor input ties the node into the graph; only its batch size is used. Shape: anchor -> [n]. Weights: `weights` [n] (init, 1/n each by default). 0 MACs; flops from `normalizeFlops`. weightedAdd expands into it.",
  params,
  arity: 1,
  inferShape(_inputs, p, ctx) {
    if (p.init !== undefined && p.init.length !== p.count) {
      ctx.issue(
        "invalid_params",
        `${nodeLabel(ctx, "fusionWeights")}: init has ${p.init.length} values, expected count ${p.count}`,
        {
          path: ["init"],
          expected: `${p.count} numbers`,
          received: `${p.init.length} numbers`,
          hint: "give one initial weight per fused input",
        },
      );
      return undefined;
    }
    return [p.count];
  },
  weights: ({ params: p }) => [
    {
      name: "weights",
      shape: [p.count],
      trainable: true,
      init: { kind: "values", values: fusionInit(p.count, p.init) },
    },
  ],
  macs: () => 0,
  flops: ({ params: p }) => normalizeFlops(p.count, p.normalize),
});
