import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, only } from "../lowering.js";

/** tf.layers.flatten (row-major, as the reference executor). */
export const flatten: Lowering<"flatten"> = (_node, ctx) =>
  apply(tf.layers.flatten({ name: ctx.name() }), only(ctx));
