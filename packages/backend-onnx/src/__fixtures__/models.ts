import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, initWeights, numel, type TensorData, type WeightMap } from "@fusegraph/dsl";

/** Deterministic pseudo-random values in [-1, 1) (mulberry32). */
export function randomData(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

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

/** Deterministic random inputs keyed by input id, `batch` examples each. */
export function randomInputs(graph: Graph, seed: number, batch: number): Record<string, TensorData> {
  return Object.fromEntries(
    graph.inputs.map((i, k) => {
      const shape = [batch, ...i.shape];
      return [i.id, { shape, data: randomData(numel(shape), seed + k) }];
    }),
  );
}

/** The brief's measure: max |got - want| / max(1, max |want|). */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i] ?? Number.NaN;
    const w = want[i] ?? Number.NaN;
    const d = Math.abs(g - w);
    diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(w));
  }
  return diff / scale;
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
