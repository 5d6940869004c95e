import * as tf from "@tensorflow/tfjs";
import { firstShape, type LayerArgs, single, type TfShape } from "./base.js";

/**
 * Softmax along any axis (tfjs's softmax handles only the last one). `axis` counts the batch
 * dimension, as tfjs layers do.
 */
export class AxisSoftmax extends tf.layers.Layer {
  static className = "FusegraphSoftmax";
  readonly axis: number;

  constructor(args: LayerArgs & { axis: number }) {
    super(args);
    this.axis = args.axis;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const e = tf.exp(tf.sub(x, tf.max(x, this.axis, true)));
      return tf.div(e, tf.sum(e, this.axis, true));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: this.axis };
  }
}
tf.serialization.registerClass(AxisSoftmax);
