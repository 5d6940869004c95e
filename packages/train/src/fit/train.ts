import { modelWeights } from "@fusegraph/backend-tfjs";
import type { Graph, WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import type { TaskBinding } from "../tasks/types.js";
import { onEngine } from "./engine.js";
import { type ResolvedOptions, resolveOptions } from "./options.js";
import { permutation, Stream, streamSeed } from "./seeds.js";
import { batchTensors, bindTask, dataset, heldOut, openSession } from "./session.js";
import type { Engine, EpochRecord, TrainOptions, TrainResult } from "./types.js";

/** What a run needs beyond the resolved options: the hooks and the starting weights. */
export type RunHooks = Pick<TrainOptions, "signal" | "onStep" | "onEpoch" | "weights">;

/**
 * Trains `graph` on a task with Adam: seeded weights (or `options.weights`), seeded training and held-out
 * sets from separate streams, a seeded shuffle per epoch, and after each epoch the held-out loss and the
 * task's metric. Runs on the tfjs backend `options.engine` and restores the previous one after.
 * Throws a {@link TrainError} for an unknown task, a spec that does not fit it, bad options or weights.
 */
export async function train(graph: Graph, options: TrainOptions): Promise<TrainResult> {
  const resolved = resolveOptions(options);
  const binding = bindTask(graph, resolved.task);
  return onEngine(resolved.engine, (used) => runTraining(graph, binding, resolved, options, used));
}

/** {@link train} on the backend already selected (the caller holds the engine). */
export async function runTraining(
  graph: Graph,
  binding: TaskBinding,
  o: ResolvedOptions,
  hooks: RunHooks,
  engine: Engine,
): Promise<TrainResult> {
  const session = openSession(graph, binding, {
    seed: o.seed,
    ...(hooks.weights ? { weights: hooks.weights } : {}),
  });
  const optimizer = tf.train.adam(o.lr);
  try {
    const trainSet = dataset(binding, o.trainSamples, streamSeed(o.seed, Stream.train));
    const valSet = dataset(binding, o.valSamples, streamSeed(o.seed, Stream.heldOut));
    const initial = await heldOut(session, valSet);
    const history: EpochRecord[] = [];
    const stepsPerEpoch = Math.ceil(trainSet.n / o.batchSize);
    const start = performance.now();
    let steps = 0;
    let trainMs = 0;
    let stopped = false;
    const lastEpoch = o.initialEpoch + o.epochs;
    for (let epoch = o.initialEpoch + 1; epoch <= lastEpoch && !stopped; epoch++) {
      const order = permutation(trainSet.n, streamSeed(o.seed, Stream.shuffle, epoch));
      let lossSum = 0;
      for (let step = 1; step <= stepsPerEpoch; step++) {
        if (hooks.signal?.aborted) {
          stopped = true;
          break;
        }
        const rows = order.subarray((step - 1) * o.batchSize, step * o.batchSize);
        const t0 = performance.now();
        const loss = await trainStep(session, optimizer, batchTensors(trainSet, rows));
        trainMs += performance.now() - t0;
        steps++;
        lossSum += loss * rows.length;
        hooks.onStep?.({
          epoch,
          epochs: lastEpoch,
          step,
          stepsPerEpoch,
          loss,
          elapsedMs: performance.now() - start,
        });
      }
      if (stopped) break;
      const r = await heldOut(session, valSet);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / trainSet.n,
        valLoss: r.valLoss,
        metric: r.metric,
        elapsedMs: performance.now() - start,
      };
      history.push(record);
      await hooks.onEpoch?.(record, () => modelWeights(session.model, graph));
    }
    const weights: WeightMap = modelWeights(session.model, graph);
    return {
      task: binding.task.name,
      metric: { ...binding.task.metric },
      history,
      initial,
      weights,
      stopped,
      steps,
      trainMs,
      stepsPerSecond: trainMs > 0 ? steps / (trainMs / 1000) : 0,
      engine,
    };
  } finally {
    optimizer.dispose();
    session.dispose();
  }
}

/** One Adam step on a batch; returns its loss. Disposes the batch. */
async function trainStep(
  session: ReturnType<typeof openSession>,
  optimizer: tf.Optimizer,
  batch: { x: tf.Tensor; ys: tf.Tensor[] },
): Promise<number> {
  let cost: tf.Scalar | null = null;
  try {
    cost = optimizer.minimize(
      () => session.loss(session.forward(batch.x, true), batch.ys),
      true,
      session.variables,
    );
    return (await cost?.data())?.[0] ?? Number.NaN;
  } finally {
    tf.dispose([batch.x, ...batch.ys]);
    cost?.dispose();
  }
}
