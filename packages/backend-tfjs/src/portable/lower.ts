import {
  type CoreKind,
  type Graph,
  type GraphNode,
  type GraphNodeOf,
  type OpDef,
  ops,
  type Shape,
  type TensorData,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { assertBackendReady } from "../backend.js";
import { CompileError } from "../errors.js";
import { apply, assembleModel, type LowerContext, lowerContext, only } from "../lowering.js";
import { lowerings } from "../lowerings.js";
import { checkLayerId, layerNameFor, nodeIdForLayer } from "../names.js";
import { canFuseActivation } from "../optimize/fusable.js";
import { type ActivationPlan, planActivations } from "../optimize/fuse.js";
import { weightOf } from "./bake.js";
import { assertPortable } from "./builtins.js";
import { lowerPortableConv2d } from "./conv.js";
import { inferenceGraph } from "./expand.js";
import { type FoldPlan, foldedWeights, planFolds } from "./fold.js";
import { lowerPortablePool } from "./pool.js";
import { lowerResize } from "./resize.js";
import { lowerSoftmax } from "./softmax.js";

/** What a portable lowering may read besides its node: the baked fusion weights. */
interface PortableEnv {
  plan: FoldPlan;
  weights: WeightMap;
}

type PortableLowering<K extends CoreKind> = (
  node: GraphNodeOf<K>,
  ctx: LowerContext,
  env: PortableEnv,
) => tf.SymbolicTensor;

/** A constant affine map x * scale + offset as tfjs's Rescaling layer (constants in its config). */
function rescale(ctx: LowerContext, scale: number, offset: number): tf.SymbolicTensor {
  return apply(tf.layers.rescaling({ name: ctx.name(), scale, offset }), only(ctx));
}

/**
 * One lowering per primitive, built-in layers only. Where the trainable lowering already builds only
 * built-in layers for the node's params it is reused as is; composites never reach this table
 * ({@link inferenceGraph} expands them).
 */
const portableLowerings = {
  conv2d: (node, ctx) => lowerPortableConv2d(node, ctx),
  conv2dTranspose(node, ctx) {
    const dilation = node.params.dilation;
    if (dilation !== 1 && (typeof dilation === "number" || dilation.some((d) => d > 1))) {
      ctx.fail(
        "unsupported_params",
        `conv2dTranspose with dilation ${JSON.stringify(dilation)}: tfjs's Conv2DTranspose layer has no dilation`,
        "use the trainable target, or dilation 1",
      );
    }
    return lowerings.conv2dTranspose(node, ctx);
  },
  batchNorm: (node, ctx) => lowerings.batchNorm(node, ctx),
  activation(node, ctx) {
    const p = node.params;
    return p.fn === "softmax" ? lowerSoftmax(ctx, p.axis) : lowerings.activation(node, ctx);
  },
  maxPool: (node, ctx) => lowerPortablePool("max", node.params, false, ctx),
  avgPool: (node, ctx) => lowerPortablePool("avg", node.params, node.params.countIncludePad, ctx),
  globalAvgPool: (node, ctx) => lowerings.globalAvgPool(node, ctx),
  globalMaxPool: (node, ctx) => lowerings.globalMaxPool(node, ctx),
  zeroPad: (node, ctx) => lowerings.zeroPad(node, ctx),
  crop: (node, ctx) => lowerings.crop(node, ctx),
  upsample(node, ctx) {
    const [h = 0, w = 0] = node.shape;
    return lowerResize(ctx, [h, w], node.params.mode, node.params.alignCorners);
  },
  dense: (node, ctx) => lowerings.dense(node, ctx),
  flatten: (node, ctx) => lowerings.flatten(node, ctx),
  dropout: (node, ctx) => lowerings.dropout(node, ctx),
  multiply: (node, ctx) => lowerings.multiply(node, ctx),
  lstm: (node, ctx) => lowerings.lstm(node, ctx),
  fusionWeights: (_node, ctx) =>
    ctx.fail(
      "unsupported_params",
      "fusionWeights read by a node other than scaleBy (or a graph output): the portable model bakes fusion weights into the scaleBy nodes that read them",
      "read fusion weights only through scaleBy (weightedAdd does), or use the trainable target",
    ),
  scaleBy(node, ctx, env) {
    const k = env.plan.fusion.get(node.inputs[1] ?? "")?.[node.params.index];
    if (k === undefined) {
      return ctx.fail(
        "unsupported_params",
        `scaleBy reads "${node.inputs[1]}", which is not a fusionWeights node: only a constant factor bakes into built-in layers`,
        "scale by a fusionWeights node's output (as weightedAdd's expansion does), or use the trainable target",
      );
    }
    return rescale(ctx, k, 0);
  },
  biasAdd: (node, ctx, env) => rescale(ctx, 1, weightOf(env.weights, node.id, "bias").data[0] ?? 0),
  add: (node, ctx) => lowerings.add(node, ctx),
  concat: (node, ctx) => lowerings.concat(node, ctx),
} satisfies { [K in CoreKind]: PortableLowering<K> };

/** Kinds whose weights live on a layer named after the node (the rest bake theirs into configs). */
const WEIGHTED_LAYER_KINDS: ReadonlySet<string> = new Set([
  "conv2d",
  "conv2dTranspose",
  "dense",
  "batchNorm",
  "lstm",
]);

function isCore(node: GraphNode): node is GraphNode & { kind: CoreKind } {
  return Object.hasOwn(portableLowerings, node.kind);
}

function lowerNode<K extends CoreKind>(
  node: GraphNodeOf<K>,
  ctx: LowerContext,
  env: PortableEnv,
): tf.SymbolicTensor {
  // NOTE: as in compile.ts, indexing with a generic kind widens to the union; each entry handles its own kind.
  return (portableLowerings[node.kind] as PortableLowering<K>)(node, ctx, env);
}

/** The layers a lowering added between its inputs and its output. */
function layersOf(output: tf.SymbolicTensor, inputs: readonly tf.SymbolicTensor[]): tf.layers.Layer[] {
  const stop = new Set(inputs);
  const seen = new Set<tf.layers.Layer>();
  const stack = [output];
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    if (stop.has(t) || seen.has(t.sourceLayer)) continue;
    seen.add(t.sourceLayer);
    stack.push(...(t.sourceLayer.inboundNodes[t.nodeIndex]?.inputTensors ?? []));
  }
  return [...seen];
}

