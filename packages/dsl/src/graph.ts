import type { SpecPath } from "./issues.js";
import type { OpKind, OpParams } from "./ops/index.js";
import type { Shape } from "./shape.js";

/** A node of a validated graph, discriminated by `kind` so `switch (node.kind)` narrows `params`. */
export type GraphNode = { [K in OpKind]: GraphNodeOf<K> }[OpKind];

export interface GraphNodeOf<K extends OpKind> {
  id: string;
  kind: K;
  /** Data inputs, then the node's param refs (e.g. crop's `like`). Graph inputs and node ids share one namespace. */
  inputs: readonly string[];
  params: OpParams<K>;
  /** Output shape of one example (batch implicit). */
  shape: Shape;
  /** Where the node came from in the spec document (for issues); a block's nodes point at their `use:` node. */
  path: SpecPath;
  /** The block this node was expanded from, outermost first, e.g. ["layer1.0"]. */
  scope?: readonly string[];
  /**
   * Id of a node of the same kind (with identical weight specs) whose weights this node uses: it has
   * none of its own, and backends look its weights up under that id. The target never shares in turn.
   */
  shareWeights?: string;
}

export interface GraphInput {
  id: string;
  shape: Shape;
}

/** A validated, shape-inferred graph: nodes in topological order, ids unique, every ref resolved. */
export interface Graph {
  name: string;
  inputs: readonly GraphInput[];
  nodes: readonly GraphNode[];
  outputs: readonly string[];
}

/** Shape of any node or graph input by id. */
export function shapeOf(graph: Graph, id: string): Shape | undefined {
  return graph.inputs.find((i) => i.id === id)?.shape ?? graph.nodes.find((n) => n.id === id)?.shape;
}
