import {
  compositeKinds,
  type Graph,
  type GraphNode,
  graphWeights,
  liveNodeIds,
  type OpDef,
  type OpKind,
  ops,
  type Shape,
  type WeightMap,
  weightKey,
} from "@fusegraph/dsl";
import { CompileError } from "../errors.js";

/** The graph as the portable lowering sees it: composites expanded, every node owning its weights. */
export interface InferenceGraph {
  inputs: Graph["inputs"];
  /** Topological order; expanded parts carry ids `<composite>/<part>`, the last part the composite's id. */
  nodes: readonly GraphNode[];
  outputs: readonly string[];
  /** Keyed `nodeId/weightName` for every node that computes with weights (sharing nodes included). */
  weights: WeightMap;
}

const composites: ReadonlySet<string> = new Set(compositeKinds);

/**
 * Checks `weights` against the live nodes' declared weights (nodes no output depends on are not
 * compiled, as in the trainable target) and gives each node that shares another's
 * weights (`shareWeights`) the target's values under its own id: an inference model may hold them
 * twice, which frees folding from caring about sharing.
 */
function ownWeights(graph: Graph, weights: WeightMap): WeightMap {
  const out: WeightMap = new Map(weights);
  const live = liveNodeIds(graph);
  const declared = graphWeights(graph).filter((w) => live.has(w.nodeId));
  for (const { key, nodeId, spec } of declared) {
    const w = weights.get(key);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!w || w.data.length !== size || w.shape.some((d, i) => d !== spec.shape[i])) {
      throw new CompileError(
        nodeId,
        "weights_mismatch",
        w
          ? `weight "${key}" has shape ${JSON.stringify(w.shape)}, expected ${JSON.stringify(spec.shape)}`
          : `weight "${key}" is missing`,
        "give every weight the graph declares (docs/ops.md layouts), or omit weights to initialise from a seed",
      );
    }
  }
  for (const node of graph.nodes) {
    if (node.shareWeights === undefined) continue;
    for (const { nodeId, spec } of declared) {
      if (nodeId !== node.shareWeights) continue;
      const w = weights.get(weightKey(nodeId, spec.name));
      if (w) out.set(weightKey(node.id, spec.name), w);
    }
  }
  return out;
}

/**
 * Expands weightedAdd and conv1x1Add through their op's `expand()` (the dsl's own rewrite into
 * primitives), re-inferring each part's shape with its op's rule and carrying the composite's weights
 * over to the parts, so the portable lowering only meets primitives.
 */
export function inferenceGraph(graph: Graph, weights: WeightMap): InferenceGraph {
  const own = ownWeights(graph, weights);
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.id, i.shape]));
  const nodes: GraphNode[] = [];
  const visit = (node: GraphNode): void => {
    const def = ops[node.kind] as OpDef<string, unknown>;
    if (!composites.has(node.kind) || !def.expand) {
      const { shareWeights: _, ...plain } = node;
      nodes.push(plain as GraphNode);
      shapes.set(node.id, node.shape);
      return;
    }
    const inputs = node.inputs.map((i) => shapes.get(i) ?? []);
    const expansion = def.expand(node, node.params, inputs);
    for (const [name, target] of Object.entries(expansion.weights)) {
      const w = own.get(weightKey(node.id, name));
      if (w) own.set(target, w);
    }
    for (const part of expansion.nodes) {
      const partDef = ops[part.kind as OpKind] as OpDef<string, unknown>;
      const partInputs = part.inputs.map((i) => shapes.get(i) ?? []);
      const problems: string[] = [];
      const ctx = {
        nodeId: part.id,
        inputIds: part.inputs,
        issue: (_c: string, m: string) => problems.push(m),
      };
      const shape = partDef.inferShape(partInputs, part.params, ctx);
      if (!shape) {
        throw new CompileError(
          node.id,
          "shape_mismatch",
          `its expansion part "${part.id}" has no shape: ${problems.join("; ")}`,
          "this is a bug in the op's expand(); please report it with the spec",
        );
      }
      visit({ ...part, kind: part.kind as OpKind, shape, path: node.path } as GraphNode);
    }
  };
  const live = liveNodeIds(graph);
  for (const n of graph.nodes) if (live.has(n.id)) visit(n);
  return { inputs: graph.inputs, nodes, outputs: graph.outputs, weights: own };
}
