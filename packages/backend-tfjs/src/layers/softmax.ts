import * as tf from "@tensorflow/tfjs";
import { ConfiguredLayer, firstShape, type LayerArgs, single, type TfShape } from "./base.js";

/**
 * Softmax along any axis (tfjs's softmax handles only the last one). `axis` counts the batch
 * dimension, as tfjs layers do.
 */
export class AxisSoftmax extends ConfiguredLayer<{ axis: number }> {
  static className = "FusegraphSoftmax";

  constructor(args: LayerArgs & { axis: number }) {
    super(args, { axis: args.axis });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const e = tf.exp(tf.sub(x, tf.max(x, this.cfg.axis, true)));
      return tf.div(e, tf.sum(e, this.cfg.axis, true));
    });
  }
}
tf.serialization.registerClass(AxisSoftmax);
