// Importing the custom layers registers them with tf.serialization, so saved models that use them load
// (also through plain tf.loadLayersModel) once this package is imported.
export { DilatedConv2dTranspose } from "./dilated-conv2d-transpose.js";
export { BiasAdd, FusionWeights, ScaleBy, WeightedAdd } from "./fusion.js";
export { GroupConv2d } from "./group-conv2d.js";
export { Pool2d } from "./pool.js";
export { Resize } from "./resize.js";
export { AxisSoftmax } from "./softmax.js";
