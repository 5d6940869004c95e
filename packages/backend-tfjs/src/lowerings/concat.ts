import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, onlyShape } from "../lowering.js";

/**
 * tf.layers.concatenate. The dsl's axis counts one example's dimensions, tfjs's the batch too; it is
 * passed as a non-negative axis because tfjs's concatenate mishandles negative axes other than -1.
 */
export const concat: Lowering<"concat"> = (node, ctx) => {
  const rank = onlyShape(ctx).length;
  const { axis } = node.params;
  const tfAxis = (axis < 0 ? axis + rank : axis) + 1;
  return apply(tf.layers.concatenate({ name: ctx.name(), axis: tfAxis }), [...ctx.inputs]);
};
