import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering } from "../lowering.js";

/** tf.layers.add over all inputs. */
export const add: Lowering<"add"> = (_node, ctx) =>
  apply(tf.layers.add({ name: ctx.name() }), [...ctx.inputs]);