/**
 * The node's weights in its op's order (the tfjs layer's order), with any folded affine map applied:
 * a folded producer gains a bias even if it had none.
 */
function nodeWeights(node: GraphNode, inputShapes: readonly Shape[], env: PortableEnv): TensorData[] {
  const fold = env.plan.folds.get(node.id);
  const params = fold ? { ...(node.params as object), useBias: true } : node.params;
  const def = ops[node.kind] as OpDef<string, unknown>;
  const specs = def.weights({ inputs: inputShapes, params, output: node.shape });
  if (!fold) return specs.map((s) => weightOf(env.weights, node.id, s.name));
  const kernel = weightOf(env.weights, node.id, "kernel");
  const bias = env.weights.get(weightKey(node.id, "bias"));
  const folded = foldedWeights(fold, kernel, bias);
  return specs.map((s) => (s.name === "kernel" ? folded.kernel : folded.bias));
}

function setWeights(node: GraphNode, layer: tf.layers.Layer, values: readonly TensorData[]): void {
  const shapes = layer.weights.map((w) => w.shape);
  const fits =
    shapes.length === values.length &&
    shapes.every((s, i) => s.reduce<number>((a, b) => a * (b ?? 1), 1) === values[i]?.data.length);
  if (!fits) {
    throw new CompileError(
      node.id,
      "weights_mismatch",
      `layer "${layer.name}" holds weights of shapes ${JSON.stringify(shapes)}, got ${JSON.stringify(values.map((v) => v.shape))}`,
      "this is a bug in @fusegraph/backend-tfjs's portable lowering; please report it with the spec",
    );
  }
  // Same element order in every case (a depthwise kernel is the dsl's grouped kernel reshaped).
  const tensors = values.map((v, i) =>
    tf.tensor(
      v.data,
      (shapes[i] ?? []).map((d) => d ?? 1),
    ),
  );
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

export interface PortableOptions {
  /**
   * Fuse an activation into the conv2d / conv2dTranspose / dense layer (after anything folded into
   * it) whose output only the activation reads (see {@link planActivations}).
   */
  fuseActivations?: boolean;
}

const NO_FUSION: ActivationPlan = { activation: new Map(), aliasOf: new Map() };

/**
 * Compiles a graph for inference into a LayersModel of tfjs's built-in layer classes only, so its
 * model.json loads in plain tfjs: composites expanded, batchNorm / baked fusion weights / biasAdd folded
 * into the conv2d, conv2dTranspose or dense they exclusively follow (else BatchNormalization or
 * Rescaling), resizes and pads rebuilt from built-ins with the reference's sampling. Computes the same
 * function as the trainable model with the same weights. Throws {@link CompileError} naming the node
 * when a node has no exact built-in equivalent.
 */
export function compilePortable(
  graph: Graph,
  weights: WeightMap,
  opts: PortableOptions = {},
): tf.LayersModel {
  assertBackendReady();
  // NOTE: as compile does: compiling is synchronous, so every variable registered since this snapshot
  // is this compile's, and a failure disposes them all.
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return lowerPortable(graph, weights, opts);
  } catch (e) {
    for (const [name, v] of Object.entries(tf.engine().registeredVariables))
      if (!before.has(name)) v.dispose();
    throw e;
  }
}

