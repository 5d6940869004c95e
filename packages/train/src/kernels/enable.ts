import { availableParallelism } from "node:os";
import { OneShotConv, wasmKernelsSupported } from "@fusegraph/backend-cpu/oneshot";
import * as tf from "@tensorflow/tfjs";
import { WasmTrainingError } from "./errors.js";
import { type TrainingKernelName, trainingKernels } from "./wasm-kernels.js";

/** What enableWasmTraining registered; `dispose()` puts tfjs's kernel registry back as it was. */
export interface WasmTrainingHandle {
  /** Names of the kernels registered for backend "wasm". */
  readonly kernels: readonly string[];
  dispose(): void;
}

export interface WasmTrainingOptions {
  /** Threads of the GEMM (the calling thread plus workers); default `os.availableParallelism()`, like backend-cpu. */
  threads?: number;
}

/**
 * The kernels registered by default. tfjs-wasm has no Conv2DBackpropFilter (conv weights' gradient) and no
 * UnsortedSegmentSum (gather's gradient: nearest/bilinear upsampling). Its own Conv2DBackpropInput is a
 * direct loop; the GEMM version replaces it from 8x8 maps on and hands smaller ones back to it (see
 * wasm-kernels.ts and src/bench/train-step.ts for the measured speed-ups).
 * Its MaxPoolGrad drops the gradient of windows of negative values and its AvgPoolGrad (like
 * tfjs-cpu's) ignores that the forward pass excludes padding: both are replaced by correct ones.
 */
export const DEFAULT_KERNELS: readonly TrainingKernelName[] = [
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "UnsortedSegmentSum",
  "MaxPoolGrad",
  "AvgPoolGrad",
];

interface Active {
  conv: OneShotConv;
  kernels: readonly TrainingKernelName[];
  /** tfjs's own config for each replaced kernel (undefined: there was none). */
  saved: Map<TrainingKernelName, tf.KernelConfig | undefined>;
  users: number;
}

let active: Active | undefined;

/**
 * Registers, for tfjs's "wasm" backend, the kernels that `model.fit` needs and tfjs-wasm lacks
 * (Conv2DBackpropFilter, UnsortedSegmentSum) plus a faster Conv2DBackpropInput, all on backend-cpu's
 * WebAssembly SIMD GEMM (threads share one WebAssembly.Memory). Nothing happens at import time.
 *
 * The caller owns the backend: import "@tensorflow/tfjs-backend-wasm" first (its import registers
 * tfjs's kernels) and `await tf.setBackend("wasm")`. Idempotent: while enabled, later calls return
 * handles on the same kernels (their `threads` is ignored); the registry is restored when the last
 * handle is disposed.
 */
export function enableWasmTraining(options: WasmTrainingOptions = {}): WasmTrainingHandle {
  return registerTrainingKernels(options, DEFAULT_KERNELS);
}

/** enableWasmTraining for a chosen subset of the kernels (benchmarks compare with tfjs's own). */
export function registerTrainingKernels(
  options: WasmTrainingOptions,
  names: readonly TrainingKernelName[],
): WasmTrainingHandle {
  if (!active) {
    if (!wasmKernelsSupported())
      throw new WasmTrainingError(
        "wasm_unsupported",
        "this JavaScript engine cannot run fusegraph's WebAssembly kernels (they need SIMD and shared memory)",
        'train on tfjs\'s "cpu" backend instead, or use Node >= 20',
      );
    const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    const conv = new OneShotConv(threads);
    const saved = new Map<TrainingKernelName, tf.KernelConfig | undefined>();
    for (const name of names) saved.set(name, tf.getKernel(name, "wasm") as tf.KernelConfig | undefined);
    const configs = trainingKernels(conv, Object.fromEntries(saved));
    for (const name of names) {
      // NOTE: unregister first, or tfjs warns that the kernel is already registered.
      if (saved.get(name)) tf.unregisterKernel(name, "wasm");
      tf.registerKernel(configs[name]);
    }
    active = { conv, kernels: [...names], saved, users: 0 };
  }
  const state = active;
  state.users += 1;
  let disposed = false;
  return {
    kernels: state.kernels,
    dispose() {
      if (disposed) return;
      disposed = true;
      state.users -= 1;
      if (state.users === 0 && active === state) restore(state);
    },
  };
}

/** Bytes of WebAssembly memory the enabled kernels hold (0 when disabled); tests check it stays flat. */
export function trainingMemoryBytes(): number {
  return active?.conv.memoryBytes() ?? 0;
}

function restore(state: Active): void {
  active = undefined;
  const backend = tf.engine().registry.wasm;
  for (const [name, own] of state.saved) {
    if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
    if (!own) continue;
    tf.registerKernel(own);
    // A backend initialised while ours was registered never ran tfjs's setup for this kernel.
    if (backend) own.setupFunc?.(backend);
  }
  state.conv.dispose();
}
