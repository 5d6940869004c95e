import { Worker } from "node:worker_threads";
import { ExecutionError } from "../errors.js";
import { gemmModule, type WasmMemory } from "./module.js";

/** Most arguments one task takes. */
const MAX_ARGS = 64;
/** Kernel exports a worker can run; a task names one by its index here. */
export const TASK_KERNELS = ["convChunks", "winogradChunks"] as const;
export type TaskKernel = (typeof TASK_KERNELS)[number];
/**
 * Control words per worker. [0] TASK: even = a task posted with that sequence, odd = nothing to run
 * (claimed, cancelled or idle), negative = exit. [1] DONE: the sequence of the last task run (negated
 * when it failed).
 */
const TASK = 0;
const DONE = 1;

/**
 * Worker body: its own instance of the kernels over the executor's shared memory, blocked in Atomics.wait
 * on its task word between tasks (no message hand-off, so waking it costs one futex). A posted task is
 * claimed with a compare-exchange (even -> odd); the caller may cancel it the same way first, when it has
 * finished every chunk before this worker even woke up (a worker descheduled by another process).
 */
const WORKER_MAIN = `
const { workerData } = require("node:worker_threads");
const { exports } = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } });
const kernels = ${JSON.stringify(TASK_KERNELS)}.map((k) => exports[k]);
const ctrl = workerData.ctrl;
const args = workerData.args;
let seen = 1;
for (;;) {
  Atomics.wait(ctrl, ${TASK}, seen);
  const v = Atomics.load(ctrl, ${TASK});
  if (v < 0) break;
  seen = v;
  if ((v & 1) === 1 || Atomics.compareExchange(ctrl, ${TASK}, v, v + 1) !== v) continue;
  seen = v + 1;
  let done = v;
  try {
    kernels[args[${MAX_ARGS + 1}]](...args.subarray(0, args[${MAX_ARGS}]));
  } catch {
    done = -v;
  }
  Atomics.store(ctrl, ${DONE}, done);
  Atomics.notify(ctrl, ${DONE});
}
`;

/** Longest a worker may take on one task before the run is declared failed. */
const WORKER_TIMEOUT_MS = 300_000;

interface Slot {
  worker: Worker;
  ctrl: Int32Array;
  /** The task's arguments, then their count at MAX_ARGS and the kernel's index at MAX_ARGS + 1. */
  args: Float64Array;
  /** Sequence of the last task posted (even). */
  seq: number;
}

/**
 * Worker threads running the WebAssembly kernels on one shared memory: the calling thread writes each
 * worker's arguments into shared words and wakes it, works through the same shared chunk counter itself,
 * then waits only for the workers that claimed the task, so runs stay synchronous. Workers are unref'd:
 * an idle pool never keeps the process alive.
 */
export class WasmPool {
  private readonly slots: Slot[] = [];
  /** Worker shares run (claimed by the worker) and cancelled (the caller had already done every chunk). */
  readonly stats = { claimed: 0, cancelled: 0 };

  constructor(memory: WasmMemory, size: number) {
    for (let i = 0; i < size; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(8));
      ctrl[TASK] = 1;
      const args = new Float64Array(new SharedArrayBuffer((MAX_ARGS + 2) * 8));
      const worker = new Worker(WORKER_MAIN, {
        eval: true,
        workerData: { module: gemmModule(), memory, ctrl, args },
      });
      worker.unref();
      this.slots.push({ worker, ctrl, args, seq: 0 });
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Runs `kernel(...slices[i])` on worker i for every worker and `own()` on the calling thread, then waits
   * for the workers that started. The kernels take chunks from a shared counter, so a worker that never
   * started (cancelled here) leaves no work undone.
   */
  run(kernel: TaskKernel, slices: readonly (readonly number[])[], own: () => void): void {
    const index = TASK_KERNELS.indexOf(kernel);
    this.slots.forEach((s, i) => {
      const a = slices[i]!;
      s.args.set(a);
      s.args[MAX_ARGS] = a.length;
      s.args[MAX_ARGS + 1] = index;
      s.seq += 2;
      Atomics.store(s.ctrl, TASK, s.seq);
      Atomics.notify(s.ctrl, TASK);
    });
    own();
    for (const s of this.slots) {
      if (Atomics.compareExchange(s.ctrl, TASK, s.seq, s.seq + 1) === s.seq) {
        this.stats.cancelled++;
        continue;
      }
      this.stats.claimed++;
      const deadline = Date.now() + WORKER_TIMEOUT_MS;
      let done = Atomics.load(s.ctrl, DONE);
      while (done !== s.seq && done !== -s.seq && Date.now() < deadline) {
        Atomics.wait(s.ctrl, DONE, done, WORKER_TIMEOUT_MS);
        done = Atomics.load(s.ctrl, DONE);
      }
      if (done !== s.seq) {
        throw new ExecutionError("worker_failed", "a worker thread failed while computing a convolution");
      }
    }
  }

  /** `run` of convChunks (kept for callers of the earlier API). */
  conv(slices: readonly (readonly number[])[], own: () => void): void {
    this.run("convChunks", slices, own);
  }

  dispose(): void {
    for (const s of this.slots) {
      Atomics.store(s.ctrl, TASK, -1);
      Atomics.notify(s.ctrl, TASK);
      void s.worker.terminate();
    }
    this.slots.length = 0;
  }
}
