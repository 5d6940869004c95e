import * as tf from "@tensorflow/tfjs";
import { apply, type Lowering, only } from "../lowering.js";

/**
 * tf.layers.lstm with the dsl's gates: sigmoid recurrent activation (tfjs defaults to hardSigmoid),
 * tanh cell; kernel [F,4u], recurrentKernel [u,4u], bias [4u] in gate order i, f, c, o.
 */
export const lstm: Lowering<"lstm"> = (node, ctx) => {
  const { units, returnSequences, unitForgetBias } = node.params;
  const layer = tf.layers.lstm({
    name: ctx.name(),
    units,
    returnSequences,
    unitForgetBias,
    activation: "tanh",
    recurrentActivation: "sigmoid",
    kernelInitializer: "zeros",
    recurrentInitializer: "zeros",
  });
  const x = only(ctx);
  // NOTE: tfjs-layers' LSTMCell builds its unitForgetBias initial bias from four tensors it never
  // disposes (4 leaked per compile); building inside tf.tidy frees them (variables are kept).
  let out: tf.SymbolicTensor | undefined;
  tf.tidy(() => {
    out = apply(layer, x);
  });
  return out!;
};
