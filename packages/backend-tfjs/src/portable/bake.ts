import type { GraphNodeOf, NormalizeMode, TensorData, WeightMap } from "@fusegraph/dsl";
import { weightKey } from "@fusegraph/dsl";
import { CompileError } from "../errors.js";

/**
 * Normalised fusion weights, as the trainable FusionWeights layer computes them (there in float32):
 * `none` w, `softmax` softmax(w), `relu` relu(w_i) / (eps + sum_j relu(w_j)). Computed once, in float64.
 */
export function normalizedFusion(w: ArrayLike<number>, mode: NormalizeMode, epsilon: number): number[] {
  const xs = Array.from(w);
  switch (mode) {
    case "none":
      return xs;
    case "softmax": {
      const max = Math.max(...xs);
      const e = xs.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / sum);
    }
    case "relu": {
      const r = xs.map((x) => Math.max(0, x));
      const sum = r.reduce((a, b) => a + b, 0);
      return r.map((x) => x / (epsilon + sum));
    }
  }
}

/** A named weight of a node, failing with a {@link CompileError} naming it when absent. */
export function weightOf(weights: WeightMap, nodeId: string, name: string): TensorData {
  const w = weights.get(weightKey(nodeId, name));
  if (!w) {
    throw new CompileError(
      nodeId,
      "weights_mismatch",
      `weight "${weightKey(nodeId, name)}" is missing`,
      "give every weight the graph declares, or omit weights to initialise from a seed",
    );
  }
  return w;
}

/** The constant factor of each scaleBy reading a fusionWeights node: w'[index], baked at compile time. */
export function fusionConstants(node: GraphNodeOf<"fusionWeights">, weights: WeightMap): readonly number[] {
  const { normalize, epsilon } = node.params;
  return normalizedFusion(weightOf(weights, node.id, "weights").data, normalize, epsilon);
}
