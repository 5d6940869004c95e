import {
  type Graph,
  type GraphNode,
  type GraphNodeOf,
  initWeights,
  liveNodeIds,
  type OpKind,
  type Shape,
  type WeightMap,
} from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import "./layers/register.js";
import { assertBackendReady } from "./backend.js";
import { checkCompilable, compileErrorOf } from "./compilable.js";
import { CompileError, type CompileErrorCode } from "./errors.js";
import { assembleModel, type LowerContext, type Lowering, lowerContext } from "./lowering.js";
import { lowerings } from "./lowerings.js";
import { checkLayerId, layerNameFor, nodeIdForLayer } from "./names.js";
import { canFuseActivation } from "./optimize/fusable.js";
import { type ActivationPlan, planActivations } from "./optimize/fuse.js";
import { inferenceRewrite } from "./optimize/rewrite.js";
import { compilePortable } from "./portable/lower.js";
import { lowerPortablePool } from "./portable/pool.js";
import { setModelWeights } from "./weights.js";

/**
 * `trainable` (default): every node as fusegraph's layers, some of them custom classes that this
 * package registers, so the model trains and round-trips here. `portable`: an inference model of
 * tfjs's built-in layer classes only (batchNorm and fusion weights folded in), loadable by plain tfjs.
 */
export type CompileTarget = "trainable" | "portable";

/**
 * `none` (default): one layer (or a few parts) per node, as the graph says. `inference`: exact rewrites
 * for a model that only predicts — dropout dropped; batchNorm folded into the conv2d /
 * conv2dTranspose / dense it alone reads; an activation (relu, sigmoid, tanh, last-axis softmax) made
 * the `activation` of the conv / dense layer it alone reads; a zeroPad merged into the conv2d it alone
 * reads, and conv pads equal to `same` lowered as `same`; in the trainable target, maxPool / avgPool as
 * tfjs's built-in pooling layers where one computes them exactly (the portable target always does). A node that is a graph output, or whose output
 * another node also reads, is never fused away; nodes that share weights (`shareWeights`) keep their own
 * layers in the trainable target. With both targets; the model's weights are the folded ones, so read
 * them with the rewritten graph, not the original (outputs and inputs are unchanged).
 */
export type CompileOptimize = "none" | "inference";

export interface CompileOptions {
  /** What the model is for (default `trainable`); see {@link CompileTarget}. */
  target?: CompileTarget;
  /** Graph rewrites for inference (default `none`); see {@link CompileOptimize}. */
  optimize?: CompileOptimize;
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

/**
 * What a catch around tfjs code throws: a {@link CompileError} as it is, anything else as one naming the
 * node, with tfjs's own message as the reason.
 */
function nodeError(
  e: unknown,
  nodeId: string,
  code: CompileErrorCode,
  message: (reason: string) => string,
  hint: string,
): CompileError {
  if (e instanceof CompileError) return e;
  const reason = e instanceof Error ? e.message : String(e);
  return new CompileError(nodeId, code, message(reason), hint);
}

/** Lowers one node, turning whatever tfjs throws into a {@link CompileError} naming the node. */
function lowerChecked(node: GraphNode, ctx: LowerContext): tf.SymbolicTensor {
  try {
    return lowerNode(node, ctx);
  } catch (e) {
    throw nodeError(
      e,
      node.id,
      "unsupported_params",
      (reason) => `tfjs could not build the ${node.kind} layer: ${reason}`,
      "check the node's params against docs/ops.md",
    );
  }
}

/**
 * A node lowered onto stand-in inputs, so its layers exist before (or apart from) the graph's tensors:
 * the layers holding weights are keyed by their name relative to the node (`""` for the node's own
 * layer, `"/proj0"` for a part), which is how a sharing node finds its target's counterpart.
 */
interface Detached {
  placeholders: readonly tf.SymbolicTensor[];
  output: tf.SymbolicTensor;
  weighted: ReadonlyMap<string, tf.layers.Layer>;
}

function lowerDetached(graph: Graph, node: GraphNode, inputShapes: readonly Shape[]): Detached {
  const placeholders = inputShapes.map((s) => tf.input({ shape: [...s] }));
  const output = lowerChecked(node, lowerContext(graph, node.id, placeholders, inputShapes));
  const weighted = new Map<string, tf.layers.Layer>();
  const stop = new Set(placeholders);
  const seen = new Set<tf.layers.Layer>();
  const stack = [output];
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    if (stop.has(t) || seen.has(t.sourceLayer)) continue;
    const layer = t.sourceLayer;
    seen.add(layer);
    if (layer.weights.length > 0) weighted.set(nodeIdForLayer(layer.name).slice(node.id.length), layer);
    stack.push(...(layer.inboundNodes[t.nodeIndex]?.inputTensors ?? []));
  }
  return { placeholders, output, weighted };
}

/**
 * Applies a detached lowering's layers again, to the real inputs, in the same wiring: layers holding
 * weights are swapped for `swap(suffix, layer)` (the target's, for a sharing node), the rest reused.
 * This is the functional API's layer sharing: one layer object called on several inputs.
 */
