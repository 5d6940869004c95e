import type * as tf from "@tensorflow/tfjs";
import { CompileError } from "../errors.js";

/**
 * The tfjs layer classes the portable lowering builds, all registered by `@tensorflow/tfjs` itself
 * (the tests check this list against a process that imports nothing else).
 */
export const PORTABLE_LAYER_CLASSES: ReadonlySet<string> = new Set([
  "InputLayer",
  "Conv2D",
  "DepthwiseConv2D",
  "Conv2DTranspose",
  "Dense",
  "LSTM",
  "BatchNormalization",
  "Activation",
  "LeakyReLU",
  "Softmax",
  "Permute",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "GlobalMaxPooling2D",
  "ZeroPadding2D",
  "Cropping2D",
  "UpSampling2D",
  "Rescaling",
  "Flatten",
  "Dropout",
  "Reshape",
  "Add",
  "Multiply",
  "Concatenate",
]);

/** Fails naming the layer's node if the model holds a layer class outside {@link PORTABLE_LAYER_CLASSES}. */
export function assertPortable(model: tf.LayersModel, nodeIdOf: (layerName: string) => string): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (PORTABLE_LAYER_CLASSES.has(cls)) continue;
    throw new CompileError(
      nodeIdOf(layer.name),
      "unsupported_params",
      `the portable model would hold layer "${layer.name}" of class ${cls}, which plain tfjs cannot load`,
      "this is a bug in @fusegraph/backend-tfjs's portable lowering; please report it with the spec",
    );
  }
}
