import { graphCost, type ParamCount } from "../costs/cost.js";
import type { Graph } from "../graph/graph.js";
import type { Result, SpecIssue } from "../issues.js";
import type { MergeKind } from "../ops/index.js";
import { numel } from "../shape.js";
import {
  type MergeSelector,
  type MergeSwitch,
  trySwitch,
  type WithMergeOptions,
  withMerge,
} from "./with-merge.js";

/** Bytes of one float32 element: every activation is float32. */
export const BYTES_PER_ELEMENT = 4;

/**
 * Activation memory of one example: the sum of every node's output elements (merges and the nodes they
 * expand to included, graph inputs excluded) times 4 bytes. Nothing is freed or shared, so it is what
 * training keeps for the backward pass, an upper bound on what inference needs at once.
 */
export interface ActivationMemory {
  elements: number;
  bytes: number;
}

export interface GraphSummary {
  params: ParamCount;
  macs: number;
  flops: number;
  activations: ActivationMemory;
}

export function activationMemory(graph: Graph): ActivationMemory {
  const elements = graph.nodes.reduce((s, n) => s + numel(n.shape), 0);
  return { elements, bytes: elements * BYTES_PER_ELEMENT };
}

/** Parameter counts, MACs and flops (from {@link graphCost}) and activation memory of a graph. */
export function summarizeGraph(graph: Graph): GraphSummary {
  const { total } = graphCost(graph);
  return {
    params: { ...total.params },
    macs: total.macs,
    flops: total.flops,
    activations: activationMemory(graph),
  };
}

/**
 * One switched merge's share: the whole graph's totals with only this merge switched, minus the
 * original's. Null when this merge cannot be switched alone (its issues say why), e.g. when a later
 * add needs the channels of an earlier one that is switched too. Shares need not sum to the total
 * change, since switches interact through shared consumers.
 */
export interface MergeDelta extends MergeSwitch {
  paramsDelta: number | null;
  macsDelta: number | null;
  /** Change in activation memory (bytes, see {@link ActivationMemory}). */
  activationBytesDelta: number | null;
  issues?: SpecIssue[];
}

/** What `fusegraph compare` prints. */
export interface MergeComparison {
  before: GraphSummary;
  after: GraphSummary;
  /** after minus before. */
  delta: { params: number; macs: number; activationBytes: number };
  merges: MergeDelta[];
}

/**
 * Costs of the graph before and after switching the selected merges to `mode` ({@link withMerge}),
 * with each switched merge's own share found by switching it alone.
 */
export function compareMerges(
  graph: Graph,
  selector: MergeSelector,
  mode: MergeKind,
  opts: WithMergeOptions = {},
): Result<{ comparison: MergeComparison; graph: Graph }> {
  const r = withMerge(graph, selector, mode, opts);
  if (!r.ok) return r;
  const before = summarizeGraph(graph);
  const after = summarizeGraph(r.graph);
  const merges = r.switched.map((s): MergeDelta => {
    const alone = trySwitch(graph, { ids: [s.id] }, mode, opts);
    if (!alone.ok)
      return { ...s, paramsDelta: null, macsDelta: null, activationBytesDelta: null, issues: alone.issues };
    const { total } = graphCost(alone.graph);
    return {
      ...s,
      paramsDelta: total.params.total - before.params.total,
      macsDelta: total.macs - before.macs,
      activationBytesDelta: activationMemory(alone.graph).bytes - before.activations.bytes,
    };
  });
  return {
    ok: true,
    warnings: r.warnings,
    graph: r.graph,
    comparison: {
      before,
      after,
      delta: {
        params: after.params.total - before.params.total,
        macs: after.macs - before.macs,
        activationBytes: after.activations.bytes - before.activations.bytes,
      },
      merges,
    },
  };
}
