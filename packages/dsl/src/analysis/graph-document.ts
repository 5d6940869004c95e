import type { NodeSpec, SpecDocumentInput } from "../document/document.js";
import type { Graph, GraphNode } from "../graph/graph.js";
import type { Result, SpecIssue, SpecPath } from "../issues.js";
import { opDef } from "../ops/index.js";
import { validateSpec } from "../validate.js";

/** How many of a node's inputs are data inputs; the rest are its param refs (crop's and upsample's `like`). */
export function dataInputCount(node: GraphNode): number {
  const refs = opDef(node.kind).refs?.(node.params) ?? [];
  return node.inputs.length - refs.length;
}

/** The node's params as a spec writes them: undefined fields dropped, each ref replaced by the id it resolved to. */
function specParams(node: GraphNode, data: number): Record<string, unknown> {
  const params = node.params as Record<string, unknown>;
  const refs = opDef(node.kind).refs?.(node.params) ?? [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (v === undefined) continue;
    const r = refs.indexOf(v as string);
    // NOTE: a ref inside a block is written relative to the block; the graph knows the full id it resolved to.
    out[key] = typeof v === "string" && r >= 0 ? node.inputs[data + r] : v;
  }
  return out;
}

/** One graph node as a flat spec node: `op:`/`merge:`, its data inputs, shared weights, then its (parsed) params. */
export function nodeToSpec(node: GraphNode): NodeSpec {
  const data = dataInputCount(node);
  const head: NodeSpec = opDef(node.kind).category === "merge" ? { merge: node.kind } : { op: node.kind };
  const ins = node.inputs.slice(0, data);
  const wiring = ins.length === 1 ? { input: ins[0] } : { inputs: [...ins] };
  const share = node.shareWeights !== undefined ? { shareWeights: node.shareWeights } : {};
  return { ...head, ...wiring, ...share, ...specParams(node, data) };
}

/**
 * A validated graph written back as a flat spec document (blocks already expanded, defaults filled in).
 * Validating it gives the same graph, which is how rewrites prove their result is a valid spec.
 */
export function graphToDocument(graph: Graph): SpecDocumentInput {
  const inputs: Record<string, number[]> = {};
  for (const i of graph.inputs) inputs[i.id] = [...i.shape];
  const nodes: Record<string, NodeSpec> = {};
  for (const n of graph.nodes) nodes[n.id] = nodeToSpec(n);
  return { fusegraph: 1, name: graph.name, inputs, nodes, outputs: [...graph.outputs] };
}

/** Points an issue about the flat document back at the place the original graph's node came from. */
function relocate(i: SpecIssue, origin: ReadonlyMap<string, GraphNode>): SpecIssue {
  const [root, id, ...rest] = i.path;
  const node = root === "nodes" && typeof id === "string" ? origin.get(id) : undefined;
  if (!node) return i;
  // A block's node points at its `use:` site, where the rest of the path would mean nothing.
  const path: SpecPath = node.scope ? node.path : [...node.path, ...rest];
  return { ...i, path };
}

/**
 * Re-runs the whole spec pipeline (structure, params, refs, shapes, limits) on a rewritten graph, given
 * as a flat document. Nodes the original graph also has keep its paths and scopes, and issues about
 * them point at the original spec, so messages still lead to what the user wrote.
 */
export function revalidate(original: Graph, doc: SpecDocumentInput): Result<{ graph: Graph }> {
  const origin = new Map(original.nodes.map((n) => [n.id, n]));
  const r = validateSpec(doc);
  if (!r.ok) return { ok: false, issues: r.issues.map((i) => relocate(i, origin)) };
  const nodes = r.graph.nodes.map((n): GraphNode => {
    const o = origin.get(n.id);
    if (!o) return n;
    const { scope: _drop, ...rest } = n;
    return { ...rest, path: o.path, ...(o.scope ? { scope: o.scope } : {}) } as GraphNode;
  });
  return {
    ok: true,
    warnings: r.warnings.map((i) => relocate(i, origin)),
    // The flat document imports nothing; the original's record of its imports still describes it.
    graph: { ...r.graph, nodes, ...(original.imports ? { imports: original.imports } : {}) },
  };
}
