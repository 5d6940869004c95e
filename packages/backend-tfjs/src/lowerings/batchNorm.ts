import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, only } from "../lowering.js";

/** tf.layers.batchNormalization on the last axis; weights gamma, beta, movingMean, movingVariance. */
export const batchNorm: Lowering<"batchNorm"> = (node, ctx) => {
  const { epsilon, momentum, center, scale } = node.params;
  return apply(
    tf.layers.batchNormalization({ name: ctx.name(), axis: -1, epsilon, momentum, center, scale }),
    only(ctx),
  );
};
