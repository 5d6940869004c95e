import { z } from "zod";
import { numel } from "../shape.js";
import { add } from "./add.js";
import { biasAdd } from "./biasAdd.js";
import { checkSameShapes, nodeLabel } from "./common.js";
import { defineOp, type ExpandedNode, type Expansion, type WeightSpec } from "./define-op.js";
import { fusionInit, fusionWeights, normalizeFlops, normalizeMode } from "./fusionWeights.js";
import { scaleBy } from "./scaleBy.js";

const params = z.strictObject({
  /** One number for every input, or one per input; 1/n each by default. */
  init: z.union([z.number(), z.array(z.number())]).optional(),
  normalize: normalizeMode.default("none"),
  epsilon: z.number().positive().default(1e-4),
  bias: z.boolean().default(false),
  biasInit: z.number().default(0),
});
export type WeightedAddParams = z.infer<typeof params>;

/** See `doc` and `details` (rendered into docs/ops.md). */
export const weightedAdd = defineOp({
  kind: "weightedAdd",
  category: "merge",
  doc: "Learnable weighted sum of n>=2 identical shapes: sum_i w'_i x_i (+b); normalize none | softmax | relu (Tan et al. 2020, BiFPN); weights [n] (+ bias [1]); 0 MACs.",
  details:
    "Learnable weighted sum of n >= 2 inputs of identical shape: sum_i w'_i x_i (+ b), with w' = w (`none`), softmax(w), or relu(w_i) / (eps + sum_j relu(w_j)) (`relu`, EfficientDet's fast normalised fusion, Tan et al., 2020). HED's fusion layer (Xie & Tu, 2015) is weightedAdd with 5 inputs, init 0.2 and a bias. Weights: `weights` [n], `bias` [1] when `bias`. 0 MACs; flops normalisation + n*size scales + (n-1)*size adds (+ size with bias). Expands to fusionWeights -> scaleBy per input -> add (-> biasAdd).",
  params,
  arity: { min: 2, max: 64 },
  inferShape(inputs, p, ctx) {
    if (Array.isArray(p.init) && p.init.length !== inputs.length) {
      ctx.issue(
        "invalid_params",
        `${nodeLabel(ctx, "weightedAdd", "merge")}: init has ${p.init.length} values for ${inputs.length} inputs`,
        {
          path: ["init"],
          expected: `${inputs.length} numbers (or one number for all)`,
          received: `${p.init.length} numbers`,
          hint: `give one initial weight per input, or init: ${1 / inputs.length} for all`,
        },
      );
      return undefined;
    }
    return checkSameShapes(ctx, "weightedAdd", "merge", inputs);
  },
  weights({ inputs, params: p }) {
    const n = inputs.length;
    const w: WeightSpec[] = [
      {
        name: "weights",
        shape: [n],
        trainable: true,
        init: { kind: "values", values: fusionInit(n, p.init) },
      },
    ];
    if (p.bias)
      w.push({
        name: "bias",
        shape: [1],
        trainable: true,
        init: p.biasInit === 0 ? { kind: "zeros" } : { kind: "constant", value: p.biasInit },
      });
    return w;
  },
  macs: () => 0,
  flops({ inputs, params: p, output }) {
    const n = inputs.length;
    const size = numel(output);
    return normalizeFlops(n, p.normalize) + n * size + (n - 1) * size + (p.bias ? size : 0);
  },
  expand({ id, inputs }, p): Expansion {
    const n = inputs.length;
    const weightsId = `${id}/weights`;
    const nodes: ExpandedNode[] = [
      {
        id: weightsId,
        kind: "fusionWeights",
        inputs: [inputs[0] ?? ""],
        params: fusionWeights.params.parse({
          count: n,
          init: fusionInit(n, p.init),
          normalize: p.normalize,
          epsilon: p.epsilon,
        }),
      },
    ];
    const scaled = inputs.map((x, i) => {
      const sid = `${id}/scale${i}`;
      nodes.push({
        id: sid,
        kind: "scaleBy",
        inputs: [x, weightsId],
        params: scaleBy.params.parse({ index: i }),
      });
      return sid;
    });
    const sumId = p.bias ? `${id}/sum` : id;
    nodes.push({ id: sumId, kind: "add", inputs: scaled, params: add.params.parse({}) });
    const weights: Record<string, string> = { weights: `${weightsId}/weights` };
    if (p.bias) {
      nodes.push({
        id,
        kind: "biasAdd",
        inputs: [sumId],
        params: biasAdd.params.parse({ init: p.biasInit }),
      });
      weights.bias = `${id}/bias`;
    }
    return { nodes, weights };
  },
});
