import type { Compute, KernelArgs } from "./types.js";

/** x * w[index], with w the per-example vector [n] of a fusionWeights node. */
export function scaleBy({ node, inputShapes }: KernelArgs<"scaleBy">): Compute {
  const n = inputShapes[1]?.[0] ?? 1;
  const index = node.params.index;
  return {
    run([x, w], y, batch) {
      const per = y.length / batch;
      for (let b = 0; b < batch; b++) {
        const s = w![b * n + index]!;
        for (let i = b * per; i < (b + 1) * per; i++) y[i] = x![i]! * s;
      }
    },
  };
}