function replay(
  d: Detached,
  inputs: readonly tf.SymbolicTensor[],
  swap: (suffix: string, layer: tf.layers.Layer) => tf.layers.Layer,
): tf.SymbolicTensor {
  const done = new Map<tf.SymbolicTensor, tf.SymbolicTensor>(d.placeholders.map((p, i) => [p, inputs[i]!]));
  const suffixOf = new Map([...d.weighted].map(([suffix, layer]) => [layer, suffix]));
  // Iterative post-order over the lowering's tensors: a node's layers are few, but keep it stack-safe.
  const stack: tf.SymbolicTensor[] = [d.output];
  while (stack.length > 0) {
    const t = stack[stack.length - 1]!;
    if (done.has(t)) {
      stack.pop();
      continue;
    }
    const call = t.sourceLayer.inboundNodes[t.nodeIndex]!;
    const pending = call.inputTensors.filter((x) => !done.has(x));
    if (pending.length > 0) {
      stack.push(...pending);
      continue;
    }
    stack.pop();
    const suffix = suffixOf.get(t.sourceLayer);
    const layer = suffix === undefined ? t.sourceLayer : swap(suffix, t.sourceLayer);
    const ins = call.inputTensors.map((x) => done.get(x)!);
    const out = layer.apply(ins.length === 1 ? ins[0]! : ins, call.callArgs) as
      | tf.SymbolicTensor
      | tf.SymbolicTensor[];
    const outs = Array.isArray(out) ? out : [out];
    for (const [i, o] of call.outputTensors.entries()) done.set(o, outs[i]!);
  }
  return done.get(d.output)!;
}

/**
 * Compiles a validated graph into a tf.LayersModel (functional API), one layer (or a few named parts)
 * per node, layer names from node ids (see `layerNameFor`). Starts from the given weights, or from
 * `initWeights(graph, { seed })` so backend-cpu with the same seed runs the same model.
 * A node with `shareWeights` calls its target's layers again on its own inputs, so the model holds
 * the weights once, on the target's layers (its weight-free parts, e.g. padding, stay its own).
 * Nodes no output depends on (`unused_node` warnings) are not compiled, and their weights are skipped.
 * Throws {@link CompileError} naming the node when a node cannot be expressed in tfjs layers: first
 * whatever {@link checkCompilable} finds (without building anything), then whatever tfjs refuses.
 * A failed compile disposes every layer variable it made.
 */
export function compile(graph: Graph, opts: CompileOptions = {}): tf.LayersModel {
  const inference = opts.optimize === "inference";
  if (opts.target === "portable") {
    const weights = opts.weights ?? initWeights(graph, { seed: opts.seed ?? 0 });
    if (!inference) return compilePortable(graph, weights);
    // NOTE: portable folds batchNorm itself, together with baked fusion weights and biasAdd.
    const r = inferenceRewrite(graph, weights, { foldBatchNorm: false });
    return compilePortable(r.graph, r.weights, { fuseActivations: true });
  }
  const issue = checkCompilable(graph)[0];
  if (issue) throw compileErrorOf(issue);
  if (inference) {
    const r = inferenceRewrite(graph, opts.weights ?? initWeights(graph, { seed: opts.seed ?? 0 }), {
      foldBatchNorm: true,
    });
    return compileTrainable(r.graph, { ...opts, weights: r.weights }, fusionPlan(r.graph), true);
  }
  return compileTrainable(graph, opts, NO_FUSION, false);
}

/**
 * Under `optimize: "inference"`, a pool as tfjs's built-in pooling layers (the portable target's exact
 * lowering: edge padding for max, zero padding when pads count), which run much faster than the general
 * Pool2d layer (one strided slice per window tap); undefined when no built-in computes it.
 */
function builtinPool(node: GraphNode, ctx: LowerContext): tf.SymbolicTensor | undefined {
  if (node.kind !== "maxPool" && node.kind !== "avgPool") return undefined;
  const countIncludePad = node.kind === "avgPool" && node.params.countIncludePad;
  try {
    // NOTE: the portable lowering checks its params before it builds any layer, so a refusal leaves none.
    return lowerPortablePool(node.kind === "maxPool" ? "max" : "avg", node.params, countIncludePad, ctx);
  } catch (e) {
    if (e instanceof CompileError) return undefined;
    throw e;
  }
}

const NO_FUSION: ActivationPlan = { activation: new Map(), aliasOf: new Map() };

/** Activation fusion in the trainable target: single built-in layers only, never a shared one. */
function fusionPlan(graph: Graph): ActivationPlan {
  const shared = new Set(
    graph.nodes.flatMap((n) => (n.shareWeights === undefined ? [] : [n.id, n.shareWeights])),
  );
  const channels = new Map<string, number>([
    ...graph.inputs.map((i): [string, number] => [i.id, i.shape.at(-1) ?? 0]),
    ...graph.nodes.map((n): [string, number] => [n.id, n.shape.at(-1) ?? 0]),
  ]);
  return planActivations(graph.nodes, graph.outputs, {
    chainEnd: (p) => p.id,
    canFuse: (p) => !shared.has(p.id) && canFuseActivation(p, channels.get(p.inputs[0] ?? "") ?? 0, false),
  });
}

