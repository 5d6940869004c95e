import type { Graph, GraphNodeOf, OpKind, Shape } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { CompileError, type CompileErrorCode } from "./errors.js";
import { layerNameFor } from "./names.js";
import type { FusedActivation } from "./optimize/activation.js";

/** What a lowering gets besides its node: its inputs' tensors and shapes, and naming/error helpers. */
export interface LowerContext {
  readonly graph: Graph;
  readonly nodeId: string;
  /** Symbolic tensors of the node's inputs (data inputs, then param refs such as crop's `like`). */
  readonly inputs: readonly tf.SymbolicTensor[];
  /** One example's shape of each input (batch implicit). */
  readonly inputShapes: readonly Shape[];
  /**
   * Layer name of the node itself, or of one of its parts (`name("pad")` -> `<id>/pad`). The node's
   * weights live on the layer named after it, or on a part named by the weight's prefix
   * (`proj0/kernel` -> part `proj0`); see weights.ts.
   */
  name(part?: string): string;
  /** Throws a {@link CompileError} naming this node. */
  fail(code: CompileErrorCode, message: string, hint?: string): never;
  /**
   * An activation the node's layer applies itself (`optimize: "inference"` fused the activation node
   * after it); only conv2d, conv2dTranspose and dense lowerings read it.
   */
  readonly activation?: FusedActivation;
}

/** Lowers one node to tfjs layers applied to its inputs; returns the node's output tensor. */
export type Lowering<K extends OpKind> = (node: GraphNodeOf<K>, ctx: LowerContext) => tf.SymbolicTensor;

export function lowerContext(
  graph: Graph,
  nodeId: string,
  inputs: readonly tf.SymbolicTensor[],
  inputShapes: readonly Shape[],
  activation?: FusedActivation,
): LowerContext {
  return {
    graph,
    nodeId,
    inputs,
    inputShapes,
    ...(activation === undefined ? {} : { activation }),
    name: (part) => layerNameFor(part === undefined ? nodeId : `${nodeId}/${part}`),
    fail(code, message, hint) {
      throw new CompileError(nodeId, code, message, hint);
    },
  };
}

/**
 * Fails naming the node when a fused activation reached a lowering that cannot apply it: the planner
 * ({@link canFuseActivation}) and the lowerings must agree, and a silent drop would change the output.
 */
export function refuseActivation(ctx: LowerContext, why: string): void {
  if (ctx.activation === undefined) return;
  ctx.fail(
    "unsupported_params",
    `cannot apply the fused ${ctx.activation} activation: ${why}`,
    "this is a bug in @fusegraph/backend-tfjs's inference optimisation; please report it with the spec",
  );
}

/** The first input, which every single-input op has by arity. */
export function only(ctx: LowerContext): tf.SymbolicTensor {
  const x = ctx.inputs[0];
  if (!x) ctx.fail("unknown_node", "has no input");
  return x;
}

/** One example's shape of the first input. */
export function onlyShape(ctx: LowerContext): Shape {
  return ctx.inputShapes[0] ?? [];
}

/** Applies a layer to symbolic tensors; every layer we build returns one output. */
export function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

/** A tfjs model name: the graph's name with anything tfjs rejects replaced. */
function modelName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]/g, "_");
  return /^[A-Za-z0-9]/.test(clean) ? clean : `m${clean}`;
}

/**
 * The LayersModel of a lowered graph: one model output per listed graph output, in order. A tfjs model
 * lists each tensor once (it drops a repeat with a console warning, then fails in predict), so a repeated
 * output — or two outputs that lowering folded into one tensor — goes through a weight-free identity layer.
 */
export function assembleModel(
  graph: Graph,
  inputs: tf.SymbolicTensor[],
  tensors: ReadonlyMap<string, tf.SymbolicTensor>,
): tf.LayersModel {
  const listed = new Set<tf.SymbolicTensor>();
  const outputs = graph.outputs.map((id, k) => {
    const t = tensors.get(id);
    if (!t) throw new CompileError(id, "unknown_node", "output is not a node or input of the graph");
    if (!listed.has(t)) {
      listed.add(t);
      return t;
    }
    return apply(tf.layers.activation({ activation: "linear", name: layerNameFor(`${id}/output${k}`) }), t);
  });
  return tf.model({ inputs, outputs, name: modelName(graph.name) });
}
