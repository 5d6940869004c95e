import { Worker } from "node:worker_threads";
import { ExecutionError } from "../errors.js";
import { gemmModule, type WasmMemory } from "./module.js";

/** Most arguments one convChunks call takes. */
const MAX_ARGS = 64;
/** Control words per worker: [0] task sequence (bumped by the caller; negative: exit), [1] done sequence. */
const TASK = 0;
const DONE = 1;

/**
 * Worker body: its own instance of the kernels over the executor's shared memory, blocked in Atomics.wait
 * on its task word between tasks (no message hand-off, so waking it costs one futex). A failed task
 * reports the negated sequence.
 */
const WORKER_MAIN = `
const { workerData } = require("node:worker_threads");
const { exports } = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } });
const ctrl = workerData.ctrl;
const args = workerData.args;
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${TASK}, seen);
  const seq = Atomics.load(ctrl, ${TASK});
  if (seq < 0) break;
  if (seq === seen) continue;
  seen = seq;
  let done = seq;
  try {
    exports.convChunks(...args.subarray(0, args[${MAX_ARGS}]));
  } catch {
    done = -seq;
  }
  Atomics.store(ctrl, ${DONE}, done);
  Atomics.notify(ctrl, ${DONE});
}
`;

/** Longest a worker may take on one slice before the run is declared failed. */
const WORKER_TIMEOUT_MS = 300_000;

interface Slot {
  worker: Worker;
  ctrl: Int32Array;
  /** The task's arguments, then their count at MAX_ARGS. */
  args: Float64Array;
  seq: number;
}

/**
 * Worker threads running the WebAssembly kernels on one shared memory: the calling thread writes each
 * worker's slice into shared words and wakes it, computes its own slice, then blocks until the workers
 * are done, so runs stay synchronous. Workers are unref'd: an idle pool never keeps the process alive.
 */
export class WasmPool {
  private readonly slots: Slot[] = [];

  constructor(memory: WasmMemory, size: number) {
    for (let i = 0; i < size; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(8));
      const args = new Float64Array(new SharedArrayBuffer((MAX_ARGS + 1) * 8));
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
   * Runs `convChunks(...slices[i])` on worker i for every worker and `own()` (its share) on the
   * calling thread, then waits for the workers.
   */
  conv(slices: readonly (readonly number[])[], own: () => void): void {
    this.slots.forEach((s, i) => {
      const a = slices[i]!;
      s.args.set(a);
      s.args[MAX_ARGS] = a.length;
      s.seq += 1;
      Atomics.store(s.ctrl, TASK, s.seq);
      Atomics.notify(s.ctrl, TASK);
    });
    own();
    for (const s of this.slots) {
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

  dispose(): void {
    for (const s of this.slots) {
      Atomics.store(s.ctrl, TASK, -1);
      Atomics.notify(s.ctrl, TASK);
      void s.worker.terminate();
    }
    this.slots.length = 0;
  }
}
