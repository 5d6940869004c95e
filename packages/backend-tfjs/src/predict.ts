import type { Graph, TensorData } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { CompileError } from "./errors.js";

/**
 * Runs a model compiled from `graph` on batch-first tensors keyed by graph input id, the way
 * backend-cpu's `executor.run` takes them, and returns one tensor per graph output keyed by output id.
 * Every tensor it creates is disposed before it returns. Awaits `tf.ready()` first, so it works straight
 * after import on a backend that starts asynchronously (wasm).
 */
export async function predict(
  model: tf.LayersModel,
  graph: Graph,
  inputs: Readonly<Record<string, TensorData>>,
): Promise<Record<string, TensorData>> {
  for (const input of graph.inputs) {
    const t = inputs[input.id];
    if (!t) {
      throw new CompileError(
        input.id,
        "missing_input",
        "graph input has no tensor",
        `pass inputs["${input.id}"]`,
      );
    }
    const want = input.shape;
    const fits = t.shape.length === want.length + 1 && want.every((d, i) => t.shape[i + 1] === d);
    if (!fits || t.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new CompileError(
        input.id,
        "input_shape",
        `input tensor has shape [${t.shape.join(",")}] with ${t.data.length} values, expected [N,${want.join(",")}]`,
      );
    }
  }
  await tf.ready();
  const xs = graph.inputs.map((i) => tf.tensor(inputs[i.id]!.data, [...inputs[i.id]!.shape]));
  let ys: tf.Tensor[] = [];
  try {
    const y = model.predict(xs.length === 1 ? xs[0]! : xs);
    ys = Array.isArray(y) ? y : [y];
    if (ys.length !== graph.outputs.length) {
      throw new CompileError(
        graph.outputs[0] ?? graph.name,
        "unknown_node",
        `the model gives ${ys.length} outputs, the graph has ${graph.outputs.length}`,
        "compile the model from this graph",
      );
    }
    const out: Record<string, TensorData> = {};
    for (const [k, id] of graph.outputs.entries()) {
      const t = ys[k]!;
      out[id] = { shape: [...t.shape], data: Float32Array.from(await t.data()) };
    }
    return out;
  } finally {
    tf.dispose([...xs, ...ys]);
  }
}
