import type { Graph, Shape, TensorData } from "@fusegraph/dsl";
import { ExecutionError } from "../errors.js";
import { GEMM_KC, GEMM_MC } from "../gemm.js";
import type { Runtime } from "../kernels/types.js";
import type { BufferPlan } from "../plan.js";
import { WorkerPool } from "../pool.js";
import { type ProfiledRun, summarizeProfile } from "../profile.js";
import { sharedFloats } from "../tensor.js";
import type { WasmContext } from "../wasm/context.js";
import { checkInputs } from "./check-inputs.js";
import type { Step } from "./dispatch.js";

/** Where conv and dense GEMMs run: WebAssembly SIMD kernels, or the plain-JS fallback. */
export type GemmKernel = "wasm" | "js";

/** A graph ready to run: weights packed, buffers planned. */
export interface Executor {
  readonly graph: Graph;
  /** Floats of activation memory one example needs at peak (the planned arena). */
  readonly arenaFloatsPerExample: number;
  /** The GEMM kernels this executor runs on. */
  readonly kernel: GemmKernel;
  /** Threads its parallel kernels use (the calling thread included): what benchmarks report as obtained. */
  readonly threads: number;
  /** Tensors keyed by input id, batch first; returns one tensor per graph output. */
  run(inputs: Readonly<Record<string, TensorData>>): Record<string, TensorData>;
  /**
   * `run`, timing each step on the calling thread around its whole kernel (worker-thread GEMM slices
   * included, since the kernel returns only when they are done): the same outputs, bit for bit, and a
   * per-kernel-kind profile of that run. `run` itself reads no clock.
   */
  profile(inputs: Readonly<Record<string, TensorData>>): ProfiledRun;
  /** Stops the worker threads; the executor cannot run afterwards. */
  dispose(): void;
}

export interface ExecutorParts {
  graph: Graph;
  /** Shape of every value (graph inputs and expanded nodes) for one example. */
  shapes: ReadonlyMap<string, Shape>;
  steps: readonly Step[];
  plan: BufferPlan;
  threads: number;
  kernel: GemmKernel;
  /** The context the steps' GEMMs were prepared in; its memory then holds the arena. */
  wasm: WasmContext | undefined;
}

/**
 * Runs the prepared steps in order over one arena per batch size, each reading and writing views of
 * it at the planned offsets; aliasing steps have nothing to do, their output already is their input.
 */
export function executor({ graph, shapes, steps, plan, threads, kernel, wasm }: ExecutorParts): Executor {
  const running = steps.filter((s) => !s.alias);
  let pool: WorkerPool | undefined;
  let disposed = false;
  const rt: Runtime = {
    pool: () => {
      if (threads > 1 && !pool) pool = new WorkerPool(threads - 1);
      return pool;
    },
    scratch: new Float32Array(GEMM_MC * GEMM_KC),
  };
  let arena: { batch: number; data: Float32Array } | undefined;

  const view = (id: string, batch: number, data: Float32Array) => {
    const s = plan.slots.get(id)!;
    return data.subarray(s.offset * batch, (s.offset + s.size) * batch);
  };

  /** Runs every step; with `ms`, stores each step's time there (consecutive clock reads, so they sum up). */
  const execute = (
    inputs: Readonly<Record<string, TensorData>>,
    ms: number[] | undefined,
  ): { outputs: Record<string, TensorData>; batch: number } => {
    if (disposed) throw new ExecutionError("disposed", "executor was disposed");
    const batch = checkInputs(graph, inputs);
    if (arena?.batch !== batch) {
      const n = plan.peak * batch;
      // NOTE: a reused wasm region is zeroed like a fresh one, so no kernel sees another batch's values.
      arena = { batch, data: wasm ? wasm.arena(n).fill(0) : sharedFloats(n) };
    }
    const data = arena.data;
    for (const i of graph.inputs) view(i.id, batch, data).set(inputs[i.id]!.data);
    // NOTE: one loop without a clock and one with, so that `run` pays nothing for profiling.
    if (ms === undefined) {
      for (const s of running) {
        s.compute.run(
          s.inputs.map((i) => view(i, batch, data)),
          view(s.out, batch, data),
          batch,
          rt,
        );
      }
    } else {
      let last = performance.now();
      running.forEach((s, k) => {
        s.compute.run(
          s.inputs.map((i) => view(i, batch, data)),
          view(s.out, batch, data),
          batch,
          rt,
        );
        const now = performance.now();
        ms[k] = now - last;
        last = now;
      });
    }
    const result: Record<string, TensorData> = {};
    for (const o of graph.outputs) {
      result[o] = { shape: [batch, ...(shapes.get(o) ?? [])], data: view(o, batch, data).slice() };
    }
    return { outputs: result, batch };
  };

  return {
    graph,
    arenaFloatsPerExample: plan.peak,
    kernel,
    threads,
    run(inputs) {
      return execute(inputs, undefined).outputs;
    },
    profile(inputs) {
      const start = performance.now();
      const ms = new Array<number>(running.length);
      const { outputs, batch } = execute(inputs, ms);
      const totalMs = performance.now() - start;
      return {
        outputs,
        profile: summarizeProfile(
          running.map((s) => s.info),
          ms,
          batch,
          totalMs,
        ),
      };
    },
    dispose() {
      disposed = true;
      pool?.dispose();
      pool = undefined;
      wasm?.dispose();
      arena = undefined;
    },
  };
}
