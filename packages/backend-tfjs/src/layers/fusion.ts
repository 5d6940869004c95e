import * as tf from "@tensorflow/tfjs";
import { ConfiguredLayer, firstShape, type LayerArgs, many, read, single, type TfShape } from "./base.js";

export type Normalize = "none" | "softmax" | "relu";

/**
 * Normalised fusion weights: none (as is), softmax, or EfficientDet's fast normalised fusion
 * relu(w_i) / (eps + sum_j relu(w_j)).
 */
export function normalizeWeights(w: tf.Tensor, normalize: Normalize, epsilon: number): tf.Tensor {
  switch (normalize) {
    case "none":
      return w;
    case "softmax":
      return tf.softmax(w);
    case "relu": {
      const r = tf.relu(w);
      return tf.div(r, tf.add(tf.sum(r), epsilon));
    }
  }
}

export interface WeightedAddConfig {
  count: number;
  normalize: Normalize;
  epsilon: number;
  useBias: boolean;
}

/**
 * weightedAdd as one layer: sum_i w'_i x_i (+ b) with learnable `weights` [n] and optional `bias` [1]
 * (the names and order of docs/ops.md).
 */
export class WeightedAdd extends ConfiguredLayer<WeightedAddConfig> {
  static className = "FusegraphWeightedAdd";
  private w: tf.LayerVariable | undefined;
  private b: tf.LayerVariable | undefined;

  constructor(args: LayerArgs & WeightedAddConfig) {
    const { count, normalize, epsilon, useBias } = args;
    super(args, { count, normalize, epsilon, useBias });
  }

  override build(): void {
    const init = tf.initializers.constant({ value: 1 / this.cfg.count });
    this.w = this.addWeight("weights", [this.cfg.count], "float32", init);
    if (this.cfg.useBias) this.b = this.addWeight("bias", [1], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const xs = many(inputs);
      const w = normalizeWeights(read(this.w), this.cfg.normalize, this.cfg.epsilon);
      const parts = tf.unstack(w);
      let y = xs.reduce<tf.Tensor | undefined>((acc, x, i) => {
        const term = tf.mul(x, parts[i] as tf.Tensor);
        return acc === undefined ? term : tf.add(acc, term);
      }, undefined);
      if (y === undefined) throw new Error("weightedAdd called without inputs");
      if (this.b) y = tf.add(y, read(this.b));
      return y;
    });
  }
}
tf.serialization.registerClass(WeightedAdd);

export interface FusionWeightsConfig {
  count: number;
  normalize: Normalize;
  epsilon: number;
}

/** fusionWeights: learnable `weights` [n], normalised, repeated over the anchor input's batch -> [batch, n]. */
export class FusionWeights extends ConfiguredLayer<FusionWeightsConfig> {
  static className = "FusegraphFusionWeights";
  private w: tf.LayerVariable | undefined;

  constructor(args: LayerArgs & FusionWeightsConfig) {
    const { count, normalize, epsilon } = args;
    super(args, { count, normalize, epsilon });
  }

  override build(): void {
    const init = tf.initializers.constant({ value: 1 / this.cfg.count });
    this.w = this.addWeight("weights", [this.cfg.count], "float32", init);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    return [firstShape(inputShape)[0] ?? null, this.cfg.count];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const batch = single(inputs).shape[0] ?? 1;
      const w = normalizeWeights(read(this.w), this.cfg.normalize, this.cfg.epsilon);
      return tf.tile(tf.expandDims(w, 0), [batch, 1]);
    });
  }
}
tf.serialization.registerClass(FusionWeights);

/** scaleBy: inputs [x, w] with w [batch, n] -> x * w[:, index]. */
export class ScaleBy extends ConfiguredLayer<{ index: number }> {
  static className = "FusegraphScaleBy";

  constructor(args: LayerArgs & { index: number }) {
    super(args, { index: args.index });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, w] = many(inputs);
      if (!x || !w) throw new Error("scaleBy needs inputs [x, w]");
      const col = tf.slice(w, [0, this.cfg.index], [-1, 1]);
      const shape = [col.shape[0] ?? 1, ...x.shape.slice(1).map(() => 1)];
      return tf.mul(x, tf.reshape(col, shape));
    });
  }
}
tf.serialization.registerClass(ScaleBy);

/** biasAdd: adds one learnable scalar `bias` [1]. */
export class BiasAdd extends tf.layers.Layer {
  static className = "FusegraphBiasAdd";
  private b: tf.LayerVariable | undefined;

  override build(): void {
    this.b = this.addWeight("bias", [1], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): TfShape {
    return firstShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(single(inputs), read(this.b)));
  }
}
tf.serialization.registerClass(BiasAdd);
