import {
  compareMerges,
  type Graph,
  isMergeKind,
  type MergeComparison,
  type MergeKind,
  trySwitch,
} from "@fusegraph/dsl";
import type { SubjectResult } from "./stage.js";

/** The examples whose merges the job compares, and the modes it tries (every merge switched). */
export const COMPARE_SUBJECTS: readonly { name: string; modes: readonly MergeKind[] }[] = [
  { name: "unet", modes: ["add", "concat"] },
  { name: "fpn-resnet50", modes: ["concat", "add"] },
];

export interface ComparisonResult {
  name: string;
  mode: MergeKind;
  /** Which merges were switched: every one, or (when that is infeasible) each that can switch alone. */
  scope: "all" | "feasible";
  /** Merges of the graph not in `mode` already, and how many of them were switched. */
  candidates: number;
  /** Null when not even one merge can switch; `reason` says why. */
  comparison: MergeComparison | null;
  reason?: string;
}

/**
 * Every merge of the graph switched to `mode`; when that is infeasible (a merge's inputs do not fit, or a
 * switch breaks a later merge), the merges that can switch on their own, switched together.
 */
export function compareAllOrFeasible(graph: Graph, mode: MergeKind): Omit<ComparisonResult, "name"> {
  const candidates = graph.nodes.filter((n) => isMergeKind(n.kind) && n.kind !== mode).map((n) => n.id);
  const all = compareMerges(graph, { all: true }, mode);
  if (all.ok) return { mode, scope: "all", candidates: candidates.length, comparison: all.comparison };
  const reason = all.issues[0]?.message ?? "infeasible";
  const alone = candidates.filter((id) => trySwitch(graph, { ids: [id] }, mode).ok);
  const some = alone.length > 0 ? compareMerges(graph, { ids: alone }, mode) : undefined;
  return some?.ok
    ? { mode, scope: "feasible", candidates: candidates.length, comparison: some.comparison, reason }
    : { mode, scope: "feasible", candidates: candidates.length, comparison: null, reason };
}

/** The compare tables of the job: each compared example in each mode that changes anything. */
export function mainComparisons(results: readonly SubjectResult[]): ComparisonResult[] {
  const out: ComparisonResult[] = [];
  for (const { name, modes } of COMPARE_SUBJECTS) {
    const graph = results.find((r) => r.state.subject.name === name)?.state.graph;
    if (!graph) continue;
    for (const mode of modes) {
      const c = compareAllOrFeasible(graph, mode);
      if (c.candidates === 0) continue;
      out.push({ name, ...c });
    }
  }
  return out;
}
