import type { Graph } from "../graph/graph.js";
import { type GraphWeight, graphWeights } from "./init.js";
import { weightKey } from "./tensor.js";

/** A key a sharing node's weight would have if it owned it. */
export interface SharedWeightKey {
  /** The node with `shareWeights`. */
  node: string;
  /** The node whose weights it uses. */
  target: string;
  /** The target's key for the same weight, under which the values live. */
  source: string;
}

/**
 * Keys a node that shares another's weights (`shareWeights`) would have if it owned them, mapped to
 * the node, its target and the target's key. Such a node has none, so backends refuse values given
 * under these keys, and may alias them to the target's. `owned` is `graphWeights(graph)`, when known.
 */
export function sharedWeightKeys(
  graph: Graph,
  owned: readonly GraphWeight[] = graphWeights(graph),
): Map<string, SharedWeightKey> {
  const byNode = new Map<string, GraphWeight[]>();
  for (const w of owned) {
    const list = byNode.get(w.nodeId);
    if (list) list.push(w);
    else byNode.set(w.nodeId, [w]);
  }
  const out = new Map<string, SharedWeightKey>();
  for (const n of graph.nodes) {
    if (n.shareWeights === undefined) continue;
    for (const { key, spec } of byNode.get(n.shareWeights) ?? []) {
      out.set(weightKey(n.id, spec.name), { node: n.id, target: n.shareWeights, source: key });
    }
  }
  return out;
}