function lowerPortable(graph: Graph, weights: WeightMap, opts: PortableOptions): tf.LayersModel {
  for (const i of graph.inputs) checkLayerId(i.id);
  for (const n of graph.nodes) checkLayerId(n.id);
  const g = inferenceGraph(graph, weights);
  const plan = planFolds(g.nodes, g.outputs, g.weights);
  const env: PortableEnv = { plan, weights: g.weights };
  const tensors = new Map<string, tf.SymbolicTensor>();
  const shapes = new Map<string, Shape>(g.inputs.map((i) => [i.id, i.shape]));
  const allShapes = new Map<string, Shape>([
    ...shapes,
    ...g.nodes.map((n): [string, Shape] => [n.id, n.shape]),
  ]);
  const fused = opts.fuseActivations
    ? planActivations(g.nodes, g.outputs, {
        chainEnd: (p) => plan.folds.get(p.id)?.absorbed.at(-1)?.id ?? p.id,
        canFuse: (p) => canFuseActivation(p, allShapes.get(p.inputs[0] ?? "")?.at(-1) ?? 0, true),
      })
    : NO_FUSION;
  const inputs = g.inputs.map((i) => {
    const t = tf.input({ shape: [...i.shape], name: layerNameFor(i.id) });
    tensors.set(i.id, t);
    return t;
  });
  // A fusionWeights node read only by scaleBy is baked into them and gets no layer.
  const bakedOnly = new Set(
    g.nodes
      .filter(
        (n) =>
          n.kind === "fusionWeights" &&
          !g.outputs.includes(n.id) &&
          g.nodes.every((r) => !r.inputs.includes(n.id) || (r.kind === "scaleBy" && r.inputs[0] !== n.id)),
      )
      .map((n) => n.id),
  );
  for (const node of g.nodes) {
    shapes.set(node.id, node.shape);
    if (bakedOnly.has(node.id)) continue;
    const alias = plan.aliasOf.get(node.id) ?? fused.aliasOf.get(node.id);
    if (alias !== undefined) {
      tensors.set(node.id, tensors.get(alias)!);
      continue;
    }
    if (!isCore(node)) {
      throw new CompileError(node.id, "unsupported_params", `composite ${node.kind} was not expanded`);
    }
    const inputShapes = node.inputs.map((id) => shapes.get(id) ?? []);
    // scaleBy reads its fusion weights at compile time: only its data input becomes a tensor.
    const dataInputs = node.kind === "scaleBy" ? node.inputs.slice(0, 1) : node.inputs;
    const used = dataInputs.map((id) => {
      const t = tensors.get(id);
      if (!t) throw new CompileError(node.id, "unknown_node", `input "${id}" is not defined before the node`);
      return t;
    });
    const ctx = lowerContext(graph, node.id, used, inputShapes, fused.activation.get(node.id));
    let out: tf.SymbolicTensor;
    try {
      // A producer with an affine map folded in gains a bias for the map's shift.
      const folded = plan.folds.has(node.id)
        ? ({ ...node, params: { ...node.params, useBias: true } } as typeof node)
        : node;
      out = lowerNode(folded, ctx, env);
    } catch (e) {
      if (e instanceof CompileError) throw e;
      throw new CompileError(
        node.id,
        "unsupported_params",
        `tfjs could not build the portable ${node.kind} layers: ${e instanceof Error ? e.message : String(e)}`,
        "check the node's params against docs/ops.md",
      );
    }
    const own = layersOf(out, used).find((l) => l.name === ctx.name() && l.weights.length > 0);
    if (own) setWeights(node, own, nodeWeights(node, inputShapes, env));
    else if (WEIGHTED_LAYER_KINDS.has(node.kind)) {
      throw new CompileError(
        node.id,
        "weights_mismatch",
        `the portable ${node.kind} lowering made no layer "${ctx.name()}" to hold the node's weights`,
        "this is a bug in @fusegraph/backend-tfjs's portable lowering; please report it with the spec",
      );
    }
    const got = out.shape.slice(1);
    if (got.length !== node.shape.length || got.some((d, i) => d !== node.shape[i])) {
      throw new CompileError(
        node.id,
        "shape_mismatch",
        `the portable ${node.kind} layers give shape ${JSON.stringify(got)}, but the node's shape is ${JSON.stringify(node.shape)}`,
        "this is a bug in @fusegraph/backend-tfjs's portable lowering; please report it with the spec",
      );
    }
    tensors.set(node.id, out);
  }
  const model = assembleModel(graph, inputs, tensors);
  assertPortable(model, nodeIdForLayer);
  return model;
}
