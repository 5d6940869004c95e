import {
  type Graph,
  type GraphCost,
  type GraphNode,
  isMergeKind,
  MERGE_KINDS,
  type MergeKind,
} from "@fusegraph/dsl";
import { formatCount, formatScaled } from "../output.js";
import { paramsLabel, shapeLabel } from "./style.js";

export type ViewNodeKind = "input" | "output" | "op" | "merge" | "block";

/** One box of the picture, independent of the output format. */
export interface ViewNode {
  /** Unique among drawn boxes: a graph node or input id, a block instance id, or `output:<id>`. */
  key: string;
  kind: ViewNodeKind;
  /** The box's lines: title (an id), what it is, then the tensor shape (set in monospace). */
  title: string;
  subtitle: string;
  shape?: string;
  /** A further line: a collapsed block's parameter total. */
  note?: string;
  merge?: MergeKind;
  /** Merge modes inside a collapsed block, with how many of each. */
  merges?: { kind: MergeKind; count: number }[];
  /** Innermost cluster (block instance) holding the box, when blocks are expanded. */
  cluster?: string;
  /** Details for a hover tooltip: params, MACs, inputs. */
  tooltip: string;
}

export interface ViewCluster {
  key: string;
  parent?: string;
  label: string;
}

export interface ViewEdge {
  from: string;
  to: string;
  /** Shape(s) of the tensor(s) crossing the edge, e.g. "56×56×256". */
  label: string;
}

/** What to draw: boxes in graph order, clusters parents first, deduplicated edges. */
export interface GraphView {
  title: string;
  nodes: ViewNode[];
  clusters: ViewCluster[];
  edges: ViewEdge[];
  /** How many merge nodes of each mode the graph has (for the legend). */
  mergeCounts: Record<MergeKind, number>;
}

export interface ViewOptions {
  expand: boolean;
  costs: GraphCost;
  title: string;
}

/** Key of the terminal box drawn for a graph output (ids never contain ':'). */
export function outputKey(id: string): string {
  return `output:${id}`;
}

export function kindLabel(node: GraphNode): string {
  return isMergeKind(node.kind) ? `merge: ${node.kind}` : node.kind;
}

/**
 * Block instances enclosing each node, outermost first. Graphs validated from documents with blocks
 * carry `scope`; graphs built flat (e.g. by a builder that names nodes `layer1.0/conv1` itself) carry
 * none, so their ids' `/`-separated prefixes stand in, as block expansion would have named them. A
 * prefix that is itself a node or input id is not a block and is skipped.
 */
function scopeChains(graph: Graph): Map<string, readonly string[]> {
  const chains = new Map<string, readonly string[]>();
  const hasScopes = graph.nodes.some((n) => n.scope !== undefined);
  const ids = new Set<string>([...graph.inputs.map((i) => i.id), ...graph.nodes.map((n) => n.id)]);
  for (const n of graph.nodes) {
    if (hasScopes) {
      chains.set(n.id, n.scope ?? []);
      continue;
    }
    const parts = n.id.split("/");
    const chain: string[] = [];
    for (let k = 1; k < parts.length; k++) {
      const prefix = parts.slice(0, k).join("/");
      if (!ids.has(prefix)) chain.push(prefix);
    }
    chains.set(n.id, chain);
  }
  return chains;
}

function costLines(params: number, macs: number): string {
  return `params: ${formatCount(params)}\nMACs: ${formatScaled(macs)}`;
}

function emptyMergeCounts(): Record<MergeKind, number> {
  return Object.fromEntries(MERGE_KINDS.map((k) => [k, 0])) as Record<MergeKind, number>;
}

function opBox(n: GraphNode, params: number, macs: number, cluster: string | undefined): ViewNode {
  return {
    key: n.id,
    kind: isMergeKind(n.kind) ? "merge" : "op",
    title: n.id,
    subtitle: kindLabel(n),
    shape: shapeLabel(n.shape),
    ...(isMergeKind(n.kind) ? { merge: n.kind } : {}),
    ...(cluster ? { cluster } : {}),
    tooltip: [
      `${n.id} (${kindLabel(n)})`,
      `output: ${shapeLabel(n.shape)}`,
      costLines(params, macs),
      `inputs: ${n.inputs.join(", ")}`,
    ].join("\n"),
  };
}

