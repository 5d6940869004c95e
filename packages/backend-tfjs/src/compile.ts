import {
  type Graph,
  type GraphNode,
  type GraphNodeOf,
  initWeights,
  type OpKind,
  type WeightMap,
} from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import "./layers/register.js";
import { CompileError } from "./errors.js";
import { type Lowering, lowerContext } from "./lowering.js";
import { lowerings } from "./lowerings.js";
import { checkLayerId, layerNameFor } from "./names.js";
import { setModelWeights } from "./weights.js";

export interface CompileOptions {
  /** Initial weights keyed `nodeId/weightName` (e.g. from backend-cpu); by default `initWeights(graph, { seed })`. */
  weights?: WeightMap;
  /** Seed of the default initial weights (0). */
  seed?: number;
}

function lowerNode<K extends OpKind>(
  node: GraphNodeOf<K>,
  ctx: ReturnType<typeof lowerContext>,
): tf.SymbolicTensor {
  // NOTE: indexing the table with a generic kind widens to the union of lowerings; each entry
  // handles exactly its own kind, so narrowing back to Lowering<K> is sound.
  return (lowerings[node.kind] as Lowering<K>)(node, ctx);
}

/** A tfjs model name: the graph's name with anything tfjs rejects replaced. */
function modelName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return /^[A-Za-z0-9]/.test(clean) ? clean : `m${clean}`;
}

/**
 * Compiles a validated graph into a tf.LayersModel (functional API), one layer (or a few named parts)
 * per node, layer names from node ids (see `layerNameFor`). Starts from the given weights, or from
 * `initWeights(graph, { seed })` so backend-cpu with the same seed runs the same model.
 * Throws {@link CompileError} naming the node when a node cannot be expressed in tfjs layers.
 */
export function compile(graph: Graph, opts: CompileOptions = {}): tf.LayersModel {
  const tensors = new Map<string, tf.SymbolicTensor>();
  const shapes = new Map<string, readonly number[]>();
  const inputs = graph.inputs.map((i) => {
    checkLayerId(i.id);
    const t = tf.input({ shape: [...i.shape], name: layerNameFor(i.id) });
    tensors.set(i.id, t);
    shapes.set(i.id, i.shape);
    return t;
  });
  for (const node of graph.nodes as readonly GraphNode[]) {
    checkLayerId(node.id);
    const ins = node.inputs.map((id) => {
      const t = tensors.get(id);
      if (!t)
        throw new CompileError(
          node.id,
          "unknown_node",
          `input "${id}" is not defined before the node`,
          "compile a graph from validateSpec/loadGraph",
        );
      return t;
    });
    const ctx = lowerContext(
      graph,
      node.id,
      ins,
      node.inputs.map((id) => shapes.get(id) ?? []),
    );
    let out: tf.SymbolicTensor;
    try {
      out = lowerNode(node, ctx);
    } catch (e) {
      if (e instanceof CompileError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new CompileError(
        node.id,
        "unsupported_params",
        `tfjs could not build the ${node.kind} layer: ${reason}`,
        "check the node's params against docs/ops.md",
      );
    }
    const got = out.shape.slice(1);
    if (got.length !== node.shape.length || got.some((d, i) => d !== node.shape[i])) {
      throw new CompileError(
        node.id,
        "shape_mismatch",
        `the ${node.kind} layers give shape ${JSON.stringify(got)}, but the node's shape is ${JSON.stringify(node.shape)}`,
        "this is a bug in @fusegraph/backend-tfjs's lowering; please report it with the spec",
      );
    }
    tensors.set(node.id, out);
    shapes.set(node.id, node.shape);
  }
  const outputs = graph.outputs.map((id) => {
    const t = tensors.get(id);
    if (!t) throw new CompileError(id, "unknown_node", "output is not a node or input of the graph");
    return t;
  });
  const model = tf.model({ inputs, outputs, name: modelName(graph.name) });
  setModelWeights(model, graph, opts.weights ?? initWeights(graph, { seed: opts.seed ?? 0 }));
  return model;
}
