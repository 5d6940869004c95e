import type { ImportedBlock } from "../document/imports.js";
import type { SpecPath } from "../issues.js";
import type { OpKind, OpParams } from "../ops/index.js";
import type { Shape } from "../shape.js";

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
  /** The blocks the spec imported and where each came from (absent when it imports none). */
  imports?: readonly ImportedBlock[];
}

/** Shape of any node or graph input by id. */
export function shapeOf(graph: Graph, id: string): Shape | undefined {
  return graph.inputs.find((i) => i.id === id)?.shape ?? graph.nodes.find((n) => n.id === id)?.shape;
}

/**
 * Ids of the nodes the outputs depend on: their inputs, transitively, and the targets of their
 * `shareWeights` (whose weights they use). The rest are what `validateSpec` warns about as `unused_node`;
 * a backend may skip them, since no output can tell.
 */
export function liveNodeIds(graph: Graph): Set<string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const live = new Set<string>();
  const stack = graph.outputs.filter((id) => byId.has(id));
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (live.has(id)) continue;
    live.add(id);
    const n = byId.get(id)!;
    for (const d of n.shareWeights === undefined ? n.inputs : [...n.inputs, n.shareWeights]) {
      if (byId.has(d) && !live.has(d)) stack.push(d);
    }
  }
  return live;
}
