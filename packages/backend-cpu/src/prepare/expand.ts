import {
  type CoreKind,
  type Graph,
  type GraphNode,
  type GraphNodeOf,
  isCompositeKind,
  isOpKind,
  type OpDef,
  ops,
  type Shape,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";

/** A node of a core kind: one the kernel table has an entry for. */
export type CoreNode = { [K in CoreKind]: GraphNodeOf<K> }[CoreKind];

/** A graph's nodes with every composite rewritten into core kinds. */
export interface ExpandedGraph {
  /** Topological order; a composite's last part carries the composite's id, so its readers stay connected. */
  nodes: readonly CoreNode[];
  /** Weight key of an expanded part -> key of the composite's weight whose value it takes. */
  weightSources: ReadonlyMap<string, string>;
}

/**
 * Rewrites weightedAdd and conv1x1Add through their op's `expand()` (recursively, should a part be a
 * composite), re-inferring each part's shape with its op's own rule. Depends on the graph alone, so
 * any backend can share it; `expandedWeights` then carries the weights over.
 */
export function expandComposites(graph: Graph): ExpandedGraph {
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  const nodes: CoreNode[] = [];
  const weightSources = new Map<string, string>();
  const visit = (node: GraphNode): void => {
    if (!isCompositeKind(node.kind)) {
      nodes.push(node as CoreNode);
      shapes.set(node.id, node.shape);
      return;
    }
    const def = ops[node.kind] as OpDef<string, unknown>;
    const expansion = def.expand?.(
      node,
      node.params,
      node.inputs.map((i) => shapes.get(i) ?? []),
    );
    if (!expansion) throw new TypeError(`composite op ${node.kind} has no expand()`);
    for (const [name, target] of Object.entries(expansion.weights)) {
      weightSources.set(target, weightKey(node.id, name));
    }
    for (const part of expansion.nodes) {
      if (!isOpKind(part.kind)) {
        throw new TypeError(
          `${node.kind} "${node.id}" expands into part "${part.id}" of unknown kind ${part.kind}`,
        );
      }
      const problems: string[] = [];
      const ctx = {
        nodeId: part.id,
        inputIds: part.inputs,
        issue: (_: string, m: string) => problems.push(m),
      };
      const partDef = ops[part.kind] as OpDef<string, unknown>;
      const shape = partDef.inferShape(
        part.inputs.map((i) => shapes.get(i) ?? []),
        part.params,
        ctx,
      );
      if (!shape) {
        throw new TypeError(
          `${node.kind} "${node.id}": expanded part "${part.id}" failed shape inference: ${problems.join("; ")}`,
        );
      }
      visit({ ...part, kind: part.kind, shape, path: node.path, scope: node.scope } as GraphNode);
    }
  };
  for (const n of graph.nodes) visit(n);
  return { nodes, weightSources };
}

/**
 * `weights` plus, for every expanded part, its weight under the part's key (the composite's arrays, not
 * copies). Applied in expansion order, so a part of a nested composite finds its outer part's value.
 */
export function expandedWeights(weights: WeightMap, { weightSources }: ExpandedGraph): WeightMap {
  const out: WeightMap = new Map(weights);
  for (const [target, source] of weightSources) {
    const w = out.get(source);
    if (w) out.set(target, w);
  }
  return out;
}
