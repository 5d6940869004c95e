import {
  type Graph,
  type GraphNode,
  type OpDef,
  type OpKind,
  ops,
  type Shape,
  type TensorData,
} from "@fusegraph/dsl";
// The shared seeded tensors and agreement measure of every backend's tests.
import { randomData, randomInputs, relError } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";

export { randomData, randomInputs, relError };

export interface NodeSketch {
  id: string;
  kind: OpKind;
  inputs: string[];
  params?: Record<string, unknown>;
}

/**
 * Builds a Graph straight from op definitions (params parsed, shapes inferred), independent of the
 * spec pipeline, so backend tests exercise exactly the ops they name.
 */
export function graphOf(inputs: Record<string, number[]>, sketches: NodeSketch[], outputs?: string[]): Graph {
  const shapes = new Map<string, Shape>(Object.entries(inputs));
  const nodes: GraphNode[] = [];
  for (const s of sketches) {
    const def = ops[s.kind] as OpDef<string, unknown>;
    const params = def.params.parse(s.params ?? {});
    const refs = def.refs?.(params) ?? [];
    const ids = [...s.inputs, ...refs];
    const problems: string[] = [];
    const shape = def.inferShape(
      ids.map((id) => shapes.get(id) ?? []),
      params,
      { nodeId: s.id, inputIds: ids, issue: (_c, m) => problems.push(m) },
    );
    if (!shape) throw new Error(`fixture: ${problems.join("; ")}`);
    shapes.set(s.id, shape);
    nodes.push({ id: s.id, kind: s.kind, inputs: ids, params, shape, path: ["nodes", s.id] } as GraphNode);
  }
  return {
    name: "fixture",
    inputs: Object.entries(inputs).map(([id, shape]) => ({ id, shape })),
    nodes,
    outputs: outputs ?? [sketches[sketches.length - 1]?.id ?? ""],
  };
}

/**
 * `predict` without its input checks and without awaiting tf.ready(), for property tests that run
 * inside synchronous fast-check properties on the (synchronous) cpu backend.
 */
export function predictSync(
  model: tf.LayersModel,
  graph: Graph,
  inputs: Readonly<Record<string, TensorData>>,
): Record<string, TensorData> {
  return tf.tidy(() => {
    const xs = graph.inputs.map((i) => tf.tensor(inputs[i.id]!.data, [...inputs[i.id]!.shape]));
    const y = model.predict(xs.length === 1 ? xs[0]! : xs);
    const ys = Array.isArray(y) ? y : [y];
    return Object.fromEntries(
      graph.outputs.map((id, k) => [
        id,
        { shape: [...ys[k]!.shape], data: Float32Array.from(ys[k]!.dataSync()) },
      ]),
    );
  });
}

/** Runs a model on a batch of one example per input and returns its first output's values. */
export function predictOne(
  model: tf.LayersModel,
  graph: Graph,
  seed = 1,
): { shape: number[]; data: Float32Array } {
  const y = predictSync(model, graph, randomInputs(graph, seed))[graph.outputs[0] ?? ""];
  if (!y) throw new Error("fixture: the graph has no output");
  return { shape: y.shape.slice(1), data: y.data };
}
