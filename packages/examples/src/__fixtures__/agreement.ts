import { prepare } from "@fusegraph/backend-cpu";
import { compile } from "@fusegraph/backend-tfjs";
import { createRng, type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";

export type Outputs = Record<string, Float32Array>;

/** One example per graph input (batch 1), uniform in [-1, 1) from a seeded stream per input. */
export function seededInputs(graph: Graph, seed: number): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  graph.inputs.forEach((input, k) => {
    const rng = createRng(seed * 7919 + k);
    const n = input.shape.reduce((a, b) => a * b, 1);
    out[input.id] = { shape: [1, ...input.shape], data: new Float32Array(n).map(() => 2 * rng() - 1) };
  });
  return out;
}

/** backend-cpu, the reference executor: every graph output by id. */
export function runCpu(graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>): Outputs {
  const executor = prepare(graph, weights);
  try {
    const result = executor.run(inputs);
    return Object.fromEntries(graph.outputs.map((o) => [o, result[o]!.data]));
  } finally {
    executor.dispose();
  }
}

/**
 * The graph compiled to tfjs with the same weights, run on tfjs's current backend. NOTE: reads the
 * outputs synchronously (the tests awaited useBackend, and fast-check properties here are synchronous)
 * rather than through backend-tfjs's async `predict`.
 */
export function runTfjs(graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>): Outputs {
  const model = compile(graph, { weights });
  try {
    return tf.tidy(() => {
      const xs = graph.inputs.map((i) => tf.tensor(inputs[i.id]!.data, [...inputs[i.id]!.shape]));
      const y = model.predict(xs.length === 1 ? xs[0]! : xs);
      const ys = Array.isArray(y) ? y : [y];
      return Object.fromEntries(graph.outputs.map((o, k) => [o, Float32Array.from(ys[k]!.dataSync())]));
    });
  } finally {
    model.dispose();
  }
}

/** max |got - want| over max |want|: the error relative to the output's scale. */
export function relativeError(got: Float32Array, want: Float32Array): { error: number; scale: number } {
  if (got.length !== want.length) return { error: Number.POSITIVE_INFINITY, scale: 0 };
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  // NaN anywhere must fail, not compare as "not larger".
  if (!Number.isFinite(diff + scale)) return { error: Number.POSITIVE_INFINITY, scale };
  return { error: scale > 0 ? diff / scale : diff === 0 ? 0 : Number.POSITIVE_INFINITY, scale };
}

/**
 * Runs `graph` on backend-cpu and on tfjs with seed-1 weights and inputs, and expects every output to
 * carry signal (a zero output would agree trivially) and to agree within `tolerance` (relative error).
 */
export function expectAgreement(graph: Graph, tolerance: number): void {
  const weights = initWeights(graph, { seed: 1 });
  const inputs = seededInputs(graph, 1);
  const want = runCpu(graph, weights, inputs);
  const got = runTfjs(graph, weights, inputs);
  for (const id of graph.outputs) {
    const { error, scale } = relativeError(got[id]!, want[id]!);
    expect(scale, `output "${id}" scale`).toBeGreaterThan(0);
    expect(error, `output "${id}" relative error (scale ${scale})`).toBeLessThanOrEqual(tolerance);
  }
}
