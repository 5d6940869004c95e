import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, only, onlyShape } from "../lowering.js";

/**
 * tf.layers.flatten (row-major, as the reference executor). A rank-1 example is already flat: the dsl
 * makes that the identity (as Keras's Flatten), while tfjs's Flatten refuses inputs below rank 3
 * (with the batch), so it becomes a reshape to its own shape.
 */
export const flatten: Lowering<"flatten"> = (node, ctx) => {
  const layer =
    onlyShape(ctx).length === 1
      ? tf.layers.reshape({ name: ctx.name(), targetShape: [...node.shape] })
      : tf.layers.flatten({ name: ctx.name() });
  return apply(layer, only(ctx));
};
