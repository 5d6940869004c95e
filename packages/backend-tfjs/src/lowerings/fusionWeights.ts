import { FusionWeights } from "../layers/fusion.js";
import { apply, type Lowering, only } from "../lowering.js";

/** {@link FusionWeights}: learnable [n], normalised, one row per example of the anchor input. */
export const fusionWeights: Lowering<"fusionWeights"> = (node, ctx) => {
  const { count, normalize, epsilon } = node.params;
  return apply(new FusionWeights({ name: ctx.name(), count, normalize, epsilon }), only(ctx));
};
