// The merge analysis the add-vs-concat page quotes, on the bundled examples; each helper throws when a
// fact the prose relies on no longer holds, so a changed example fails the page instead of misquoting it.
import {
  type AffectedLayer,
  compareMerges,
  type Graph,
  loadGraph,
  type MergeAnalysis,
  type MergeComparison,
  type MergeKind,
} from "@fusegraph/dsl";
import { findExample } from "@fusegraph/examples";
import { percentChange } from "../commands/compare.js";
import { count, signed, table } from "./markdown.js";

/** A bundled example's full-size graph. */
export function example(name: string): Graph {
  const e = findExample(name);
  if (!e) throw new Error(`merge report: no bundled example "${name}"`);
  return loadGraph(e.spec());
}

/** `compareMerges` that must succeed: the switched graph and its comparison. */
export function switched(graph: Graph, ids: readonly string[] | "all", mode: MergeKind) {
  const r = compareMerges(graph, ids === "all" ? { all: true } : { ids }, mode);
  if (!r.ok) {
    throw new Error(`merge report: switching ${graph.name} to ${mode} failed: ${r.issues[0]?.message ?? ""}`);
  }
  return r;
}

/** The comparison of a switch that must succeed. */
export function comparison(graph: Graph, ids: readonly string[] | "all", mode: MergeKind): MergeComparison {
  return switched(graph, ids, mode).comparison;
}

/** The output shape of a node that must exist. */
export function nodeShape(graph: Graph, id: string): readonly number[] {
  const n = graph.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`merge report: no node "${id}" in ${graph.name}`);
  return n.shape;
}

/** The first issue the tool gives for a switch that does not fit (message, then hint). */
export function refusal(graph: Graph, ids: readonly string[] | "all", mode: MergeKind): string {
  const r = compareMerges(graph, ids === "all" ? { all: true } : { ids }, mode);
  if (r.ok) throw new Error(`merge report: expected switching ${graph.name} to ${mode} to fail`);
  const first = r.issues[0];
  if (!first) throw new Error("merge report: a failed switch without issues");
  return first.hint ? `${first.message}\n  hint: ${first.hint}` : first.message;
}

/** The analysis of a merge that must exist. */
export function merge(analysis: readonly MergeAnalysis[], id: string): MergeAnalysis {
  const m = analysis.find((a) => a.id === id);
  if (!m) throw new Error(`merge report: no merge "${id}"`);
  return m;
}

/** A layer's params and MACs with its merge in `mode`, which must have been priced. */
export function layerCost(layer: AffectedLayer, mode: MergeKind): { params: number; macs: number } {
  const c = layer.byMode[mode];
  if (!c) throw new Error(`merge report: ${layer.id} has no cost in mode ${mode}`);
  return c;
}

/** Before/after/change/% rows of a comparison's totals. */
export function totalsTable(c: MergeComparison, before: string, after: string): string {
  const row = (label: string, b: number, a: number, fmt: (n: number) => string = count) => [
    label,
    fmt(b),
    fmt(a),
    signed(a - b),
    percentChange(b, a),
  ];
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return table(
    ["", before, after, "change", "%"],
    ["l", "r", "r", "r", "r"],
    [
      row("params", c.before.params.total, c.after.params.total),
      row("MACs", c.before.macs, c.after.macs),
      [
        "activation memory",
        mib(c.before.activations.bytes),
        mib(c.after.activations.bytes),
        "",
        percentChange(c.before.activations.bytes, c.after.activations.bytes),
      ],
    ],
  );
}
