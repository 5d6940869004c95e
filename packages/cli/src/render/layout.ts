import ElkModule from "elkjs/lib/elk.bundled.js";
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { GraphView, ViewCluster, ViewEdge, ViewNode } from "./model.js";
import { FONT, textWidth } from "./text.js";

// NOTE: elkjs is CommonJS; under NodeNext its default import is `module.exports`, whose `default`
// property is the constructor (set by elkjs itself), so this works in Node and in bundlers alike.
// The bundled build runs ELK's compiled Java in a fake worker on this thread: no Worker, no binary.
const ELK = ElkModule.default;

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedNode extends Box {
  node: ViewNode;
}

export interface PlacedCluster extends Box {
  cluster: ViewCluster;
  depth: number;
}

export interface PlacedEdge {
  edge: ViewEdge;
  /** Polyline from the source box's border to the target's, in absolute coordinates. */
  points: Point[];
  label?: Box;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  clusters: PlacedCluster[];
  edges: PlacedEdge[];
}

/** Inner padding of a box, and room for a cluster's label above its contents. */
export const BOX_PAD = { x: 10, y: 7 };
export const CLUSTER_LABEL_HEIGHT = 22;
/** A collapsed block is drawn as a stack of cards; its back cards stick out by this much. */
export const STACK_OFFSET = 4;
/** One merge-mode chip in a collapsed block: a swatch and "2× add". */
export const CHIP = { swatch: 9, gap: 4, spacing: 10 };

export function chipText(m: { kind: string; count: number }): string {
  return `${m.count}× ${m.kind}`;
}

function chipsWidth(node: ViewNode): number {
  return (node.merges ?? []).reduce(
    (w, m, i) =>
      w + (i > 0 ? CHIP.spacing : 0) + CHIP.swatch + CHIP.gap + textWidth(chipText(m), FONT.bodySize, "sans"),
    0,
  );
}

/** Number of text rows in a box (title, subtitle, shape, note, merge chips). */
export function rowCount(node: ViewNode): number {
  return 2 + (node.shape !== undefined ? 1 : 0) + (node.note ? 1 : 0) + (node.merges ? 1 : 0);
}

export function boxSize(node: ViewNode): { width: number; height: number } {
  const widths = [
    textWidth(node.title, FONT.titleSize, "bold"),
    textWidth(node.subtitle, FONT.bodySize, "sans"),
    node.shape !== undefined ? textWidth(node.shape, FONT.bodySize, "mono") : 0,
    node.note ? textWidth(node.note, FONT.bodySize, "sans") : 0,
    chipsWidth(node),
  ];
  // Inputs and outputs are pills: their round ends need room beside the text.
  const round = node.kind === "input" || node.kind === "output" ? 16 : 0;
  const stack = node.kind === "block" ? STACK_OFFSET * 2 : 0;
  return {
    width: Math.max(90, Math.max(...widths) + 2 * BOX_PAD.x + round + stack),
    height: rowCount(node) * FONT.lineHeight + 2 * BOX_PAD.y + stack,
  };
}

const ROOT = "\u0000root";

const LAYOUT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.spacing.nodeNode": "24",
  "elk.layered.spacing.nodeNodeBetweenLayers": "28",
  "elk.layered.spacing.edgeNodeBetweenLayers": "14",
  "elk.spacing.edgeLabel": "3",
  "elk.edgeLabels.placement": "CENTER",
  // Keep the spec's order among siblings: the picture then reads like the document.
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  // NOTE: ELK's default (7) spends most of a 500-node layout on crossing minimisation; 3 halves the
  // time with no visible difference on the bundled examples.
  "elk.layered.thoroughness": "3",
  "elk.padding": "[top=12,left=12,bottom=12,right=12]",
} as const;

