import type { FlatNode } from "../blocks/blocks.js";
import type { Graph, GraphNode } from "../graph/graph.js";
import { checkSharedWeights } from "../graph/share-weights.js";
import type { CheckedNode, Topology } from "../graph/topology.js";
import { isError, type Result, type SpecIssue } from "../issues.js";
import { opDef } from "../ops/index.js";
import type { Shape } from "../shape.js";
import { inferShapes } from "../shapes/infer.js";
import { dataInputCount } from "./graph-document.js";

/**
 * Shape inference of the spec pipeline ({@link inferShapes}) run straight on a graph's nodes, whose
 * params are already parsed and whose order is already topological: for what-if questions asked many
 * times over (one merge switched at a time), where re-validating a whole document each time would
 * dominate. The nodes' shapes are ignored and recomputed; a rewrite that returns a graph to the user
 * goes through {@link revalidate} instead, which checks everything.
 */
export function reinfer(graph: Graph, nodes: readonly GraphNode[]): Result<{ graph: Graph }> {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    index.set(n.id, i);
  });
  const checked = nodes.map((n): CheckedNode => {
    const def = opDef(n.kind);
    const flat: FlatNode = {
      id: n.id,
      category: def.category === "merge" ? "merge" : "op",
      kind: n.kind,
      inputs: n.inputs.slice(0, dataInputCount(n)),
      params: n.params as Record<string, unknown>,
      path: n.path,
      via: [],
      scope: n.scope ? [...n.scope] : [],
    };
    const deps = n.inputs.flatMap((id) => {
      const d = index.get(id);
      return d === undefined ? [] : [d];
    });
    const sharesWith = n.shareWeights === undefined ? undefined : index.get(n.shareWeights);
    return {
      flat,
      kind: n.kind,
      def,
      params: n.params,
      inputs: [...n.inputs],
      deps,
      ok: true,
      ...(sharesWith !== undefined ? { sharesWith } : {}),
    };
  });
  const topo: Topology = {
    nodes: checked,
    order: nodes.map((_, i) => i),
    inputs: new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape])),
    outputs: [...graph.outputs],
  };
  const issues: SpecIssue[] = [];
  const report = (i: SpecIssue) => {
    issues.push(i);
  };
  const shapes = inferShapes(topo, report);
  // A node sharing another's weights must still declare the same ones once shapes change.
  checkSharedWeights(topo, shapes, report);
  if (issues.some(isError)) return { ok: false, issues };
  const out = nodes.map((n) => ({ ...n, shape: shapes.get(n.id) ?? n.shape }) as GraphNode);
  return { ok: true, warnings: issues, graph: { ...graph, nodes: out } };
}
