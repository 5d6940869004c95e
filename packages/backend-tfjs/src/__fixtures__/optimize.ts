import { type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
import type * as tf from "@tensorflow/tfjs";
import { type CompileOptions, compile } from "../compile.js";
import { predictSync, randomData, randomInputs, relError } from "./graph.js";

/** Seeded weights with non-identity biases and batchNorm statistics, so folding changes kernels. */
export function nonTrivialWeights(graph: Graph, seed: number): WeightMap {
  const weights = initWeights(graph, { seed });
  for (const [key, w] of weights) {
    if (/bias$|beta$|movingMean$/.test(key))
      w.data.set(randomData(w.data.length, seed + key.length).map((v) => v * 0.5));
    if (/gamma$|movingVariance$/.test(key))
      w.data.set(randomData(w.data.length, seed + key.length).map((v) => 1 + 0.5 * v));
  }
  return weights;
}

/** Layer classes an inference rewrite removes where it applies (Softmax: a last-axis softmax activation). */
const REMOVABLE = new Set(["BatchNormalization", "Activation", "Dropout", "Softmax"]);

export interface LayerCounts {
  total: number;
  /** BatchNormalization + Activation + Dropout + Softmax layers. */
  removable: number;
  byClass: Record<string, number>;
}

export function layerCounts(model: tf.LayersModel): LayerCounts {
  const byClass: Record<string, number> = {};
  for (const l of model.layers) byClass[l.getClassName()] = (byClass[l.getClassName()] ?? 0) + 1;
  const removable = Object.entries(byClass)
    .filter(([c]) => REMOVABLE.has(c))
    .reduce((a, [, n]) => a + n, 0);
  return { total: model.layers.length, removable, byClass };
}

export interface Comparison {
  /** Largest relative error over the outputs (max |opt - plain| over max(1, max |plain|)). */
  error: number;
  plain: LayerCounts;
  optimized: LayerCounts;
}

/** Every output of the optimised model against the unoptimised one, same target and weights. */
export function compareOptimized(
  graph: Graph,
  weights: WeightMap,
  opts: CompileOptions = {},
  batch = 2,
): Comparison {
  const inputs: Record<string, TensorData> = randomInputs(graph, 3, batch);
  const plain = compile(graph, { ...opts, weights });
  let optimized: tf.LayersModel | undefined;
  try {
    optimized = compile(graph, { ...opts, weights, optimize: "inference" });
    const want = predictSync(plain, graph, inputs);
    const got = predictSync(optimized, graph, inputs);
    const error = Math.max(...graph.outputs.map((id) => relError(got[id]?.data ?? [], want[id]?.data ?? [])));
    return { error, plain: layerCounts(plain), optimized: layerCounts(optimized) };
  } finally {
    plain.dispose();
    optimized?.dispose();
  }
}
