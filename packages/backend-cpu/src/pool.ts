import { Worker } from "node:worker_threads";
import { ExecutionError } from "./errors.js";
import { type ConvGeom, convRows, GEMM_KC, GEMM_MC, gemmSource } from "./gemm.js";

/** One slice of a conv: rows [m0, m1) of the output. Every array lives in shared memory. */
export interface ConvTask {
  x: Float32Array;
  w: Float32Array;
  bias: Float32Array;
  res: Float32Array;
  y: Float32Array;
  g: ConvGeom;
  m0: number;
  m1: number;
}

const WORKER_MAIN = `
const { parentPort } = require("node:worker_threads");
const pa = new Float32Array(${GEMM_MC * GEMM_KC});
parentPort.on("message", (t) => {
  let status = 1;
  try {
    convRows(t.x, 0, t.w, 0, t.bias, 0, t.res, 0, t.y, 0, t.g, t.m0, t.m1, pa);
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
 * Worker threads that share big convs with the main thread: the main thread posts each worker a slice,
 * computes its own slice, then blocks on a shared flag (Atomics.wait) until the workers are done, so
 * `run` stays synchronous. Workers are unref'd: an idle pool never keeps the process alive.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly flags: Int32Array[] = [];
  private readonly scratch = new Float32Array(GEMM_MC * GEMM_KC);

  constructor(readonly size: number) {
    const source = `${gemmSource()}\n${WORKER_MAIN}`;
    for (let i = 0; i < size; i++) {
      const worker = new Worker(source, { eval: true });
      worker.unref();
      this.workers.push(worker);
      this.flags.push(new Int32Array(new SharedArrayBuffer(4)));
    }
  }

  /** Threads that take part in a run: the workers plus the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Rows [0, m) split evenly; the calling thread takes the last slice. */
  conv(task: Omit<ConvTask, "m0" | "m1">, m: number): void {
    const n = this.threads;
    const step = Math.ceil(m / n);
    this.workers.forEach((worker, i) => {
      const ctrl = this.flags[i]!;
      Atomics.store(ctrl, 0, 0);
      worker.postMessage({ ...task, ctrl, m0: Math.min(m, i * step), m1: Math.min(m, (i + 1) * step) });
    });
    const own = Math.min(m, (n - 1) * step);
    convRows(task.x, 0, task.w, 0, task.bias, 0, task.res, 0, task.y, 0, task.g, own, m, this.scratch);
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
