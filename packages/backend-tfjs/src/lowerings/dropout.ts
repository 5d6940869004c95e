import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, only } from "../lowering.js";

/** tf.layers.dropout: active in fit, identity at inference. */
export const dropout: Lowering<"dropout"> = (node, ctx) =>
  apply(tf.layers.dropout({ name: ctx.name(), rate: node.params.rate }), only(ctx));
