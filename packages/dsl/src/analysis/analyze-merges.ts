import type { Graph, GraphNode } from "../graph/graph.js";
import type { SpecIssue } from "../issues.js";
import { LIMITS } from "../limits.js";
import { weightCount } from "../ops/common.js";
import type { OpContext } from "../ops/define-op.js";
import type { MergeKind, OpKind } from "../ops/index.js";
import { opDef } from "../ops/index.js";
import type { Shape } from "../shape.js";
import {
  type ChannelsOption,
  checkMode,
  explainInfeasible,
  inputShapes,
  isMergeNode,
  MERGE_KINDS,
  type MergeNode,
  shapeMap,
} from "./merge-modes.js";

/** Parameters (every weight element, trainable or not) and MACs of one node. */
export interface LayerCost {
  params: number;
  macs: number;
}

/** A merge in one mode: its params, output and own cost, or why its inputs do not fit the mode. */
export type ModeOutcome =
  | { mode: MergeKind; feasible: true; params: unknown; output: Shape; cost: LayerCost }
  | { mode: MergeKind; feasible: false; issues: SpecIssue[] };

/** Layers whose weights see the merge's channels: conv2d, conv2dTranspose and dense. */
export type WeightedKind = "conv2d" | "conv2dTranspose" | "dense";
const WEIGHTED: ReadonlySet<OpKind> = new Set<WeightedKind>(["conv2d", "conv2dTranspose", "dense"]);

/**
 * Single-input ops that pass channels through unchanged (or, flatten, fold them into features), so a
 * conv behind them still sees the merge's channels: ResNet's add -> relu -> conv.
 */
const PASS_THROUGH: ReadonlySet<OpKind> = new Set<OpKind>([
  "activation",
  "batchNorm",
  "dropout",
  "maxPool",
  "avgPool",
  "globalAvgPool",
  "globalMaxPool",
  "zeroPad",
  "crop",
  "upsample",
  "flatten",
  "biasAdd",
]);

/** A conv or dense that reads the merge, directly or through {@link PASS_THROUGH} ops. */
export interface AffectedLayer {
  id: string;
  kind: WeightedKind;
  /** Pass-through nodes between the merge and this layer, in order (empty for a direct consumer). */
  via: string[];
  /** Params count 0 for a layer using another's weights (`shareWeights`), as in graphCost. */
  now: LayerCost;
  /** Its cost with the merge in each mode; null where the merge cannot take the mode. */
  byMode: Record<MergeKind, LayerCost | null>;
}

export interface MergeAnalysis {
  id: string;
  mode: MergeKind;
  params: unknown;
  inputs: { id: string; shape: Shape }[];
  output: Shape;
  /** Nodes that read the merge directly. */
  consumers: { id: string; kind: OpKind }[];
  /** The merge is one of the graph's outputs (its value is visible, not only its cost). */
  isOutput: boolean;
  /** Every mode, the current one included. */
  modes: ModeOutcome[];
  layers: AffectedLayer[];
}

export interface AnalyzeOptions {
  /** conv1x1Add's target channels (one count, or one per merge id); default the smallest input's. */
  channels?: ChannelsOption;
}

/** Output shape and cost of a node fed these input shapes, or undefined when its shape rule refuses them. */
function evaluate(node: GraphNode, inputs: readonly Shape[]): { output: Shape; cost: LayerCost } | undefined {
  const def = opDef(node.kind);
  let failed = false;
  const ctx: OpContext = {
    nodeId: node.id,
    inputIds: node.inputs,
    limits: LIMITS,
    issue: () => {
      failed = true;
    },
  };
  const output = def.inferShape(inputs, node.params, ctx);
  if (failed || output === undefined) return undefined;
  const args = { inputs, params: node.params, output };
  // NOTE: as in graphCost, weights shared from another node count under that node only.
  const params = node.shareWeights === undefined ? weightCount(def.weights(args)) : 0;
  return { output, cost: { params, macs: def.macs(args) } };
}

