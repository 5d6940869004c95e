import type { Graph, WeightMap } from "@fusegraph/dsl";
import { toPair } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";

/**
 * The bench's networks built directly with tfjs layers (not through @fusegraph/backend-tfjs), node by
 * node, with the very same weights, for the kinds the bench networks use.
 */
export function tfjsModel(graph: Graph, weights: WeightMap): tf.LayersModel {
  const values = new Map<string, tf.SymbolicTensor>();
  const inputs = graph.inputs.map((i) => {
    const t = tf.input({ shape: [...i.shape], name: i.id.replace(/[^A-Za-z0-9_]/g, "_") });
    values.set(i.id, t);
    return t;
  });
  const w = (id: string, name: string) => {
    const t = weights.get(`${id}/${name}`)!;
    return tf.tensor(t.data, t.shape);
  };
  const setWeights: [tf.layers.Layer, tf.Tensor[]][] = [];
  for (const node of graph.nodes) {
    const name = node.id.replace(/[^A-Za-z0-9_]/g, "_");
    const ins = node.inputs.map((i) => values.get(i)!);
    let layer: tf.layers.Layer;
    switch (node.kind) {
      case "conv2d": {
        const p = node.params;
        layer = tf.layers.conv2d({
          name,
          filters: p.filters,
          kernelSize: toPair(p.kernelSize),
          strides: toPair(p.strides),
          padding: p.padding === "same" ? "same" : "valid",
          useBias: p.useBias,
        });
        setWeights.push([
          layer,
          p.useBias ? [w(node.id, "kernel"), w(node.id, "bias")] : [w(node.id, "kernel")],
        ]);
        break;
      }
      case "batchNorm":
        layer = tf.layers.batchNormalization({ name, epsilon: node.params.epsilon, axis: -1 });
        setWeights.push([layer, ["gamma", "beta", "movingMean", "movingVariance"].map((n) => w(node.id, n))]);
        break;
      case "activation":
        layer = tf.layers.activation({ name, activation: node.params.fn === "softmax" ? "softmax" : "relu" });
        break;
      case "maxPool":
        layer = tf.layers.maxPooling2d({
          name,
          poolSize: toPair(node.params.poolSize),
          strides: toPair(node.params.strides ?? node.params.poolSize),
          padding: node.params.padding === "same" ? "same" : "valid",
        });
        break;
      case "add":
        layer = tf.layers.add({ name });
        break;
      case "globalAvgPool":
        layer = tf.layers.globalAveragePooling2d({ name });
        break;
      case "dense":
        layer = tf.layers.dense({ name, units: node.params.units, useBias: node.params.useBias });
        setWeights.push([layer, [w(node.id, "kernel"), w(node.id, "bias")]]);
        break;
      default:
        throw new TypeError(`the bench's tfjs builder has no layer for ${node.kind}`);
    }
    values.set(node.id, layer.apply(ins.length === 1 ? ins[0]! : ins) as tf.SymbolicTensor);
  }
  const model = tf.model({ inputs, outputs: graph.outputs.map((o) => values.get(o)!) });
  for (const [layer, ws] of setWeights) {
    layer.setWeights(ws);
    tf.dispose(ws);
  }
  return model;
}
