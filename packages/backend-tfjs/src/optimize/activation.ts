import type { GraphNode, GraphNodeOf } from "@fusegraph/dsl";

/** The dsl activations a tfjs Conv2D / Conv2DTranspose / DepthwiseConv2D / Dense layer can apply itself. */
export type FusedActivation = "relu" | "sigmoid" | "tanh" | "softmax";

/**
 * The layer `activation` computing exactly what the node computes, or undefined when no built-in
 * activation identifier does: leakyRelu is a layer in tfjs, not an activation, and a layer's softmax
 * works on the last axis only.
 */
export function fusedActivationOf(node: GraphNodeOf<"activation">): FusedActivation | undefined {
  const p = node.params;
  switch (p.fn) {
    case "relu":
    case "sigmoid":
    case "tanh":
      return p.fn;
    case "leakyRelu":
      return undefined;
    case "softmax": {
      const rank = node.shape.length;
      return (p.axis < 0 ? p.axis + rank : p.axis) === rank - 1 ? "softmax" : undefined;
    }
    default: {
      // NOTE: a new activation fn in the dsl must be classified here; this fails the type check until it is.
      const unclassified: never = p;
      return unclassified;
    }
  }
}

/** Whether a node is the activation kind (narrowing helper for the planners). */
export function isActivation(node: GraphNode): node is GraphNodeOf<"activation"> {
  return node.kind === "activation";
}
