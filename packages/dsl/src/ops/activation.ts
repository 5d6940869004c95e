import { z } from "zod";
import { formatShape, numel } from "../shape.js";
import { ACTIVATION_FLOPS, nodeLabel } from "./common.js";
import { defineOp } from "./define-op.js";

const params = z.discriminatedUnion("fn", [
  z.strictObject({ fn: z.literal("relu") }),
  z.strictObject({ fn: z.literal("leakyRelu"), alpha: z.number().nonnegative().default(0.01) }),
  z.strictObject({ fn: z.literal("sigmoid") }),
  z.strictObject({ fn: z.literal("tanh") }),
  z.strictObject({ fn: z.literal("softmax"), axis: z.number().int().default(-1) }),
]);
export type ActivationParams = z.infer<typeof params>;
export type ActivationFn = ActivationParams["fn"];

/** See `doc` and `details` (rendered into docs/ops.md). */
export const activation = defineOp({
  kind: "activation",
  category: "primitive",
  doc: "Elementwise activation (relu | leakyRelu alpha | sigmoid | tanh | softmax axis): shape unchanged; 0 MACs; flops/element relu 1, leakyRelu 2, sigmoid 3, tanh 5, softmax 5.",
  details:
    "Elementwise activation, shape unchanged: relu (Nair & Hinton, 2010), leakyRelu max(x, alpha*x) (Maas et al., 2013; alpha only there), sigmoid, tanh, softmax along `axis` (only there). 0 params, 0 MACs; flops per element from `ACTIVATION_FLOPS`: relu 1, leakyRelu 2, sigmoid 3, tanh 5, softmax 5.",
  params,
  arity: 1,
  inferShape([x], p, ctx) {
    if (!x) return undefined;
    if (p.fn === "softmax" && (p.axis < -x.length || p.axis >= x.length)) {
      ctx.issue(
        "invalid_params",
        `${nodeLabel(ctx, "activation")}: softmax axis ${p.axis} is out of range for input shape ${formatShape(x)}`,
        {
          path: ["axis"],
          expected: `an axis in [${-x.length}, ${x.length - 1}]`,
          received: String(p.axis),
          hint: "axis: -1 normalises the last (channel) axis",
        },
      );
      return undefined;
    }
    return x;
  },
  weights: () => [],
  macs: () => 0,
  flops: ({ params: p, output }) => ACTIVATION_FLOPS[p.fn] * numel(output),
});
