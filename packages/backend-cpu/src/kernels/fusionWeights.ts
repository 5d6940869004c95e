import type { Compute, KernelArgs } from "./types.js";

/**
 * The fusion weights, normalised: none; softmax (stable); relu: relu(w_i) / (eps + sum_j relu(w_j)),
 * EfficientDet's fast normalised fusion. The anchor input only gives the batch size.
 */
export function fusionWeights({ node, weight }: KernelArgs<"fusionWeights">): Compute {
  const { count: n, normalize, epsilon } = node.params;
  const w = weight("weights");
  return {
    run(_inputs, y, batch) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = w[i]!;
      if (normalize === "softmax") {
        let max = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < n; i++) if (v[i]! > max || Number.isNaN(v[i]!)) max = v[i]!;
        let sum = 0;
        for (let i = 0; i < n; i++) {
          v[i] = Math.exp(v[i]! - max);
          sum += v[i]!;
        }
        for (let i = 0; i < n; i++) v[i]! /= sum;
      } else if (normalize === "relu") {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          v[i] = Math.max(v[i]!, 0);
          sum += v[i]!;
        }
        for (let i = 0; i < n; i++) v[i]! /= epsilon + sum;
      }
      for (let b = 0; b < batch; b++) for (let i = 0; i < n; i++) y[b * n + i] = v[i]!;
    },
  };
}
