import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";

// The shared seeded tensors and agreement measure of every backend's tests.
import { randomData, randomInputs, relError } from "@fusegraph/dsl/testing";

export { randomData, randomInputs, relError };

/**
 * Seeded weights with non-trivial values where Keras starts at 0 or 1 (biases, batchNorm statistics),
 * so a bias or statistic the export dropped or misplaced changes the outputs.
 */
export function seededWeights(graph: Graph, seed: number): WeightMap {
  const weights = initWeights(graph, { seed });
  for (const [key, w] of weights) {
    if (/bias$|beta$|movingMean$/.test(key))
      w.data.set(randomData(w.data.length, key.length).map((v) => v * 0.5));
    if (/gamma$|movingVariance$/.test(key))
      w.data.set(randomData(w.data.length, key.length + 1).map((v) => 1 + 0.5 * v));
  }
  return weights;
}

/** Runs the reference executor. */
export function runCpu(
  graph: Graph,
  weights: WeightMap,
  inputs: Record<string, TensorData>,
): Record<string, TensorData> {
  const cpu = prepare(graph, weights);
  try {
    return cpu.run(inputs);
  } finally {
    cpu.dispose();
  }
}

/** The largest relative error over the graph's outputs; shapes must match exactly. */
export function worstError(
  graph: Graph,
  got: Record<string, TensorData>,
  want: Record<string, TensorData>,
): { error: number; shapes: boolean } {
  let error = 0;
  let shapes = true;
  for (const id of graph.outputs) {
    const g = got[id];
    const w = want[id];
    if (!g || !w || g.shape.join() !== w.shape.join()) shapes = false;
    error = Math.max(error, relError(g?.data ?? [], w?.data ?? []));
  }
  return { error, shapes };
}
