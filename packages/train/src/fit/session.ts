import { CompileError, compile } from "@fusegraph/backend-tfjs";
import type { Graph, WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { getTask, lossFunction, type Task, type TaskBatch, type TaskBinding, tasks } from "../tasks/index.js";
import { TrainError } from "./errors.js";
import { takeRows } from "./rows.js";

/** Held-out samples per forward pass: fixed, so a held-out number never depends on the training batch size. */
const EVAL_BATCH = 16;

/** The task object for a name or object; an unknown name is a {@link TrainError} listing the bundled ones. */
export function resolveTask(task: string | Task): Task {
  if (typeof task !== "string") return task;
  const found = getTask(task);
  if (found) return found;
  const names = Object.keys(tasks).join(", ");
  throw new TrainError("unknown_task", `no task named "${task}"`, { hint: `tasks: ${names}` });
}

/** The task bound to the graph, or a `task_mismatch` {@link TrainError} carrying the task's issues. */
export function bindTask(graph: Graph, task: Task): TaskBinding {
  const r = task.bind(graph);
  if (!r.ok) {
    const first = r.issues[0];
    // The task's own messages name the task ("task \"shapes\": output …"): prefix the spec only.
    const message = first
      ? `spec "${graph.name}": ${first.message}`
      : `spec "${graph.name}" does not fit task "${task.name}"`;
    throw new TrainError("task_mismatch", message, {
      issues: r.issues,
      ...(first?.hint === undefined ? {} : { hint: first.hint }),
    });
  }
  const extra = graph.inputs.filter((i) => i.id !== r.binding.input.id);
  if (extra.length > 0) {
    throw new TrainError(
      "task_mismatch",
      `task "${task.name}" feeds input "${r.binding.input.id}" only, but spec "${graph.name}" also has ${extra.map((i) => `"${i.id}"`).join(", ")}`,
      { hint: "train a spec with exactly one input" },
    );
  }
  return r.binding;
}

/** A compiled model with its losses: what one training or evaluation run works on. */
export interface Session {
  readonly binding: TaskBinding;
  readonly model: tf.LayersModel;
  /** The model's trainable variables, for the optimizer. */
  readonly variables: tf.Variable[];
  /** The supervised outputs of a forward pass, in the binding's order. */
  forward(x: tf.Tensor, training: boolean): tf.Tensor[];
  /** Sum over supervised outputs of each one's mean loss. */
  loss(outputs: readonly tf.Tensor[], targets: readonly tf.Tensor[]): tf.Scalar;
  dispose(): void;
}

/** Compiles `graph` (from `weights`, or seeded) for `binding`; compile failures become {@link TrainError}s. */
export function openSession(
  graph: Graph,
  binding: TaskBinding,
  init: { seed: number; weights?: WeightMap },
): Session {
  const outputIndex = binding.outputs.map((o) => graph.outputs.indexOf(o.id));
  const unknown = binding.outputs.find((_, i) => (outputIndex[i] ?? -1) < 0);
  if (unknown) {
    throw new TrainError(
      "task_mismatch",
      `the task supervises "${unknown.id}", which is no output of spec "${graph.name}"`,
      {
        hint: `outputs: ${graph.outputs.join(", ")}`,
      },
    );
  }
  let model: tf.LayersModel;
  try {
    model = compile(graph, init.weights ? { weights: init.weights } : { seed: init.seed });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    const what = init.weights ? "load the given weights into" : "compile";
    throw new TrainError("compile_failed", `cannot ${what} spec "${graph.name}": ${e.message}`, {
      cause: e,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    });
  }
  const variables: tf.Variable[] = [];
  for (const w of model.trainableWeights) {
    const v = w.read();
    if (!(v instanceof tf.Variable)) {
      model.dispose();
      throw new Error(`tfjs layer weight "${w.name}" is not a variable`);
    }
    variables.push(v);
  }
  const losses = binding.outputs.map((o) => lossFunction(o.loss));
  return {
    binding,
    model,
    variables,
    forward(x, training) {
      const y = model.apply(x, { training });
      const all = (Array.isArray(y) ? y : [y]).map((t) => {
        if (!(t instanceof tf.Tensor)) throw new Error("tfjs returned a symbolic tensor for concrete input");
        return t;
      });
      return outputIndex.map((k) => all[k]!);
    },
    loss(outputs, targets) {
      return tf.tidy(() =>
        tf.addN(losses.map((fn, i) => tf.mean(fn(targets[i]!, outputs[i]!)))),
      ) as tf.Scalar;
    },
    dispose() {
      model.dispose();
    },
  };
}

/** A generated set with the sizes of one sample's input and targets, for slicing batches. */
export interface Dataset extends TaskBatch {
  readonly xShape: readonly number[];
  readonly yShapes: readonly (readonly number[])[];
}

export function dataset(binding: TaskBinding, n: number, seed: number): Dataset {
  const b = binding.generate(n, seed);
  return { ...b, xShape: binding.input.shape, yShapes: binding.outputs.map((o) => o.shape) };
}

/** The rows `rows` of a dataset as tensors (x, then one target per supervised output). */
export function batchTensors(data: Dataset, rows: ArrayLike<number>): { x: tf.Tensor; ys: tf.Tensor[] } {
  const n = rows.length;
  const x = tf.tensor(takeRows(data.x, data.n, rows), [n, ...data.xShape]);
  const ys = data.y.map((y, i) => tf.tensor(takeRows(y, data.n, rows), [n, ...(data.yShapes[i] ?? [])]));
  return { x, ys };
}

/**
 * Held-out loss (the mean over samples of the per-batch losses, batches of {@link EVAL_BATCH} in order)
 * and the task's metric of the primary output over the whole set. Inference mode (dropout off,
 * batchNorm's moving statistics).
 */
export async function heldOut(session: Session, data: Dataset): Promise<{ valLoss: number; metric: number }> {
  const primary = data.y[0];
  if (!primary || data.n === 0) return { valLoss: Number.NaN, metric: Number.NaN };
  const perSample = primary.length / data.n;
  const pred = new Float32Array(primary.length);
  let total = 0;
  for (let start = 0; start < data.n; start += EVAL_BATCH) {
    const rows = Array.from({ length: Math.min(EVAL_BATCH, data.n - start) }, (_, i) => start + i);
    const { x, ys } = batchTensors(data, rows);
    const [loss, out] = tf.tidy(() => {
      const outs = session.forward(x, false);
      return [session.loss(outs, ys), outs[0]!];
    });
    try {
      total += ((await loss.data())[0] ?? Number.NaN) * rows.length;
      pred.set(await out.data(), start * perSample);
    } finally {
      tf.dispose([x, ...ys, loss, out]);
    }
  }
  return { valLoss: total / data.n, metric: session.binding.score(pred, primary, data.n) };
}
