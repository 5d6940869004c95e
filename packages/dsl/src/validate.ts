import { expandBlocks } from "./blocks/blocks.js";
import type { SpecDocumentInput } from "./document/document.js";
import { type BlockTable, loadBlockTable, relocateIssue } from "./document/imports.js";
import type { ParseOptions } from "./document/parse-spec.js";
import { checkStructure } from "./document/structure.js";
import { buildTopology } from "./graph/build.js";
import type { Graph, GraphNode } from "./graph/graph.js";
import { checkSharedWeights } from "./graph/share-weights.js";
import { appendIssues, capIssues, isError, type Result, type SpecIssue } from "./issues.js";
import { type Limits, resolveLimits } from "./limits.js";
import { inferShapes } from "./shapes/infer.js";
import type { Locator } from "./text/locate.js";
import { parseText, withLocations } from "./text/parse.js";
import { sanitize } from "./text/sanitize.js";

/** Same issue reached twice (e.g. a block's node checked once per instance) is reported once. */
function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.code}\u0000${JSON.stringify(i.path)}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Located, deduplicated, in document order (issues without a location keep their stage order); issues
 * in imported documents are located in their own file and come after the spec's own.
 */
function finish(
  limits: Limits,
  issues: SpecIssue[],
  locate: Locator | undefined,
  table?: BlockTable,
): SpecIssue[] {
  const located = withLocations(
    dedupe(issues).map((i) => relocateIssue(i, table)),
    locate,
  );
  if (!locate) return capIssues(located, limits.maxIssues);
  const sorted = located
    .map((i, k) => ({ i, k }))
    .sort(
      (a, b) =>
        Number(a.i.file !== undefined) - Number(b.i.file !== undefined) ||
        (a.i.file ?? "").localeCompare(b.i.file ?? "") ||
        (a.i.line ?? 0) - (b.i.line ?? 0) ||
        (a.i.column ?? 0) - (b.i.column ?? 0) ||
        a.k - b.k,
    )
    .map(({ i }) => i);
  return capIssues(sorted, limits.maxIssues);
}

/**
 * The whole check, from spec text (YAML or JSON) or a document object to a validated, shape-inferred
 * graph: structure, block expansion, kinds and params, refs, ids, cycles, shapes and size limits.
 * Every stage runs on whatever the earlier ones left valid, so all of a document's issues come back
 * together; warnings (unused nodes) ride along with success. `opts.limits` raises or lowers
 * {@link LIMITS} for this call only; an invalid override throws a `LimitsError` (a caller's mistake,
 * not a problem of the spec).
 */
export function validateSpec(
  input: string | SpecDocumentInput,
  opts: ParseOptions = {},
): Result<{ graph: Graph }> {
  const limits = resolveLimits(opts.limits);
  const issues: SpecIssue[] = [];
  const report = (i: SpecIssue) => {
    issues.push(i);
  };
  let locate: Locator | undefined;
  let value: unknown;
  if (typeof input === "string") {
    const parsed = parseText(input, { ...opts, limits });
    appendIssues(issues, parsed.issues);
    locate = parsed.locate;
    value = parsed.value;
    if (value === undefined && issues.some(isError))
      return { ok: false, issues: finish(limits, issues, locate) };
  } else {
    const clean = sanitize(input, limits);
    appendIssues(issues, clean.issues);
    value = clean.value;
    if (value === undefined) return { ok: false, issues: finish(limits, issues, locate) };
  }

  const { doc, poisoned, issues: structural } = checkStructure(value, limits);
  appendIssues(issues, structural);
  if (!doc) return { ok: false, issues: finish(limits, issues, locate) };

  // NOTE: expandBlocks stops at limits.maxNodes itself (reporting limit_exceeded), so no count check here.
  const expansion: SpecIssue[] = [];
  const onExpand = (i: SpecIssue) => {
    expansion.push(i);
    report(i);
  };
  const origin = opts.origin ?? (opts.filename !== undefined ? { filename: opts.filename } : {});
  const table = loadBlockTable(
    doc,
    { origin, limits, ...(opts.resolveImport ? { resolveImport: opts.resolveImport } : {}) },
    onExpand,
  );
  const expanded = expandBlocks(doc, onExpand, table, limits);
  const topo = buildTopology(doc, expanded.nodes, expanded.aliases, poisoned, report, expansion);
  const shapes = inferShapes(topo, report, limits);
  checkSharedWeights(topo, shapes, report);

  const all = finish(limits, issues, locate, table);
  if (all.some(isError)) return { ok: false, issues: all };

  const nodes = topo.order.map((i): GraphNode => {
    const n = topo.nodes[i]!;
    const f = n.flat;
    const node = {
      id: f.id,
      kind: n.kind,
      inputs: n.inputs as string[],
      params: n.params,
      shape: shapes.get(f.id)!,
      path: f.via[0] ?? f.path,
      ...(f.scope.length > 0 ? { scope: [...f.scope] } : {}),
      ...(n.sharesWith !== undefined ? { shareWeights: topo.nodes[n.sharesWith]!.flat.id } : {}),
    };
    // NOTE: no errors means every node has a kind, params from that kind's schema, and a shape.
    return node as GraphNode;
  });
  const graph: Graph = {
    name: doc.name,
    inputs: [...topo.inputs].map(([id, shape]) => ({ id, shape })),
    nodes,
    outputs: topo.outputs as string[],
    ...(table.imports.length > 0 ? { imports: table.imports } : {}),
  };
  return { ok: true, warnings: all, graph };
}
