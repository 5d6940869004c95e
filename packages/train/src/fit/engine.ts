import { AsyncLocalStorage } from "node:async_hooks";
import { BackendError, useBackend } from "@fusegraph/backend-tfjs";
import * as tf from "@tensorflow/tfjs";
import { enableWasmTraining, WasmTrainingError, type WasmTrainingHandle } from "../kernels/index.js";
import { TrainError } from "./errors.js";
import type { Engine } from "./types.js";

// NOTE: tfjs's backend is process-global, so two trainings at once would switch it under each other;
// every public entry point runs its whole job inside this queue, one at a time.
let queue: Promise<unknown> = Promise.resolve();

/**
 * The run this async context is inside, if any: a nested call (evaluate in an onEpoch callback) runs on
 * that run's backend at once instead of queueing behind the run that awaits it, a deadlock.
 */
const holder = new AsyncLocalStorage<{ engine: Engine; active: boolean }>();

function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Runs `job` on the tfjs backend `engine` (wasm with fusegraph's training kernels registered), one job
 * at a time, then restores the backend that was active before: a library must not change the caller's
 * global backend behind their back. `job` gets the backend actually used (wasm falls back to cpu when
 * WebAssembly or fusegraph's kernels cannot start). Called from inside a job (a train's callback), it
 * runs at once on that job's backend, whatever `engine` says.
 */
export function onEngine<T>(engine: Engine, job: (used: Engine) => Promise<T>): Promise<T> {
  const held = holder.getStore();
  // NOTE: only while that run lasts: work a callback leaves behind (a timer) queues like any other.
  if (held?.active) return job(held.engine);
  return exclusive(async () => {
    const previous = tf.getBackend() as string | null | undefined;
    let used: Engine;
    try {
      used = await useBackend(engine);
    } catch (e) {
      if (e instanceof BackendError)
        throw new TrainError("backend_unavailable", e.message, { cause: e, hint: 'use engine "cpu"' });
      throw e;
    }
    let kernels: WasmTrainingHandle | undefined;
    if (used === "wasm") {
      try {
        kernels = enableWasmTraining();
      } catch (e) {
        if (!(e instanceof WasmTrainingError)) throw e;
        // Like useBackend's own fallback: this engine cannot run the kernels, tfjs-cpu trains everything.
        used = await useBackend("cpu");
      }
    }
    const run = { engine: used, active: true };
    try {
      return await holder.run(run, () => job(run.engine));
    } finally {
      run.active = false;
      kernels?.dispose();
      if (previous && previous !== tf.getBackend()) await tf.setBackend(previous);
    }
  });
}
