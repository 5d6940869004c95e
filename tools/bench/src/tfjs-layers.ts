import { type Graph, type GraphNode, type Shape, toPads, toPair, type WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";

/** A graph node the hand-built tfjs model has no layer recipe for (the bench then skips the engine). */
export class HandBuiltUnsupported extends Error {
  constructor(node: GraphNode, why: string) {
    super(`the hand-built tfjs model has no recipe for node "${node.id}" (${node.kind}): ${why}`);
    this.name = "HandBuiltUnsupported";
  }
}

type Pads = [[number, number], [number, number]];

/**
 * The bench's networks written as a Keras user would with plain `tf.layers` (NOT through
 * @fusegraph/backend-tfjs), walking the graph node by node and copying the very same weights in by node
 * id, so every engine's output can be compared. torchvision-style explicit pads become ZeroPadding2D +
 * a valid conv or pool (TF's `same` pads asymmetrically at stride 2, so it would not match); FPN's
 * conv1x1Add becomes a 1x1 Conv2D, UpSampling2D and Add.
 */
export function handBuiltModel(graph: Graph, weights: WeightMap): tf.LayersModel {
  const values = new Map<string, tf.SymbolicTensor>();
  const shapes = new Map<string, Shape>();
  const layerName = (id: string) => id.replace(/[^A-Za-z0-9_]/g, "_");
  const inputs = graph.inputs.map((i) => {
    const t = tf.input({ shape: [...i.shape], name: layerName(i.id) });
    values.set(i.id, t);
    shapes.set(i.id, i.shape);
    return t;
  });
  const pending: [tf.layers.Layer, string[]][] = [];
  const weight = (key: string): tf.Tensor => {
    const t = weights.get(key);
    if (!t) throw new Error(`weight "${key}" is missing`);
    return tf.tensor(t.data, [...t.shape]);
  };
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  /** Explicit pads as a ZeroPadding2D in front of `x`, or `x` itself when they are all zero. */
  const zeroPad = (name: string, x: tf.SymbolicTensor, pads: Pads) =>
    pads.flat().some((p) => p > 0)
      ? apply(tf.layers.zeroPadding2d({ name: `${name}_pad`, padding: pads }), x)
      : x;
  const explicit = (p: Exclude<Parameters<typeof toPads>[0], undefined>): Pads => {
    const { top, bottom, left, right } = toPads(p);
    return [
      [top, bottom],
      [left, right],
    ];
  };

  for (const node of graph.nodes) {
    const name = layerName(node.id);
    const xs = node.inputs.map((i) => values.get(i) as tf.SymbolicTensor);
    const x = xs[0] as tf.SymbolicTensor;
    let y: tf.SymbolicTensor;
    switch (node.kind) {
      case "conv2d": {
        const p = node.params;
        if (p.groups !== 1) throw new HandBuiltUnsupported(node, "grouped conv");
        const mode = typeof p.padding === "string" ? p.padding : "valid";
        const input = typeof p.padding === "string" ? x : zeroPad(name, x, explicit(p.padding));
        const layer = tf.layers.conv2d({
          name,
          filters: p.filters,
          kernelSize: toPair(p.kernelSize),
          strides: toPair(p.strides),
          dilationRate: toPair(p.dilation),
          padding: mode,
          useBias: p.useBias,
        });
        y = apply(layer, input);
        pending.push([layer, p.useBias ? [`${node.id}/kernel`, `${node.id}/bias`] : [`${node.id}/kernel`]]);
        break;
      }
      case "conv2dTranspose": {
        const p = node.params;
        if (typeof p.padding !== "string") throw new HandBuiltUnsupported(node, "explicit pads");
        const layer = tf.layers.conv2dTranspose({
          name,
          filters: p.filters,
          kernelSize: toPair(p.kernelSize),
          strides: toPair(p.strides),
          padding: p.padding,
          useBias: p.useBias,
        });
        y = apply(layer, x);
        pending.push([layer, p.useBias ? [`${node.id}/kernel`, `${node.id}/bias`] : [`${node.id}/kernel`]]);
        break;
      }
      case "batchNorm": {
        const p = node.params;
        const layer = tf.layers.batchNormalization({
          name,
          epsilon: p.epsilon,
          axis: -1,
          center: p.center,
          scale: p.scale,
        });
        y = apply(layer, x);
        const names = [
          ...(p.scale ? ["gamma"] : []),
          ...(p.center ? ["beta"] : []),
          "movingMean",
          "movingVariance",
        ];
        pending.push([layer, names.map((n) => `${node.id}/${n}`)]);
        break;
      }
      case "activation": {
        const fn = node.params.fn;
        if (fn === "leakyRelu") {
          y = apply(tf.layers.leakyReLU({ name, alpha: node.params.alpha }), x);
        } else if (
          fn === "relu" ||
          fn === "sigmoid" ||
          fn === "tanh" ||
          fn === "softmax" ||
          fn === "linear"
        ) {
          y = apply(tf.layers.activation({ name, activation: fn }), x);
        } else {
          throw new HandBuiltUnsupported(node, `activation ${fn}`);
        }
        break;
      }
      case "maxPool":
      case "avgPool": {
        const p = node.params;
        if (p.ceilMode || toPair(p.dilation).some((d) => d !== 1)) {
          throw new HandBuiltUnsupported(node, "ceilMode or dilation");
        }
        let input = x;
        let mode: "same" | "valid" = "valid";
        if (typeof p.padding === "string") mode = p.padding;
        else if (node.kind === "maxPool") {
          // NOTE: zero padding equals -inf padding only after a relu, as in ResNet's and DenseNet's stems;
          // the agreement check would flag a network where it is not.
          input = zeroPad(name, x, explicit(p.padding));
        } else if (
          explicit(p.padding)
            .flat()
            .some((v) => v > 0)
        ) {
          throw new HandBuiltUnsupported(node, "avgPool with explicit pads");
        }
        const args = {
          name,
          poolSize: toPair(p.poolSize),
          strides: toPair(p.strides ?? p.poolSize),
          padding: mode,
        };
        y = apply(
          node.kind === "maxPool" ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args),
          input,
        );
        break;
      }
      case "globalAvgPool":
        y = apply(tf.layers.globalAveragePooling2d({ name }), x);
        break;
      case "dense": {
        const layer = tf.layers.dense({ name, units: node.params.units, useBias: node.params.useBias });
        y = apply(layer, x);
        pending.push([
          layer,
          node.params.useBias ? [`${node.id}/kernel`, `${node.id}/bias`] : [`${node.id}/kernel`],
        ]);
        break;
      }
      case "add":
        y = apply(tf.layers.add({ name }), xs);
        break;
      case "concat":
        y = apply(tf.layers.concatenate({ name, axis: node.params.axis }), xs);
        break;
      case "flatten":
        y = apply(tf.layers.flatten({ name }), x);
        break;
      case "conv1x1Add": {
        const p = node.params;
        if (p.norm !== "none" || p.resizeFirst || p.resize !== "nearest") {
          throw new HandBuiltUnsupported(node, "only nearest resize after projection, without batchNorm");
        }
        const ins = node.inputs.map((id) => shapes.get(id) as Shape);
        const [th, tw] = [Math.max(...ins.map((s) => s[0] ?? 0)), Math.max(...ins.map((s) => s[1] ?? 0))];
        const projected =
          p.project === "all"
            ? ins.map((_, i) => i)
            : p.project === "mismatched"
              ? ins.flatMap((s, i) => (s[2] === p.channels ? [] : [i]))
              : p.project;
        const terms = xs.map((t, i) => {
          const [h = 0, w = 0] = ins[i] ?? [];
          let v = t;
          if (projected.includes(i)) {
            const layer = tf.layers.conv2d({
              name: `${name}_proj${i}`,
              filters: p.channels,
              kernelSize: 1,
              useBias: p.useBias,
            });
            v = apply(layer, v);
            const keys = [`${node.id}/proj${i}/kernel`, ...(p.useBias ? [`${node.id}/proj${i}/bias`] : [])];
            pending.push([layer, keys]);
          }
          if (h !== th || w !== tw) {
            if (th % h !== 0 || tw % w !== 0) throw new HandBuiltUnsupported(node, "non-integer resize");
            v = apply(tf.layers.upSampling2d({ name: `${name}_up${i}`, size: [th / h, tw / w] }), v);
          }
          return v;
        });
        y = apply(tf.layers.add({ name }), terms);
        break;
      }
      default:
        throw new HandBuiltUnsupported(node, "no recipe written for this kind");
    }
    values.set(node.id, y);
    shapes.set(node.id, node.shape);
  }
  const model = tf.model({ inputs, outputs: graph.outputs.map((o) => values.get(o) as tf.SymbolicTensor) });
  for (const [layer, keys] of pending) {
    const ws = keys.map(weight);
    layer.setWeights(ws);
    tf.dispose(ws);
  }
  return model;
}
