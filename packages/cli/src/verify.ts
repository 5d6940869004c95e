import { type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
import { type LayersModel, loadTfjs, predictTfjs, runCpu, type TfjsRuntime } from "./backends.js";
import { randomInputs } from "./tensors.js";

export interface VerifyOptions {
  /** Seed of the weights (`initWeights`) and of the random inputs (default 0). */
  seed?: number;
  /** Examples per run (default 1). */
  batch?: number;
  /** Largest relative error that passes (default 1e-4); see {@link OutputError.maxRelError}. */
  tolerance?: number;
  /** tfjs's runtime (default wasm). */
  runtime?: TfjsRuntime;
  /** Weights to use instead of `initWeights(graph, { seed })`. */
  weights?: WeightMap;
  /** A model already compiled from this graph with these weights (the main job reuses compile's). */
  model?: LayersModel;
  /** Called as each step starts ("cpu", "tfjs"), for a progress line. */
  onStep?: (step: "cpu" | "tfjs") => void;
}

/** How far tfjs's output is from backend-cpu's (the reference) for one graph output. */
export interface OutputError {
  id: string;
  shape: number[];
  /** max |tfjs - cpu| over all elements; Infinity when one side is NaN or infinite and the other not. */
  maxAbsError: number;
  /**
   * maxAbsError / max|cpu|: relative to the output's scale rather than per element, so values near zero
   * do not blow it up. Equal to maxAbsError when the reference is all zeros.
   */
  maxRelError: number;
  /** max|cpu|, the scale. */
  scale: number;
}

export interface VerifyReport {
  /** Every output's maxRelError is within the tolerance. */
  ok: boolean;
  tolerance: number;
  seed: number;
  batch: number;
  runtime: TfjsRuntime;
  outputs: OutputError[];
  maxAbsError: number;
  maxRelError: number;
}

/** max |a - b| and max |ref| of two equal-length arrays; a non-finite mismatch counts as Infinity. */
export function maxAbsDifference(ref: Float32Array, got: Float32Array): { maxAbs: number; scale: number } {
  if (ref.length !== got.length) return { maxAbs: Number.POSITIVE_INFINITY, scale: 0 };
  let maxAbs = 0;
  let scale = 0;
  for (let k = 0; k < ref.length; k++) {
    const r = ref[k]!;
    const g = got[k]!;
    const d = Number.isFinite(r) && Number.isFinite(g) ? Math.abs(r - g) : Object.is(r, g) ? 0 : Infinity;
    if (d > maxAbs) maxAbs = d;
    if (Number.isFinite(r) && Math.abs(r) > scale) scale = Math.abs(r);
  }
  return { maxAbs, scale };
}

/** Compares each output of two runs of the same graph, `ref` being the reference. */
export function compareOutputs(
  graph: Graph,
  ref: Readonly<Record<string, TensorData>>,
  got: Readonly<Record<string, TensorData>>,
): OutputError[] {
  return graph.outputs.map((id) => {
    const r = ref[id];
    const g = got[id];
    const sameShape =
      r !== undefined &&
      g !== undefined &&
      r.shape.length === g.shape.length &&
      r.shape.every((d, i) => d === g.shape[i]);
    if (!r || !g || !sameShape) {
      return {
        id,
        shape: r?.shape ?? g?.shape ?? [],
        maxAbsError: Number.POSITIVE_INFINITY,
        maxRelError: Number.POSITIVE_INFINITY,
        scale: 0,
      };
    }
    const { maxAbs, scale } = maxAbsDifference(r.data, g.data);
    return {
      id,
      shape: [...r.shape],
      maxAbsError: maxAbs,
      maxRelError: scale > 0 ? maxAbs / scale : maxAbs,
      scale,
    };
  });
}

/**
 * Runs the graph on backend-cpu and on backend-tfjs with the same weights (`initWeights` with the seed,
 * unless given) and the same seeded random inputs in [-1, 1), and reports per output how far tfjs is
 * from cpu.
 */
export async function verifyGraph(graph: Graph, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const seed = opts.seed ?? 0;
  const batch = opts.batch ?? 1;
  const tolerance = opts.tolerance ?? 1e-4;
  const weights = opts.weights ?? initWeights(graph, { seed });
  const inputs = randomInputs(graph, batch, seed);
  opts.onStep?.("cpu");
  const ref = await runCpu(graph, weights, inputs);
  opts.onStep?.("tfjs");
  const tfjs = await loadTfjs(opts.runtime ?? "wasm");
  const runtime = tfjs.currentBackend() ?? opts.runtime ?? "wasm";
  const model = opts.model ?? tfjs.compile(graph, { weights });
  let got: Record<string, TensorData>;
  try {
    got = await predictTfjs(model, graph, inputs);
  } finally {
    if (!opts.model) model.dispose();
  }
  const outputs = compareOutputs(graph, ref, got);
  const maxAbsError = Math.max(0, ...outputs.map((o) => o.maxAbsError));
  const maxRelError = Math.max(0, ...outputs.map((o) => o.maxRelError));
  return {
    ok: outputs.every((o) => o.maxRelError <= tolerance),
    tolerance,
    seed,
    batch,
    runtime,
    outputs,
    maxAbsError,
    maxRelError,
  };
}
