import { MERGE_KINDS, type MergeKind } from "@fusegraph/dsl";
import {
  BOX_PAD,
  CHIP,
  CLUSTER_LABEL_HEIGHT,
  chipText,
  type Layout,
  type PlacedCluster,
  type PlacedEdge,
  type PlacedNode,
  STACK_OFFSET,
} from "./layout.js";
import type { GraphView, ViewNodeKind } from "./model.js";
import { BOX_COLOURS, MERGE_STYLES } from "./style.js";
import { FONT, textWidth, escapeXml as x } from "./text.js";

const MARGIN = 16;
const LEGEND_ROW = 24;
/** The legend wraps at the graph's width, but never narrower than this. */
const LEGEND_MIN_WIDTH = 560;
const EDGE_COLOUR = "#5C5C5C";

/** Rounds to 0.1 px: enough for a picture, and keeps large SVGs small. */
function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function css(): string {
  const merges = MERGE_KINDS.map((k) => {
    const s = MERGE_STYLES[k];
    return `.${s.className} .box { fill: ${s.fill}; stroke: ${s.stroke}; stroke-width: 2.5; }`;
  });
  return [
    `svg { font-family: ${FONT.sans}; }`,
    `text { fill: #1A1A1A; font-size: ${FONT.bodySize}px; }`,
    `.title { font-weight: 700; font-size: ${FONT.titleSize}px; }`,
    `.shape, .edge-label { font-family: ${FONT.mono}; }`,
    `.edge-label { font-size: ${FONT.edgeSize}px; fill: #333333; paint-order: stroke; stroke: #FFFFFF; stroke-width: 3px; stroke-linejoin: round; }`,
    `.edge path { fill: none; stroke: ${EDGE_COLOUR}; stroke-width: 1.2; }`,
    `.op .box { fill: ${BOX_COLOURS.op.fill}; stroke: ${BOX_COLOURS.op.stroke}; stroke-width: 1; }`,
    `.block .box { fill: ${BOX_COLOURS.block.fill}; stroke: ${BOX_COLOURS.block.stroke}; stroke-width: 1.3; }`,
    `.input .box { fill: ${BOX_COLOURS.input.fill}; stroke: ${BOX_COLOURS.input.stroke}; stroke-width: 1.5; }`,
    `.node.input text { fill: ${BOX_COLOURS.input.text}; }`,
    `.output .box { fill: ${BOX_COLOURS.output.fill}; stroke: ${BOX_COLOURS.output.stroke}; stroke-width: 3; }`,
    `.cluster .frame { fill: ${BOX_COLOURS.cluster.fill}; fill-opacity: 0.6; stroke: ${BOX_COLOURS.cluster.stroke}; stroke-width: 1; stroke-dasharray: 5 3; }`,
    `.cluster-label { font-weight: 600; fill: #4D4D4D; paint-order: stroke; stroke: #FFFFFF; stroke-width: 4px; stroke-linejoin: round; }`,
    `.legend .heading { font-size: 16px; font-weight: 700; }`,
    ...merges,
  ].join("\n");
}

/** The outline of a box of the given kind at (x, y): pills for inputs and outputs, cards otherwise. */
function outline(kind: ViewNodeKind, x0: number, y0: number, w: number, h: number): string {
  const pill = kind === "input" || kind === "output";
  const r = pill ? h / 2 : 5;
  const inner =
    kind === "output"
      ? `<rect class="box" x="${n(x0)}" y="${n(y0)}" width="${n(w)}" height="${n(h)}" rx="${n(r)}"/><rect x="${n(x0 + 4)}" y="${n(y0 + 4)}" width="${n(w - 8)}" height="${n(h - 8)}" rx="${n(r - 4)}" fill="none" stroke="${BOX_COLOURS.output.stroke}" stroke-width="1"/>`
      : `<rect class="box" x="${n(x0)}" y="${n(y0)}" width="${n(w)}" height="${n(h)}" rx="${n(r)}"/>`;
  return inner;
}

function nodeSvg(p: PlacedNode): string {
  const v = p.node;
  const classes = ["node", v.kind, ...(v.merge ? [MERGE_STYLES[v.merge].className] : [])];
  const parts: string[] = [
    `<g class="${classes.join(" ")}" data-id="${x(v.key)}">`,
    `<title>${x(v.tooltip)}</title>`,
  ];
  let { x: bx, y: by, width: w, height: h } = p;
  if (v.kind === "block") {
    // Two cards behind the front one say "there is more inside".
    for (const k of [2, 1])
      parts.push(
        outline(
          "block",
          bx + k * STACK_OFFSET,
          by + (2 - k) * STACK_OFFSET,
          w - 2 * STACK_OFFSET,
          h - 2 * STACK_OFFSET,
        ),
      );
    by += 2 * STACK_OFFSET;
    w -= 2 * STACK_OFFSET;
    h -= 2 * STACK_OFFSET;
  }
  parts.push(outline(v.kind, bx, by, w, h));
  const cx = bx + w / 2;
  const rows: string[] = [
    `<text class="title" text-anchor="middle">${x(v.title)}</text>`,
    `<text class="kind" text-anchor="middle">${x(v.subtitle)}</text>`,
  ];
  if (v.shape !== undefined) rows.push(`<text class="shape" text-anchor="middle">${x(v.shape)}</text>`);
  if (v.note) rows.push(`<text class="note" text-anchor="middle">${x(v.note)}</text>`);
  rows.forEach((row, i) => {
    const baseline = by + BOX_PAD.y + (i + 1) * FONT.lineHeight - 4;
    parts.push(row.replace("<text ", `<text x="${n(cx)}" y="${n(baseline)}" `));
  });
  if (v.merges) {
    const widths = v.merges.map(
      (m) => CHIP.swatch + CHIP.gap + textWidth(chipText(m), FONT.bodySize, "sans"),
    );
    const total = widths.reduce((a, b) => a + b, 0) + CHIP.spacing * (widths.length - 1);
    let cx0 = cx - total / 2;
    const baseline = by + BOX_PAD.y + (rows.length + 1) * FONT.lineHeight - 4;
    v.merges.forEach((m, i) => {
      const s = MERGE_STYLES[m.kind];
      parts.push(
        `<g class="chip ${s.className}"><rect class="box" x="${n(cx0)}" y="${n(baseline - CHIP.swatch)}" width="${CHIP.swatch}" height="${CHIP.swatch}" rx="1.5"/><text x="${n(cx0 + CHIP.swatch + CHIP.gap)}" y="${n(baseline)}">${x(chipText(m))}</text></g>`,
      );
      cx0 += (widths[i] ?? 0) + CHIP.spacing;
    });
  }
  parts.push("</g>");
  return parts.join("");
}

