import type { Graph, GraphNodeOf, OpKind, Shape } from "@fusegraph/dsl";
import type * as tf from "@tensorflow/tfjs";
import { CompileError, type CompileErrorCode } from "./errors.js";
import { layerNameFor } from "./names.js";

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
}

/** Lowers one node to tfjs layers applied to its inputs; returns the node's output tensor. */
export type Lowering<K extends OpKind> = (node: GraphNodeOf<K>, ctx: LowerContext) => tf.SymbolicTensor;

export function lowerContext(
  graph: Graph,
  nodeId: string,
  inputs: readonly tf.SymbolicTensor[],
  inputShapes: readonly Shape[],
): LowerContext {
  return {
    graph,
    nodeId,
    inputs,
    inputShapes,
    name: (part) => layerNameFor(part === undefined ? nodeId : `${nodeId}/${part}`),
    fail(code, message, hint) {
      throw new CompileError(nodeId, code, message, hint);
    },
  };
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