function compileTrainable(
  graph: Graph,
  opts: CompileOptions,
  fused: ActivationPlan,
  inference: boolean,
): tf.LayersModel {
  // NOTE: layer weights are variables, which tf.tidy leaves alone; compile is synchronous, so every
  // variable registered since the snapshot is this compile's, and a failure disposes them all.
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return lowerGraph(graph, opts, fused, inference);
  } catch (e) {
    for (const [name, v] of Object.entries(tf.engine().registeredVariables)) {
      if (!before.has(name)) v.dispose();
    }
    throw e;
  }
}

function lowerGraph(
  graph: Graph,
  opts: CompileOptions,
  fused: ActivationPlan,
  inference: boolean,
): tf.LayersModel {
  assertBackendReady();
  const tensors = new Map<string, tf.SymbolicTensor>();
  const shapes = new Map<string, Shape>();
  for (const i of graph.inputs) shapes.set(i.id, i.shape);
  for (const n of graph.nodes) shapes.set(n.id, n.shape);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const targets = new Set(graph.nodes.flatMap((n) => (n.shareWeights === undefined ? [] : [n.shareWeights])));
  // NOTE: shareWeights adds no ordering, so a sharing node may come before its target: the target's
  // layers are made on first need, detached, and wired to the target's inputs when it comes.
  const owners = new Map<string, Detached>();
  const inputShapesOf = (node: GraphNode) => node.inputs.map((id) => shapes.get(id) ?? []);
  const owner = (id: string, reader: GraphNode): Detached => {
    let d = owners.get(id);
    if (d) return d;
    const target = byId.get(id);
    if (!target) {
      throw new CompileError(
        reader.id,
        "unknown_node",
        `shares the weights of "${id}", which is no node of the graph`,
        "compile a graph from validateSpec/loadGraph",
      );
    }
    d = lowerDetached(graph, target, inputShapesOf(target));
    owners.set(id, d);
    return d;
  };

  const inputs = graph.inputs.map((i) => {
    checkLayerId(i.id);
    const t = tf.input({ shape: [...i.shape], name: layerNameFor(i.id) });
    tensors.set(i.id, t);
    return t;
  });
  const live = liveNodeIds(graph);
  for (const node of graph.nodes as readonly GraphNode[]) {
    if (!live.has(node.id)) continue;
    checkLayerId(node.id);
    const alias = fused.aliasOf.get(node.id);
    if (alias !== undefined) {
      // A fused activation's output is its producer's layer output.
      tensors.set(node.id, tensors.get(alias)!);
      continue;
    }
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
    let out: tf.SymbolicTensor;
    if (node.shareWeights !== undefined) {
      out = lowerSharing(graph, node, node.shareWeights, ins, inputShapesOf(node), owner);
    } else if (targets.has(node.id)) {
      out = replay(owner(node.id, node), ins, (_suffix, layer) => layer);
    } else {
      const ctx = lowerContext(graph, node.id, ins, inputShapesOf(node), fused.activation.get(node.id));
      out = (inference ? builtinPool(node, ctx) : undefined) ?? lowerChecked(node, ctx);
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
  }
  const model = assembleModel(graph, inputs, tensors);
  setModelWeights(model, graph, opts.weights ?? initWeights(graph, { seed: opts.seed ?? 0 }));
  return model;
}

/**
 * Lowers a sharing node: its own lowering on stand-ins gives its wiring and weight-free parts (built
 * for its own input shapes), then each layer holding weights is replaced by the target's counterpart.
 * The stand-in copies' weights are freed; they never enter the model.
 */
function lowerSharing(
  graph: Graph,
  node: GraphNode,
  targetId: string,
  ins: readonly tf.SymbolicTensor[],
  inputShapes: readonly Shape[],
  owner: (id: string, reader: GraphNode) => Detached,
): tf.SymbolicTensor {
  const target = owner(targetId, node);
  const mine = lowerDetached(graph, node, inputShapes);
  try {
    return replay(mine, ins, (suffix, layer) => {
      const theirs = target.weighted.get(suffix);
      if (!theirs) {
        throw new CompileError(
          node.id,
          "weights_mismatch",
          `shares the weights of "${targetId}", but its layer "${layer.name}" has no counterpart among "${targetId}"'s layers`,
          "shareWeights needs a node of the same kind with the same params",
        );
      }
      return theirs;
    });
  } catch (e) {
    throw nodeError(
      e,
      node.id,
      "weights_mismatch",
      (reason) => `tfjs could not call "${targetId}"'s layers on this node's inputs: ${reason}`,
      "shared weights need the same input channels and params in both nodes",
    );
  } finally {
    for (const layer of mine.weighted.values()) layer.dispose();
  }
}
