import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering } from "../lowering.js";

/** tf.layers.concatenate; the dsl's axis counts one example's dimensions, tfjs's the batch too. */
export const concat: Lowering<"concat"> = (node, ctx) => {
  const { axis } = node.params;
  return apply(tf.layers.concatenate({ name: ctx.name(), axis: axis < 0 ? axis : axis + 1 }), [
    ...ctx.inputs,
  ]);
};
