import {
  type Graph,
  graphWeights,
  liveNodeIds,
  sharedWeightKeys,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { CompileError } from "./errors.js";
import { layerNameFor } from "./names.js";

/** The weights of one tfjs layer: their WeightMap keys in the layer's weight order. */
interface LayerWeights {
  nodeId: string;
  layer: tf.layers.Layer;
  keys: string[];
  shapes: number[][];
}

/**
 * Which layer holds which named weight. A node's weight `name` lives on the layer named after the node;
 * `part/name` (conv1x1Add's `proj0/kernel`, `proj0/bn/gamma`) on the layer of `<id>/part`. Within a
 * layer, the op's weight order equals the tfjs layer's (Keras's) order; shapes are checked.
 */
function layerWeights(model: tf.LayersModel, graph: Graph): LayerWeights[] {
  const groups = new Map<string, LayerWeights>();
  // Nodes no output depends on are not compiled (see `compile`): they have no layers to hold weights.
  const live = liveNodeIds(graph);
  for (const { nodeId, spec } of graphWeights(graph)) {
    if (!live.has(nodeId)) continue;
    const slash = spec.name.lastIndexOf("/");
    const owner = slash < 0 ? nodeId : `${nodeId}/${spec.name.slice(0, slash)}`;
    const layerName = layerNameFor(owner);
    let group = groups.get(layerName);
    if (!group) {
      const layer = model.layers.find((l) => l.name === layerName);
      if (!layer) {
        throw new CompileError(
          nodeId,
          "unknown_node",
          `the model has no layer "${layerName}" for weight "${spec.name}"`,
          "compile the model from this graph (layer names derive from node ids)",
        );
      }
      group = { nodeId, layer, keys: [], shapes: [] };
      groups.set(layerName, group);
    }
    group.keys.push(weightKey(nodeId, spec.name));
    group.shapes.push([...spec.shape]);
  }
  for (const g of groups.values()) {
    const actual = g.layer.weights.map((w) => w.shape);
    const same =
      actual.length === g.shapes.length &&
      actual.every((s, i) => s.length === g.shapes[i]?.length && s.every((d, j) => d === g.shapes[i]?.[j]));
    if (!same) {
      throw new CompileError(
        g.nodeId,
        "weights_mismatch",
        `layer "${g.layer.name}" holds weights of shapes ${JSON.stringify(actual)}, expected ${JSON.stringify(g.shapes)} for ${g.keys.join(", ")}`,
        "the model was not compiled from this graph",
      );
    }
  }
  return [...groups.values()];
}

/**
 * Reads a tfjs model's weights into the shared named {@link WeightMap} (keys `nodeId/weightName`);
 * shared weights appear once, under the target node's id, as `initWeights` keys them.
 */
export function modelWeights(model: tf.LayersModel, graph: Graph): WeightMap {
  const out: WeightMap = new Map();
  for (const g of layerWeights(model, graph)) {
    const values = g.layer.getWeights();
    g.keys.forEach((key, i) => {
      const t = values[i];
      if (t) out.set(key, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) });
    });
  }
  return out;
}

/**
 * Loads a {@link WeightMap} (e.g. from `initWeights` or backend-cpu) into a model compiled from the
 * graph. Every weight of a compiled node (one an output depends on) must be present with its declared
 * shape; weights of unused nodes are skipped. Shared weights are
 * given once, under the target node's id (they live on its layers, which the sharing nodes call too);
 * a weight keyed under a sharing node is refused.
 */
export function setModelWeights(model: tf.LayersModel, graph: Graph, weights: WeightMap): void {
  const sharers = sharedWeightKeys(graph);
  for (const key of weights.keys()) {
    const shared = sharers.get(key);
    if (shared) {
      throw new CompileError(
        shared.node,
        "weights_mismatch",
        `weight "${key}" is given, but the node shares the weights of "${shared.target}" and has none of its own`,
        `give them once, as "${shared.target}/<name>"`,
      );
    }
  }
  for (const g of layerWeights(model, graph)) {
    const tensors = g.keys.map((key, i) => {
      const w = weights.get(key);
      const expected = g.shapes[i] ?? [];
      const size = expected.reduce((a, b) => a * b, 1);
      if (!w) {
        throw new CompileError(
          g.nodeId,
          "weights_mismatch",
          `weight "${key}" is missing`,
          "give every weight the graph declares, or omit weights to initialise from a seed",
        );
      }
      if (
        w.data.length !== size ||
        w.shape.length !== expected.length ||
        w.shape.some((d, j) => d !== expected[j])
      ) {
        throw new CompileError(
          g.nodeId,
          "weights_mismatch",
          `weight "${key}" has shape ${JSON.stringify(w.shape)} (${w.data.length} values), expected ${JSON.stringify(expected)}`,
          "weights use the layouts of docs/ops.md",
        );
      }
      return tf.tensor(w.data, expected);
    });
    g.layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}
