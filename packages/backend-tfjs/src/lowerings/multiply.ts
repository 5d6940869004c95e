import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering } from "../lowering.js";

/** tf.layers.multiply over all inputs. */
export const multiply: Lowering<"multiply"> = (_node, ctx) =>
  apply(tf.layers.multiply({ name: ctx.name() }), [...ctx.inputs]);
