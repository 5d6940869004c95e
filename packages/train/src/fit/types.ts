import type { WeightMap } from "@fusegraph/dsl";
import type { Task, TaskMetric } from "../tasks/types.js";

/** The tfjs backend training runs on. */
export type Engine = "wasm" | "cpu";

export interface TrainOptions {
  /** A bundled task's name ("shapes") or a Task object. */
  task: string | Task;
  /** Passes over the training set in this call (default 5; 0 only evaluates). */
  epochs?: number;
  /**
   * Epochs already done (default 0), as Keras's `initial_epoch`: when resuming from `weights`, numbering
   * and each epoch's seeded shuffle continue where the earlier run stopped.
   */
  initialEpoch?: number;
  /** Samples per step (default 8); the last step of an epoch takes what is left. */
  batchSize?: number;
  /** Adam's learning rate (default 1e-3). */
  lr?: number;
  /** Seeds the weight init, the training data, the held-out data and the shuffling (default 0). */
  seed?: number;
  /** Training samples (default {@link DEFAULT_TRAIN_SAMPLES}). */
  trainSamples?: number;
  /** Held-out samples, from another seed stream than the training set (default {@link DEFAULT_VAL_SAMPLES}). */
  valSamples?: number;
  /** Start from these weights instead of the seeded init (resume). Adam's moments start afresh. */
  weights?: WeightMap;
  /** tfjs backend (default "wasm", with fusegraph's training kernels); the previous backend is restored after. */
  engine?: Engine;
  /** Stops cleanly after the current step; the result then holds the weights of the last completed step. */
  signal?: AbortSignal;
  onStep?: (p: StepProgress) => void;
  /** After each epoch's held-out evaluation; awaited, so it can write a checkpoint with `weights()`. */
  onEpoch?: (r: EpochRecord, weights: () => WeightMap) => void | Promise<void>;
}

export interface StepProgress {
  /** 1-based, counting `initialEpoch`. */
  epoch: number;
  /** The last epoch of this call: `initialEpoch + epochs`. */
  epochs: number;
  /** 1-based within the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** This step's training loss (sum over supervised outputs). */
  loss: number;
  /** Since training started. */
  elapsedMs: number;
}

export interface EpochRecord {
  /** 1-based, counting `initialEpoch`. */
  epoch: number;
  /** Mean of the epoch's step losses, weighted by batch size. */
  trainLoss: number;
  /** Held-out loss (sum over supervised outputs) after the epoch. */
  valLoss: number;
  /** The task's metric on the held-out set (primary output). */
  metric: number;
  /** Since training started, held-out evaluations included. */
  elapsedMs: number;
}

export interface TrainResult {
  task: string;
  metric: TaskMetric;
  history: EpochRecord[];
  /** Held-out loss and metric before any step. */
  initial: { valLoss: number; metric: number };
  weights: WeightMap;
  /** True when `signal` stopped training before the last epoch ended. */
  stopped: boolean;
  /** Optimizer steps taken. */
  steps: number;
  /** Time spent in optimizer steps (held-out evaluations excluded). */
  trainMs: number;
  stepsPerSecond: number;
  /** The backend actually used. */
  engine: Engine;
}

export interface EvaluateOptions {
  task: string | Task;
  /** The `seed` given to `train`: it fixes the held-out set (default 0). */
  seed?: number;
  valSamples?: number;
  engine?: Engine;
}

export interface EvaluateResult {
  valLoss: number;
  metric: number;
}

/** Small enough that an epoch of a sample spec takes seconds on two cores. */
export const DEFAULT_TRAIN_SAMPLES = 64;
export const DEFAULT_VAL_SAMPLES = 16;
export const DEFAULT_EPOCHS = 5;
export const DEFAULT_BATCH_SIZE = 8;
export const DEFAULT_LR = 1e-3;
