import { Worker } from "node:worker_threads";
import { ExecutionError } from "../errors.js";
import { gemmModule, type WasmMemory } from "./module.js";

/** Worker body: its own instance of the kernels over the executor's shared memory. */
const WORKER_MAIN = `
const { parentPort, workerData } = require("node:worker_threads");
const { exports } = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } });
parentPort.on("message", (t) => {
  let status = 1;
  try {
    exports.convRows(...t.args);
  } catch {
    status = 2;
  }
  Atomics.store(t.ctrl, 0, status);
  Atomics.notify(t.ctrl, 0);
});
`;

/** Longest a worker may take on one slice before the run is declared failed. */
const WORKER_TIMEOUT_MS = 300_000;

/**
 * Worker threads running the WebAssembly kernels on one shared memory: the calling thread posts each
 * worker a row slice, computes its own, then blocks on a shared flag until they are done, so runs stay
 * synchronous. Workers are unref'd: an idle pool never keeps the process alive.
 */
export class WasmPool {
  private readonly workers: Worker[] = [];
  private readonly flags: Int32Array[] = [];

  constructor(memory: WasmMemory, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_MAIN, { eval: true, workerData: { module: gemmModule(), memory } });
      worker.unref();
      this.workers.push(worker);
      this.flags.push(new Int32Array(new SharedArrayBuffer(4)));
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs `convRows(...slices[i])` on worker i for every worker, and `own()` (the last slice) on the
   * calling thread, then waits for the workers.
   */
  conv(slices: readonly (readonly number[])[], own: () => void): void {
    this.workers.forEach((worker, i) => {
      const ctrl = this.flags[i]!;
      Atomics.store(ctrl, 0, 0);
      worker.postMessage({ args: slices[i], ctrl });
    });
    own();
    for (const ctrl of this.flags) {
      if (Atomics.wait(ctrl, 0, 0, WORKER_TIMEOUT_MS) === "timed-out" || Atomics.load(ctrl, 0) !== 1) {
        throw new ExecutionError("worker_failed", "a worker thread failed while computing a convolution");
      }
    }
  }

  dispose(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
