import { z } from "zod";
import { numel } from "../shape.js";
import { defineOp } from "./define-op.js";

const params = z.strictObject({ init: z.number().default(0) });
export type BiasAddParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const biasAdd = defineOp({
  kind: "biasAdd",
  category: "primitive",
  doc: "Adds one learnable scalar: shape unchanged; bias [1] (init); 0 MACs, numel flops.",
  details:
    "Adds one learnable scalar to every element (weightedAdd's optional bias). Shape unchanged. Weights: `bias` [1] starting at `init`. 0 MACs, numel flops.",
  params,
  arity: 1,
  inferShape: ([x]) => x,
  weights: ({ params: p }) => [
    {
      name: "bias",
      shape: [1],
      trainable: true,
      init: p.init === 0 ? { kind: "zeros" } : { kind: "constant", value: p.init },
    },
  ],
  macs: () => 0,
  flops: ({ output }) => numel(output),
});
