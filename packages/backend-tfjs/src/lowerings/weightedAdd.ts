import { WeightedAdd } from "../layers/fusion.js";
import { apply, type Lowering } from "../lowering.js";

/** Native: one {@link WeightedAdd} layer holding `weights` [n] and the optional `bias` [1]. */
export const weightedAdd: Lowering<"weightedAdd"> = (node, ctx) => {
  const { normalize, epsilon, bias } = node.params;
  const layer = new WeightedAdd({
    name: ctx.name(),
    count: ctx.inputs.length,
    normalize,
    epsilon,
    useBias: bias,
  });
  return apply(layer, [...ctx.inputs]);
};
