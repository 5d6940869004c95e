import type { Task } from "../tasks/types.js";
import { TrainError } from "./errors.js";
import { resolveTask } from "./session.js";
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_EPOCHS,
  DEFAULT_LR,
  DEFAULT_TRAIN_SAMPLES,
  DEFAULT_VAL_SAMPLES,
  type Engine,
  type TrainOptions,
} from "./types.js";

/** Train options with every default filled in and every number checked. */
export interface ResolvedOptions {
  task: Task;
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  lr: number;
  seed: number;
  trainSamples: number;
  valSamples: number;
  engine: Engine;
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TrainError("invalid_options", `${name} must be an integer ≥ ${min}, got ${value}`, {
      hint: `give ${name} as a whole number of at least ${min}`,
    });
  }
  return value;
}

export function resolveOptions(
  o: Omit<TrainOptions, "onStep" | "onEpoch" | "weights" | "signal">,
): ResolvedOptions {
  const lr = o.lr ?? DEFAULT_LR;
  if (!Number.isFinite(lr) || lr < 0) {
    throw new TrainError("invalid_options", `lr must be a finite number ≥ 0, got ${lr}`, {
      hint: "Adam's usual learning rates are 1e-4 to 1e-2",
    });
  }
  const engine = o.engine ?? "wasm";
  if (engine !== "wasm" && engine !== "cpu") {
    throw new TrainError("invalid_options", `engine must be "wasm" or "cpu", got "${String(engine)}"`, {
      hint: 'use "wasm" (fast) or "cpu"',
    });
  }
  return {
    task: resolveTask(o.task),
    epochs: integer("epochs", o.epochs ?? DEFAULT_EPOCHS, 0),
    initialEpoch: integer("initialEpoch", o.initialEpoch ?? 0, 0),
    batchSize: integer("batchSize", o.batchSize ?? DEFAULT_BATCH_SIZE, 1),
    lr,
    seed: integer("seed", o.seed ?? 0, 0),
    trainSamples: integer("trainSamples", o.trainSamples ?? DEFAULT_TRAIN_SAMPLES, 1),
    valSamples: integer("valSamples", o.valSamples ?? DEFAULT_VAL_SAMPLES, 1),
    engine,
  };
}
