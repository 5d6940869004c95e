import type { Graph, GraphNode } from "../graph/graph.js";
import type { WeightSpec } from "../ops/define-op.js";
import type { OpKind } from "../ops/index.js";
import { opDef } from "../ops/index.js";
import { numel, type Shape } from "../shape.js";

export interface ParamCount {
  trainable: number;
  nonTrainable: number;
  total: number;
}

export interface NodeCost {
  id: string;
  kind: OpKind;
  params: ParamCount;
  /** Multiply-accumulates of matmul-like work (torchvision's "GFLOPS" convention). */
  macs: number;
  /** All floating-point work: 2 per MAC plus elementwise work. */
  flops: number;
  /** The weights the node computes with; a sharing node's belong to `sharedFrom` and are not counted. */
  weights: WeightSpec[];
  /** The node whose weights this one uses (`shareWeights`); its params then count 0. */
  sharedFrom?: string;
}

export interface GraphCost {
  /** In the graph's (topological) order; merge nodes are nodes too. */
  nodes: NodeCost[];
  total: { params: ParamCount; macs: number; flops: number };
}

function countParams(weights: readonly WeightSpec[]): ParamCount {
  let trainable = 0;
  let nonTrainable = 0;
  for (const w of weights) {
    if (w.trainable) trainable += numel(w.shape);
    else nonTrainable += numel(w.shape);
  }
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}

/**
 * Weights, parameter counts, MACs and flops of every node of a validated graph, and their totals. A node
 * that shares another's weights (`shareWeights`) counts no params but its own MACs and flops.
 */
export function graphCost(graph: Graph): GraphCost {
  const shapes = new Map<string, Shape>();
  for (const i of graph.inputs) shapes.set(i.id, i.shape);
  for (const n of graph.nodes) shapes.set(n.id, n.shape);
  const total = { params: { trainable: 0, nonTrainable: 0, total: 0 }, macs: 0, flops: 0 };
  const nodes = graph.nodes.map((n: GraphNode): NodeCost => {
    const def = opDef(n.kind);
    const args = {
      inputs: n.inputs.map((id) => {
        const s = shapes.get(id);
        // NOTE: a Graph from validateSpec always has every input's shape; a hand-made one may not.
        if (!s)
          throw new RangeError(`graphCost: node "${n.id}" reads "${id}", which the graph does not define`);
        return s;
      }),
      params: n.params,
      output: n.shape,
    };
    const weights = [...def.weights(args)];
    // NOTE: shared weights are stored once, under the target, so only the target counts them.
    const params = countParams(n.shareWeights === undefined ? weights : []);
    const macs = def.macs(args);
    const flops = def.flops(args);
    total.params.trainable += params.trainable;
    total.params.nonTrainable += params.nonTrainable;
    total.params.total += params.total;
    total.macs += macs;
    total.flops += flops;
    return {
      id: n.id,
      kind: n.kind,
      params,
      macs,
      flops,
      weights,
      ...(n.shareWeights !== undefined ? { sharedFrom: n.shareWeights } : {}),
    };
  });
  return { nodes, total };
}
