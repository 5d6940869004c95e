import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, only } from "../lowering.js";

/** tf.layers.dense on the last axis; kernel [F, units], bias [units]. */
export const dense: Lowering<"dense"> = (node, ctx) => {
  const { units, useBias } = node.params;
  const activation = ctx.activation;
  return apply(
    tf.layers.dense({ name: ctx.name(), units, useBias, kernelInitializer: "zeros", activation }),
    only(ctx),
  );
};
