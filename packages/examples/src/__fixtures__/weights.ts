import { createRng, type Graph, initWeights, type WeightMap } from "@fusegraph/dsl";

/**
 * Seeded weights with non-identity batchNorm statistics and fusion weights, so folding and baking are
 * exercised: gamma in [0.5, 1.5), beta and moving mean in [-0.5, 0.5), variance in [0.2, 2.2),
 * weightedAdd weights in [-1, 1) and its bias in [-0.5, 0.5).
 */
export function nonTrivialWeights(graph: Graph, seed: number): WeightMap {
  const weights = initWeights(graph, { seed });
  const rng = createRng(seed * 31 + 7);
  for (const [key, t] of weights) {
    const name = key.slice(key.lastIndexOf("/") + 1);
    const draw: Record<string, () => number> = {
      gamma: () => 0.5 + rng(),
      beta: () => rng() - 0.5,
      movingMean: () => rng() - 0.5,
      movingVariance: () => 0.2 + 2 * rng(),
      weights: () => 2 * rng() - 1,
      bias: () => rng() - 0.5,
    };
    const f = draw[name];
    if (f) for (let i = 0; i < t.data.length; i++) t.data[i] = f();
  }
  return weights;
}
