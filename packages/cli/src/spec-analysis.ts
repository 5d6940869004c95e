import {
  type Graph,
  type GraphNode,
  graphCost,
  isError,
  type Limits,
  ops,
  type ParamCount,
  type SpecIssue,
  validateSpec,
} from "@fusegraph/dsl";
import { nodeImportResolver } from "@fusegraph/dsl/node";
import type { SpecSource } from "./spec-input.js";

/** The outcome of checking one spec: the graph and its warnings, or every issue found. */
export type Checked =
  | { ok: true; graph: Graph; warnings: readonly SpecIssue[] }
  | { ok: false; issues: readonly SpecIssue[] };

/** Validates a spec source; its `imports:` resolve from its own file, else from `cwd`. */
export function validateSource(
  source: SpecSource,
  cwd: string = process.cwd(),
  limits?: Partial<Limits>,
): Checked {
  const origin = source.kind === "text" ? source.importOrigin : undefined;
  const result = validateSpec(source.kind === "text" ? source.text : source.document, {
    filename: source.label,
    resolveImport: nodeImportResolver({ cwd }),
    ...(origin ? { origin } : {}),
    ...(limits ? { limits } : {}),
  });
  return result.ok
    ? { ok: true, graph: result.graph, warnings: result.warnings }
    : { ok: false, issues: result.issues };
}

export function countIssues(issues: readonly SpecIssue[]): { errors: number; warnings: number } {
  const errors = issues.filter(isError).length;
  return { errors, warnings: issues.length - errors };
}

/** An issue as `check --json` prints it: every documented key is always present (null when unknown). */
export interface IssueJson {
  code: string;
  severity: "error" | "warning";
  path: (string | number)[];
  line: number | null;
  column: number | null;
  nodeId: string | null;
  message: string;
  hint: string | null;
  expected: string | null;
  received: string | null;
  /** The imported file the issue is in; null when it is in the spec itself. */
  file: string | null;
  /** That file's package, `name@version`; null when none. */
  package: string | null;
}

export function issueJson(i: SpecIssue): IssueJson {
  return {
    code: i.code,
    severity: i.severity,
    path: [...i.path],
    line: i.line ?? null,
    column: i.column ?? null,
    nodeId: i.nodeId ?? null,
    message: i.message,
    hint: i.hint ?? null,
    expected: i.expected ?? null,
    received: i.received ?? null,
    file: i.file ?? null,
    package: i.package ?? null,
  };
}

export interface NodeCostRow {
  node: GraphNode;
  category: "primitive" | "merge";
  params: ParamCount;
  macs: number;
  flops: number;
}

export interface CostReport {
  nodes: NodeCostRow[];
  params: ParamCount;
  macs: number;
  flops: number;
}

export function categoryOf(node: GraphNode): "primitive" | "merge" {
  return ops[node.kind].category;
}

/** Per-node and total cost of a validated graph, joined with the graph's nodes (in topological order). */
export function costReport(graph: Graph): CostReport {
  const cost = graphCost(graph);
  const byId = new Map(cost.nodes.map((c) => [c.id, c]));
  const nodes = graph.nodes.map((node): NodeCostRow => {
    const c = byId.get(node.id);
    return {
      node,
      category: categoryOf(node),
      params: c ? { ...c.params } : { trainable: 0, nonTrainable: 0, total: 0 },
      macs: c?.macs ?? 0,
      flops: c?.flops ?? 0,
    };
  });
  return { nodes, params: { ...cost.total.params }, macs: cost.total.macs, flops: cost.total.flops };
}

/** Merge kinds a graph uses, in order of first use. */
export function mergeKindsOf(graph: Graph): string[] {
  const kinds: string[] = [];
  for (const n of graph.nodes) if (categoryOf(n) === "merge" && !kinds.includes(n.kind)) kinds.push(n.kind);
  return kinds;
}
