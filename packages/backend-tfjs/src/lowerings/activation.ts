import * as tf from "@tensorflow/tfjs";
import { AxisSoftmax } from "../layers/softmax.js";
import { apply, type Lowering, only, onlyShape } from "../lowering.js";

/**
 * relu, sigmoid, tanh as tf.layers.activation; leakyRelu with its alpha; softmax on the last axis as
 * tf.layers.softmax, on any other as {@link AxisSoftmax}.
 */
export const activation: Lowering<"activation"> = (node, ctx) => {
  const p = node.params;
  const name = ctx.name();
  const x = only(ctx);
  switch (p.fn) {
    case "relu":
    case "sigmoid":
    case "tanh":
      return apply(tf.layers.activation({ name, activation: p.fn }), x);
    case "leakyRelu":
      return apply(tf.layers.leakyReLU({ name, alpha: p.alpha }), x);
    case "softmax": {
      // The dsl's axis counts one example's dimensions; tfjs's counts the batch too.
      const rank = onlyShape(ctx).length;
      const axis = (p.axis < 0 ? p.axis + rank : p.axis) + 1;
      if (axis === rank) return apply(tf.layers.softmax({ name, axis: -1 }), x);
      return apply(new AxisSoftmax({ name, axis }), x);
    }
  }
};