/** Weighted layers reached from the merge through pass-through ops, in graph order. */
function affectedPaths(graph: Graph, merge: MergeNode): { layer: GraphNode; via: GraphNode[] }[] {
  const readers = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) {
    // Only the data input matters: a node reading the merge as a `like` ref sees its size, not its channels.
    const first = n.inputs[0];
    if (first === undefined) continue;
    const list = readers.get(first);
    if (list) list.push(n);
    else readers.set(first, [n]);
  }
  const out: { layer: GraphNode; via: GraphNode[] }[] = [];
  const queue: { id: string; via: GraphNode[] }[] = [{ id: merge.id, via: [] }];
  for (let q = queue.shift(); q; q = queue.shift()) {
    for (const r of readers.get(q.id) ?? []) {
      if (WEIGHTED.has(r.kind)) out.push({ layer: r, via: q.via });
      else if (PASS_THROUGH.has(r.kind)) queue.push({ id: r.id, via: [...q.via, r] });
    }
  }
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  return out.sort((a, b) => (order.get(a.layer.id) ?? 0) - (order.get(b.layer.id) ?? 0));
}

/** The layer's cost when the merge outputs `mergeOut`: the pass-through chain re-inferred with each op's own rule. */
function costThrough(
  layer: GraphNode,
  via: readonly GraphNode[],
  mergeOut: Shape,
  shapes: ReadonlyMap<string, Shape>,
): LayerCost | null {
  let cur = mergeOut;
  for (const n of [...via, layer]) {
    const refs = n.inputs.slice(1).map((id) => shapes.get(id) ?? []);
    const r = evaluate(n, [cur, ...refs]);
    if (!r) return null;
    if (n === layer) return r.cost;
    cur = r.output;
  }
  return null;
}

/**
 * Every merge of the graph: its mode, input and output shapes, consumers, whether each mode fits its
 * inputs (add and weightedAdd need identical shapes; concat equal shapes but for the channels;
 * conv1x1Add [H,W,C] inputs and a channel count, by default the smallest input's), and the params and
 * MACs of each conv or dense that sees its output, now and under each mode. Before a conv, add is a
 * concat whose kernel is tied across the inputs (K_i = K_{i+C}), so concat doubles (n-folds) that conv's
 * kernel params and MACs.
 */
export function analyzeMerges(graph: Graph, opts: AnalyzeOptions = {}): MergeAnalysis[] {
  const shapes = shapeMap(graph);
  const outputs = new Set(graph.outputs);
  return graph.nodes.filter(isMergeNode).map((merge): MergeAnalysis => {
    const inputs = inputShapes(graph, merge, shapes);
    const checks = MERGE_KINDS.map((m) => checkMode(merge, inputs, m, opts.channels));
    const modes = checks.map((c): ModeOutcome => {
      if (!c.feasible) return { mode: c.mode, feasible: false, issues: explainInfeasible(merge, c, checks) };
      const def = opDef(c.mode);
      const args = { inputs, params: c.params, output: c.output };
      const cost = { params: weightCount(def.weights(args)), macs: def.macs(args) };
      return { mode: c.mode, feasible: true, params: c.params, output: c.output, cost };
    });
    const layers = affectedPaths(graph, merge).map(({ layer, via }): AffectedLayer => {
      const now = evaluate(layer, inputShapes(graph, layer, shapes))?.cost ?? { params: 0, macs: 0 };
      const byMode = {} as Record<MergeKind, LayerCost | null>;
      for (const m of modes) byMode[m.mode] = m.feasible ? costThrough(layer, via, m.output, shapes) : null;
      return {
        id: layer.id,
        kind: layer.kind as WeightedKind,
        via: via.map((v) => v.id),
        now,
        byMode,
      };
    });
    return {
      id: merge.id,
      mode: merge.kind,
      params: merge.params,
      inputs: merge.inputs.map((id, i) => ({ id, shape: inputs[i] ?? [] })),
      output: merge.shape,
      consumers: graph.nodes
        .filter((n) => n.inputs.includes(merge.id))
        .map((n) => ({ id: n.id, kind: n.kind })),
      isOutput: outputs.has(merge.id),
      modes,
      layers,
    };
  });
}
