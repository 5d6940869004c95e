import { availableParallelism } from "node:os";
import { type Graph, numel, type Shape, type WeightMap } from "@fusegraph/dsl";
import type { KernelTable } from "./kernels/types.js";
import { kernels } from "./kernels.js";
import { planBuffers } from "./plan.js";
import { checkWeights, withSharedWeights } from "./prepare/check-weights.js";
import { dispatch } from "./prepare/dispatch.js";
import { type Executor, executor, type GemmKernel } from "./prepare/execute.js";
import { expandComposites, expandedWeights } from "./prepare/expand.js";
import { planFusion } from "./prepare/fusion-plan.js";
import { WasmContext } from "./wasm/context.js";
import { wasmKernelsSupported } from "./wasm/module.js";
import type { WinogradMode } from "./wasm/winograd.js";

export { checkWeights } from "./prepare/check-weights.js";
export type { Executor, GemmKernel } from "./prepare/execute.js";
export type { WinogradMode } from "./wasm/winograd.js";

export interface PrepareOptions {
  /**
   * Threads that share large convs (the caller's plus workers); default `os.availableParallelism()`.
   * Work is handed out in small chunks from a shared counter, so a thread that loses its core to another
   * process only takes fewer chunks.
   */
  threads?: number;
  /** Fold batchNorm into the preceding conv and fuse activations and residual adds (default true). */
  fuse?: boolean;
  /**
   * GEMM kernels for conv and dense: "wasm" (default where WebAssembly SIMD and shared memory validate)
   * or "js". Asking for "wasm" where it does not validate falls back to "js"; see `Executor.kernel`.
   */
  kernel?: GemmKernel;
  /**
   * Run 3x3 stride-1 convs on the Winograd wasm kernels where they apply (default true): F(4x4, 3x3) on
   * maps of at least 16x16 (4x fewer multiplies, results within ~1e-5 relative of the direct conv),
   * F(2x2, 3x3) on smaller ones (2.25x, ~1e-6). "2x2" or "4x4" uses that tile size on every conv that
   * applies; false keeps every conv on im2col + GEMM (bit-equal to the plain-JS GEMM's order).
   */
  winograd?: WinogradMode;
}

/** Compiles a validated graph with its weights into an executor. */
export function prepare(graph: Graph, weights: WeightMap, options: PrepareOptions = {}): Executor {
  return prepareWith(kernels, graph, weights, options);
}

/**
 * `prepare` on another kernel table (internal: tests watch or replace entries through it). The stages:
 * check the weights, expand composites into core kinds, plan which nodes fuse into which kernel,
 * prepare every step through `table`, plan the buffers, and hand the steps to the executor.
 */
export function prepareWith(
  table: KernelTable,
  graph: Graph,
  weights: WeightMap,
  options: PrepareOptions = {},
): Executor {
  checkWeights(graph, weights);
  const expanded = expandComposites(graph);
  const allWeights = expandedWeights(withSharedWeights(graph, weights), expanded);
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const kernel: GemmKernel = options.kernel !== "js" && wasmKernelsSupported() ? "wasm" : "js";
  const wasm = kernel === "wasm" ? new WasmContext(threads, options.winograd ?? true) : undefined;
  const fusion = planFusion(expanded.nodes, graph.outputs, table, options.fuse ?? true);
  const steps = dispatch(graph, expanded.nodes, fusion, allWeights, table, wasm);
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  for (const n of expanded.nodes) shapes.set(n.id, n.shape);
  const sizes = new Map([...shapes].map(([id, shape]) => [id, numel(shape)]));
  const plan = planBuffers(
    graph.inputs.map((i) => ({ id: i.id, size: numel(i.shape) })),
    steps,
    sizes,
    graph.outputs,
  );
  return executor({ graph, shapes, steps, plan, threads, kernel, wasm });
}