/** Builds the format-independent picture: which boxes, clusters and edges to draw. */
export function buildView(graph: Graph, opts: ViewOptions): GraphView {
  const chains = scopeChains(graph);
  const costById = new Map(opts.costs.nodes.map((c) => [c.id, c]));
  const shapes = new Map<string, string>();
  for (const i of graph.inputs) shapes.set(i.id, shapeLabel(i.shape));
  for (const n of graph.nodes) shapes.set(n.id, shapeLabel(n.shape));

  const mergeCounts = emptyMergeCounts();
  for (const n of graph.nodes) if (isMergeKind(n.kind)) mergeCounts[n.kind]++;

  /** The box a tensor (node or input id) is drawn in. */
  const boxOf = (id: string): string => (opts.expand ? id : (chains.get(id)?.[0] ?? id));

  const nodes: ViewNode[] = graph.inputs.map((i) => ({
    key: i.id,
    kind: "input",
    title: i.id,
    subtitle: "input",
    shape: shapeLabel(i.shape),
    tooltip: `input ${i.id}\nshape: ${shapeLabel(i.shape)}`,
  }));
  const clusters: ViewCluster[] = [];

  if (opts.expand) {
    const seen = new Set<string>();
    const sizes = new Map<string, number>();
    for (const n of graph.nodes)
      for (const c of chains.get(n.id) ?? []) sizes.set(c, (sizes.get(c) ?? 0) + 1);
    for (const n of graph.nodes) {
      const chain = chains.get(n.id) ?? [];
      chain.forEach((c, k) => {
        if (seen.has(c)) return;
        seen.add(c);
        const parent = chain[k - 1];
        clusters.push({ key: c, ...(parent ? { parent } : {}), label: `${c} · ${sizes.get(c)} nodes` });
      });
      const cost = costById.get(n.id);
      nodes.push(opBox(n, cost?.params.total ?? 0, cost?.macs ?? 0, chain[chain.length - 1]));
    }
  } else {
    const blocks = new Map<string, GraphNode[]>();
    for (const n of graph.nodes) {
      const b = chains.get(n.id)?.[0];
      if (!b) continue;
      const members = blocks.get(b);
      if (members) members.push(n);
      else blocks.set(b, [n]);
    }
    const consumedOutside = new Set<string>(graph.outputs);
    for (const n of graph.nodes)
      for (const r of n.inputs) if (boxOf(r) !== boxOf(n.id)) consumedOutside.add(r);
    const drawn = new Set<string>();
    for (const n of graph.nodes) {
      const b = chains.get(n.id)?.[0];
      const cost = costById.get(n.id);
      if (!b) {
        nodes.push(opBox(n, cost?.params.total ?? 0, cost?.macs ?? 0, undefined));
        continue;
      }
      if (drawn.has(b)) continue;
      drawn.add(b);
      const members = blocks.get(b) ?? [];
      let params = 0;
      let macs = 0;
      const counts = emptyMergeCounts();
      for (const m of members) {
        const c = costById.get(m.id);
        params += c?.params.total ?? 0;
        macs += c?.macs ?? 0;
        if (isMergeKind(m.kind)) counts[m.kind]++;
      }
      const outShapes = [
        ...new Set(members.filter((m) => consumedOutside.has(m.id)).map((m) => shapeLabel(m.shape))),
      ];
      const merges = MERGE_KINDS.filter((k) => counts[k] > 0).map((kind) => ({ kind, count: counts[kind] }));
      nodes.push({
        key: b,
        kind: "block",
        title: b,
        subtitle: `block · ${members.length} nodes`,
        ...(outShapes.length > 0 ? { shape: outShapes.join(", ") } : {}),
        note: paramsLabel(params),
        ...(merges.length > 0 ? { merges } : {}),
        tooltip: [
          `block ${b}: ${members.length} nodes`,
          costLines(params, macs),
          ...(merges.length > 0 ? [`merges: ${merges.map((m) => `${m.count}× ${m.kind}`).join(", ")}`] : []),
        ].join("\n"),
      });
    }
  }

  for (const id of graph.outputs) {
    const shape = shapes.get(id) ?? "";
    nodes.push({
      key: outputKey(id),
      kind: "output",
      title: id,
      subtitle: "output",
      shape,
      tooltip: `output ${id}\nshape: ${shape}`,
    });
  }

  const edgeLabels = new Map<string, { from: string; to: string; labels: Set<string> }>();
  const link = (fromId: string, to: string) => {
    const from = boxOf(fromId);
    if (from === to) return;
    const k = `${from}\u0000${to}`;
    const e = edgeLabels.get(k) ?? { from, to, labels: new Set<string>() };
    e.labels.add(shapes.get(fromId) ?? "");
    edgeLabels.set(k, e);
  };
  for (const n of graph.nodes) for (const r of n.inputs) link(r, boxOf(n.id));
  for (const id of graph.outputs) link(id, outputKey(id));
  const edges = [...edgeLabels.values()].map((e) => ({
    from: e.from,
    to: e.to,
    label: [...e.labels].join(", "),
  }));

  return { title: opts.title, nodes, clusters, edges, mergeCounts };
}

/** Clusters and boxes grouped by their enclosing cluster ("" for the top level), for nested output. */
export interface Nesting {
  clustersIn: Map<string, ViewCluster[]>;
  nodesIn: Map<string, ViewNode[]>;
}

export function nesting(view: GraphView): Nesting {
  const clustersIn = new Map<string, ViewCluster[]>();
  const nodesIn = new Map<string, ViewNode[]>();
  for (const c of view.clusters) {
    const p = c.parent ?? "";
    clustersIn.set(p, [...(clustersIn.get(p) ?? []), c]);
  }
  for (const v of view.nodes) {
    const p = v.cluster ?? "";
    const list = nodesIn.get(p);
    if (list) list.push(v);
    else nodesIn.set(p, [v]);
  }
  return { clustersIn, nodesIn };
}
