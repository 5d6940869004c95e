import type { Graph, SpecIssue } from "@fusegraph/dsl";

/** The bundled tasks; `tasks` in ./registry.ts has exactly these keys. */
export type TaskName = "shapes" | "edges" | "blobs" | "sequence";

/**
 * Loss per supervised output. The `…FromLogits` kinds are for outputs without a final sigmoid/softmax
 * (e.g. the lstm example's dense logits); `bind` picks them from the graph's last op.
 */
export type LossKind =
  | "binaryCrossentropy"
  | "binaryCrossentropyFromLogits"
  | "balancedBinaryCrossentropy"
  | "balancedBinaryCrossentropyFromLogits"
  | "categoricalCrossentropy"
  | "categoricalCrossentropyFromLogits"
  | "meanSquaredError"
  | "sparseCategoricalCrossentropy";

export interface TaskMetric {
  readonly name: string;
  readonly higherIsBetter: boolean;
}

/**
 * A spec that does not fit a task. Shaped like the dsl's SpecIssue (path, expected, received, hint)
 * so the CLI can print it the same way; `path` points into the spec (`["inputs", id]`, `["outputs", i]`).
 */
export interface TaskIssue extends Omit<SpecIssue, "code"> {
  code: "task_mismatch";
}

export type TaskBindingResult = { ok: true; binding: TaskBinding } | { ok: false; issues: TaskIssue[] };

export interface Task {
  readonly name: string;
  /** One line for help and docs. */
  readonly summary: string;
  readonly metric: TaskMetric;
  /** Which graph input is fed and which outputs are supervised, or issues saying why the spec does not fit. Never throws. */
  bind(graph: Graph): TaskBindingResult;
}

export interface SupervisedOutput {
  readonly id: string;
  /** Shape without the batch. */
  readonly shape: readonly number[];
  readonly loss: LossKind;
}

export interface TaskBinding {
  readonly task: Task;
  /** The fed graph input; shape without the batch. */
  readonly input: { readonly id: string; readonly shape: readonly number[] };
  /** Supervised outputs, primary (the one the metric reads) first. */
  readonly outputs: readonly SupervisedOutput[];
  /**
   * n samples, deterministic in (seed, n): x is [n, ...input.shape]; y[i] is [n, ...outputs[i].shape].
   * Sample k depends only on (seed, k), so a prefix of a larger set equals a smaller set. Train and
   * held-out sets must come from different seeds (the caller derives them, e.g. one stream per role):
   * each (seed, k) is hashed into its own 128-bit generator state, so two seeds give independent
   * streams that share a sample only by a state collision.
   */
  generate(n: number, seed: number): TaskBatch;
  /** The metric of predictions for the PRIMARY output vs its targets (both [n, ...shape], flat). */
  score(pred: Float32Array, target: Float32Array, n: number): number;
}

export interface TaskBatch {
  x: Float32Array;
  y: Float32Array[];
  n: number;
}
