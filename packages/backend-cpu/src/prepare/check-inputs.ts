import { formatShape, type Graph, numel, type TensorData } from "@fusegraph/dsl";
import { ExecutionError } from "../errors.js";

/** Validates names, dtypes and shapes of the run's inputs; returns the common batch size. */
export function checkInputs(graph: Graph, inputs: Readonly<Record<string, TensorData>>): number {
  const known = new Set(graph.inputs.map((i) => i.id));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) {
      throw new ExecutionError(
        "unknown_input",
        `input "${name}" is not an input of graph "${graph.name}" (inputs: ${[...known].join(", ")})`,
      );
    }
  }
  let batch: number | undefined;
  for (const { id, shape } of graph.inputs) {
    const t = inputs[id];
    if (!t) throw new ExecutionError("missing_input", `input "${id}" is missing`);
    if (!(t.data instanceof Float32Array)) {
      throw new ExecutionError("input_dtype", `input "${id}" must hold a Float32Array`);
    }
    const expected = `[N,${shape.join(",")}]`;
    const ok =
      Array.isArray(t.shape) &&
      t.shape.length === shape.length + 1 &&
      Number.isInteger(t.shape[0]) &&
      (t.shape[0] ?? 0) >= 1 &&
      shape.every((d, i) => t.shape[i + 1] === d);
    if (!ok) {
      throw new ExecutionError(
        "input_shape",
        `input "${id}" has shape ${formatShape(t.shape)}, expected ${expected}`,
      );
    }
    if (batch !== undefined && t.shape[0] !== batch) {
      throw new ExecutionError(
        "input_shape",
        `input "${id}" has batch ${t.shape[0]}, expected ${batch} like the other inputs`,
      );
    }
    batch = t.shape[0]!;
    if (t.data.length !== batch * numel(shape)) {
      throw new ExecutionError(
        "input_shape",
        `input "${id}" holds ${t.data.length} values, its shape ${formatShape(t.shape)} needs ${batch * numel(shape)}`,
      );
    }
  }
  return batch ?? 1;
}
