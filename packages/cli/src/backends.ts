/**
 * The two backends, loaded on first use: importing tfjs costs about a second, which `check` and
 * `inspect` should not pay.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { NonFiniteWeight, PrepareOptions } from "@fusegraph/backend-cpu";
import type { BackendName } from "@fusegraph/backend-tfjs";
import { type Graph, initWeights, type TensorData, type WeightMap } from "@fusegraph/dsl";
import { UsageError } from "./errors.js";
import {
  formatIndex,
  formatNonFinite,
  type NonFiniteCounts,
  noNonFinite,
  unravelIndex,
} from "./non-finite.js";
import type { CliIO } from "./output.js";

export type TfjsModule = typeof import("@fusegraph/backend-tfjs/node");
/** The tfjs runtime under backend-tfjs: WebAssembly (default) or tfjs's plain-JS cpu backend. */
export type TfjsRuntime = BackendName;
export const TFJS_RUNTIMES: readonly TfjsRuntime[] = ["wasm", "cpu"];
export type LayersModel = ReturnType<TfjsModule["compile"]>;

/** backend-tfjs (with its Node file IO) on the chosen runtime. */
export async function loadTfjs(runtime: TfjsRuntime = "wasm"): Promise<TfjsModule> {
  // NOTE: tfjs's cpu backend prints a banner advising tfjs-node on first use in Node; `PROD` is the
  // flag its logger honours. The CLI owns the output, so it sets the flag, not the library.
  const tf = await import("@tensorflow/tfjs");
  tf.env().set("PROD", true);
  const m = await import("@fusegraph/backend-tfjs/node");
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

/** Runs the graph once on backend-cpu (with `options`, e.g. Winograd off) and frees its worker threads. */
export async function runCpu(
  graph: Graph,
  weights: WeightMap,
  inputs: Readonly<Record<string, TensorData>>,
  options: PrepareOptions = {},
): Promise<Record<string, TensorData>> {
  const cpu = await import("@fusegraph/backend-cpu");
  const executor = cpu.prepare(graph, weights, options);
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

/** A warning naming the weights that hold NaN or ±Infinity (at most three, then how many more). */
export function nonFiniteWeightsWarning(
  found: readonly NonFiniteWeight[],
  total: number,
  source: string,
): string | undefined {
  if (found.length === 0) return undefined;
  const all = found.reduce<NonFiniteCounts>(
    (sum, w) => ({ nan: sum.nan + w.nan, posInf: sum.posInf + w.posInf, negInf: sum.negInf + w.negInf }),
    noNonFinite(),
  );
  const named = found
    .slice(0, 3)
    .map((w) => `"${w.name}" ${formatNonFinite(w)} first at ${formatIndex(unravelIndex(w.first, w.shape))}`);
  const more = found.length > 3 ? `, and ${found.length - 3} more` : "";
  return (
    `${source}: ${found.length} of ${total} weights hold NaN or Infinity (${formatNonFinite(all)} in all): ` +
    `${named.join(", ")}${more}; running with them as given`
  );
}

/**
 * `--weights <dir>` (a fusegraph weights directory, checked against the graph) or, without it,
 * `initWeights(graph, { seed })`. A directory that is missing or does not fit the graph is a usage error;
 * weights holding NaN or ±Infinity are used as given, with a warning on `io.stderr` naming them.
 */
export async function resolveWeights(
  graph: Graph,
  options: { weights?: string; seed: number },
  io: Pick<CliIO, "cwd" | "stderr">,
): Promise<WeightMap> {
  if (options.weights === undefined) return initWeights(graph, { seed: options.seed });
  const dir = resolve(io.cwd, options.weights);
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--weights "${options.weights}" is not a directory`);
  const cpu = await import("@fusegraph/backend-cpu");
  let weights: WeightMap;
  try {
    weights = await cpu.loadWeights(dir, graph);
  } catch (err) {
    if (err instanceof cpu.ExecutionError) throw new UsageError(`--weights: ${err.message}`);
    throw err;
  }
  const warning = nonFiniteWeightsWarning(
    cpu.nonFiniteWeights(weights),
    weights.size,
    `--weights ${options.weights}`,
  );
  if (warning) io.stderr.write(`fusegraph: warning: ${warning}\n`);
  return weights;
}