/** Lays the view out with ELK's layered (Sugiyama) algorithm, top to bottom, clusters as nested nodes. */
export async function layoutView(view: GraphView): Promise<Layout> {
  const elkNodes = new Map<string, ElkNode>();
  const root: ElkNode = { id: ROOT, layoutOptions: { ...LAYOUT_OPTIONS }, children: [], edges: [] };
  elkNodes.set(ROOT, root);
  const parentOf = new Map<string, string>();
  for (const c of view.clusters) {
    const n: ElkNode = {
      id: c.key,
      layoutOptions: { "elk.padding": `[top=${CLUSTER_LABEL_HEIGHT + 8},left=10,bottom=10,right=10]` },
      children: [],
      edges: [],
    };
    elkNodes.set(c.key, n);
    parentOf.set(c.key, c.parent ?? ROOT);
    elkNodes.get(c.parent ?? ROOT)?.children?.push(n);
  }
  for (const v of view.nodes) {
    const parent = v.cluster ?? ROOT;
    parentOf.set(v.key, parent);
    elkNodes.get(parent)?.children?.push({ id: v.key, ...boxSize(v) });
  }

  const ancestors = (key: string): string[] => {
    const chain: string[] = [];
    for (let p = parentOf.get(key); p !== undefined; p = parentOf.get(p)) chain.push(p);
    return chain;
  };
  const edgeById = new Map<string, ViewEdge>();
  view.edges.forEach((e, i) => {
    const id = `e${i}`;
    edgeById.set(id, e);
    const up = new Set(ancestors(e.from));
    // ELK wants an edge in the lowest cluster holding both ends.
    const container = ancestors(e.to).find((a) => up.has(a)) ?? ROOT;
    const labels = e.label
      ? [
          {
            text: e.label,
            width: textWidth(e.label, FONT.edgeSize, "mono") + 4,
            height: FONT.edgeSize + 4,
            // On the edge (the SVG masks the line behind it) rather than beside it.
            layoutOptions: { "elk.edgeLabels.inline": "true" },
          },
        ]
      : [];
    elkNodes.get(container)?.edges?.push({ id, sources: [e.from], targets: [e.to], labels });
  });

  const result = await new ELK().layout(root);

  const byKey = new Map(view.nodes.map((v) => [v.key, v]));
  const clusterByKey = new Map(view.clusters.map((c) => [c.key, c]));
  const nodes: PlacedNode[] = [];
  const clusters: PlacedCluster[] = [];
  const edges: PlacedEdge[] = [];
  const origin = new Map<string, Point>();
  const walk = (n: ElkNode, at: Point, depth: number): void => {
    origin.set(n.id, at);
    for (const child of n.children ?? []) {
      const box = {
        x: at.x + (child.x ?? 0),
        y: at.y + (child.y ?? 0),
        width: child.width ?? 0,
        height: child.height ?? 0,
      };
      const cluster = clusterByKey.get(child.id);
      if (cluster) clusters.push({ cluster, depth, ...box });
      const node = byKey.get(child.id);
      if (node) nodes.push({ node, ...box });
      walk(child, { x: box.x, y: box.y }, depth + 1);
    }
  };
  walk(result, { x: 0, y: 0 }, 0);
  const collect = (n: ElkNode): void => {
    for (const e of (n.edges ?? []) as (ElkExtendedEdge & { container?: string })[]) {
      const at = origin.get(e.container ?? n.id) ?? { x: 0, y: 0 };
      const edge = edgeById.get(e.id);
      if (!edge) continue;
      const points: Point[] = [];
      for (const s of e.sections ?? []) {
        for (const p of [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])
          points.push({ x: at.x + p.x, y: at.y + p.y });
      }
      const l = e.labels?.[0];
      edges.push({
        edge,
        points,
        ...(l
          ? {
              label: {
                x: at.x + (l.x ?? 0),
                y: at.y + (l.y ?? 0),
                width: l.width ?? 0,
                height: l.height ?? 0,
              },
            }
          : {}),
      });
    }
    for (const c of n.children ?? []) collect(c);
  };
  collect(result);
  return { width: result.width ?? 0, height: result.height ?? 0, nodes, clusters, edges };
}