function clusterSvg(c: PlacedCluster): string {
  return [
    `<g class="cluster" data-id="${x(c.cluster.key)}">`,
    `<title>${x(`block ${c.cluster.label}`)}</title>`,
    `<rect class="frame" x="${n(c.x)}" y="${n(c.y)}" width="${n(c.width)}" height="${n(c.height)}" rx="8"/>`,
    "</g>",
  ].join("");
}

/** Drawn above the edges, with a halo, so an edge entering the cluster never hides its name. */
function clusterLabelSvg(c: PlacedCluster): string {
  return `<text class="cluster-label" x="${n(c.x + 10)}" y="${n(c.y + CLUSTER_LABEL_HEIGHT - 6)}">${x(c.cluster.label)}</text>`;
}

function edgeSvg(e: PlacedEdge): string {
  if (e.points.length === 0) return "";
  const d = e.points.map((p, i) => `${i === 0 ? "M" : "L"}${n(p.x)},${n(p.y)}`).join(" ");
  const label = e.label
    ? `<text class="edge-label" x="${n(e.label.x + e.label.width / 2)}" y="${n(e.label.y + e.label.height - 3)}" text-anchor="middle">${x(e.edge.label)}</text>`
    : "";
  return `<g class="edge" data-from="${x(e.edge.from)}" data-to="${x(e.edge.to)}"><path d="${d}" marker-end="url(#fg-arrow)"/>${label}</g>`;
}

interface LegendItem {
  className: string;
  kind: ViewNodeKind;
  label: string;
}

function legendItems(view: GraphView): LegendItem[] {
  const items: LegendItem[] = [
    { className: "input", kind: "input", label: "graph input" },
    { className: "output", kind: "output", label: "graph output" },
    { className: "op", kind: "op", label: "op" },
  ];
  if (view.nodes.some((v) => v.kind === "block"))
    items.push({ className: "block", kind: "block", label: "block (collapsed)" });
  const merges = MERGE_KINDS.map((k: MergeKind) => ({
    className: `merge ${MERGE_STYLES[k].className}`,
    kind: "merge" as const,
    label: `merge: ${k} (${view.mergeCounts[k]})`,
  }));
  return [...items, ...merges];
}

/**
 * A key to every colour and outline: box kinds, then each merge mode with how many the graph has.
 * Items wrap onto further rows rather than make a narrow graph's picture wide.
 */
function legendSvg(view: GraphView, maxWidth: number): { svg: string; width: number; height: number } {
  const parts = [`<g class="legend">`, `<text class="heading" x="0" y="18">${x(view.title)}</text>`];
  let at = 0;
  let top = 30;
  let width = textWidth(view.title, 16, "bold");
  for (const item of legendItems(view)) {
    const w = 32 + textWidth(item.label, FONT.bodySize, "sans");
    if (at > 0 && at + w > maxWidth) {
      at = 0;
      top += LEGEND_ROW;
    }
    const swatch = outline(item.kind, at, top, 26, 16);
    parts.push(
      `<g class="legend-item ${item.className}">${swatch}<text x="${n(at + 32)}" y="${n(top + 12)}">${x(item.label)}</text></g>`,
    );
    width = Math.max(width, at + w);
    at += w + 18;
  }
  parts.push("</g>");
  return { svg: parts.join(""), width, height: top + LEGEND_ROW + 6 };
}

/** A self-contained SVG document: legend on top, then the laid-out graph. */
export function renderSvg(view: GraphView, layout: Layout): string {
  const legend = legendSvg(view, Math.max(layout.width, LEGEND_MIN_WIDTH));
  const width = Math.ceil(Math.max(layout.width, legend.width) + 2 * MARGIN);
  const height = Math.ceil(layout.height + legend.height + 2 * MARGIN);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${x(view.title)}">`,
    `<title>${x(view.title)}</title>`,
    `<style>\n${css()}\n</style>`,
    `<defs><marker id="fg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${EDGE_COLOUR}"/></marker></defs>`,
    `<rect class="background" width="${width}" height="${height}" fill="#FFFFFF"/>`,
    `<g transform="translate(${MARGIN},${MARGIN})">${legend.svg}</g>`,
    `<g class="graph" transform="translate(${MARGIN},${MARGIN + legend.height})">`,
    `<g class="clusters">`,
    ...layout.clusters.map(clusterSvg),
    `</g>`,
    `<g class="edges">`,
    ...layout.edges.map(edgeSvg),
    `</g>`,
    `<g class="cluster-labels">`,
    ...layout.clusters.map(clusterLabelSvg),
    `</g>`,
    `<g class="nodes">`,
    ...layout.nodes.map(nodeSvg),
    `</g>`,
    `</g>`,
    `</svg>`,
    "",
  ].join("\n");
}
