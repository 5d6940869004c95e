/**
 * The two backends, loaded on first use: importing tfjs costs about a second, which `check` and
 * `inspect` should not pay.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { BackendName } from "@fusegraph/backend-tfjs";
import { type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
import { UsageError } from "./errors.js";

export type TfjsModule = typeof import("@fusegraph/backend-tfjs");
/** The tfjs runtime under backend-tfjs: WebAssembly (default) or tfjs's plain-JS cpu backend. */
export type TfjsRuntime = BackendName;
export const TFJS_RUNTIMES: readonly TfjsRuntime[] = ["wasm", "cpu"];
export type LayersModel = ReturnType<TfjsModule["compile"]>;

/** backend-tfjs on the chosen runtime. Importing it first sets tfjs's PROD flag, which silences its banner. */
export async function loadTfjs(runtime: TfjsRuntime = "wasm"): Promise<TfjsModule> {
  const m = await import("@fusegraph/backend-tfjs");
  await m.useBackend(runtime);
  return m;
}

/** Runs a compiled tfjs model on batch-first tensors keyed by input id; one tensor per graph output. */
export async function predictTfjs(
  model: LayersModel,
  graph: Graph,
  inputs: Readonly<Record<string, TensorData>>,
): Promise<Record<string, TensorData>> {
  const tfjs = await import("@fusegraph/backend-tfjs");
  return tfjs.predict(model, graph, inputs);
}

/** Runs the graph once on backend-cpu and frees its worker threads. */
export async function runCpu(
  graph: Graph,
  weights: WeightMap,
  inputs: Readonly<Record<string, TensorData>>,
): Promise<Record<string, TensorData>> {
  const cpu = await import("@fusegraph/backend-cpu");
  const executor = cpu.prepare(graph, weights);
  try {
    return executor.run(inputs);
  } finally {
    executor.dispose();
  }
}

/** Runs the graph once on tfjs and frees the model. */
export async function runTfjs(
  graph: Graph,
  weights: WeightMap,
  inputs: Readonly<Record<string, TensorData>>,
  runtime: TfjsRuntime = "wasm",
): Promise<Record<string, TensorData>> {
  const tfjs = await loadTfjs(runtime);
  const model = tfjs.compile(graph, { weights });
  try {
    return await predictTfjs(model, graph, inputs);
  } finally {
    model.dispose();
  }
}

/**
 * `--weights <dir>` (a fusegraph weights directory, checked against the graph) or, without it,
 * `initWeights(graph, { seed })`. A directory that is missing or does not fit the graph is a usage error.
 */
export async function resolveWeights(
  graph: Graph,
  options: { weights?: string; seed: number },
  cwd: string,
): Promise<WeightMap> {
  if (options.weights === undefined) return initWeights(graph, { seed: options.seed });
  const dir = resolve(cwd, options.weights);
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--weights "${options.weights}" is not a directory`);
  const cpu = await import("@fusegraph/backend-cpu");
  try {
    return await cpu.loadWeights(dir, graph);
  } catch (err) {
    if (err instanceof cpu.ExecutionError) throw new UsageError(`--weights: ${err.message}`);
    throw err;
  }
}
