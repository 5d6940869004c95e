import * as tf from "@tensorflow/tfjs";
import { apply, type LowerContext, only, onlyShape } from "../lowering.js";

/**
 * Softmax over any axis from built-ins: tfjs's Softmax layer (its op) takes the last axis only, so
 * other axes are moved last with Permute (a transpose, exact) and back. `axis` counts one example's
 * dimensions, as the dsl does.
 */
export function lowerSoftmax(ctx: LowerContext, axis: number): tf.SymbolicTensor {
  const rank = onlyShape(ctx).length;
  const a = axis < 0 ? axis + rank : axis;
  if (a === rank - 1) return apply(tf.layers.softmax({ name: ctx.name(), axis: -1 }), only(ctx));
  // Permute's dims are 1-based over the example's dimensions.
  const order = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== a), a];
  const inverse = order.map((_, i) => order.indexOf(i));
  const toLast = apply(
    tf.layers.permute({ name: ctx.name("to_last"), dims: order.map((i) => i + 1) }),
    only(ctx),
  );
  const soft = apply(tf.layers.softmax({ name: ctx.name("softmax"), axis: -1 }), toLast);
  return apply(tf.layers.permute({ name: ctx.name(), dims: inverse.map((i) => i + 1) }), soft);
}
