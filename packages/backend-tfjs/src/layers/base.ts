import * as tf from "@tensorflow/tfjs";

/** Constructor args of a tfjs layer (name, trainable, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
/** A tfjs shape with the batch dimension (null when unknown). */
export type TfShape = (number | null)[];

/** The one tensor of a single-input layer. */
export function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!x) throw new Error("layer called without an input");
  return x;
}

/** The input tensors of a multi-input layer. */
export function many(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** The first (or only) shape of a layer's input shapes. */
export function firstShape(shape: tf.Shape | tf.Shape[]): TfShape {
  const s =
    Array.isArray(shape[0]) || shape[0] === undefined ? (shape as tf.Shape[])[0] : (shape as tf.Shape);
  return [...(s ?? [])];
}

/** Reads a weight's current value; layers create their weights in build(). */
export function read(v: tf.LayerVariable | undefined): tf.Tensor {
  if (!v) throw new Error("layer weights are read before the layer is built");
  return v.read();
}

/**
 * A custom layer whose own config is `cfg`: getConfig adds it to tfjs's, and tf.serialization's
 * default fromConfig passes both back to the constructor, so a saved model re-creates the layer.
 */
export abstract class ConfiguredLayer<C extends object> extends tf.layers.Layer {
  readonly cfg: C;

  constructor(args: LayerArgs, cfg: C) {
    super(args);
    this.cfg = cfg;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...(this.cfg as tf.serialization.ConfigDict) };
  }
}
