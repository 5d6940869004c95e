import { MERGE_KINDS } from "@fusegraph/dsl";
import { type GraphView, type Nesting, nesting, type ViewNode, type ViewNodeKind } from "./model.js";
import { BOX_COLOURS, MERGE_STYLES } from "./style.js";

/**
 * Mermaid ids: letters, digits and `_` only (a graph id's `/`, `.` and `-` would end the id), with a
 * prefix so no id is a keyword like `end` or starts like an edge (`o`, `x`), and a suffix on clashes.
 */
export function mermaidIds(keys: readonly string[], prefix: string): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const key of keys) {
    const base = `${prefix}${key.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}_${k}`;
    used.add(id);
    ids.set(key, id);
  }
  return ids;
}

/** Text inside a quoted Mermaid label: quotes, markup and `#` become Mermaid's `#code;` entities. */
function t(s: string): string {
  return s.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r?\n/g, " ");
}

function className(v: ViewNode): string {
  return v.merge ? MERGE_STYLES[v.merge].className.replace(/-/g, "_") : v.kind;
}

/** Opening and closing brackets of each box kind: pills for inputs/outputs, a framed box for blocks. */
const BRACKETS = {
  input: ["([", "])"],
  output: ["([", "])"],
  block: ["[[", "]]"],
  op: ["[", "]"],
  merge: ["[", "]"],
} as const satisfies { [K in ViewNodeKind]: readonly [string, string] };

function nodeLine(v: ViewNode, id: string): string {
  const rows = [`<b>${t(v.title)}</b>`, t(v.subtitle)];
  if (v.shape !== undefined) rows.push(t(v.shape));
  if (v.note) rows.push(t(v.note));
  if (v.merges) rows.push(t(v.merges.map((m) => `${m.count}× ${m.kind}`).join(", ")));
  const [open, close] = BRACKETS[v.kind];
  return `${id}${open}"${rows.join("<br/>")}"${close}:::${className(v)}`;
}

function emit(nest: Nesting, ids: Map<string, string>, parent: string, indent: string, out: string[]): void {
  for (const c of nest.clustersIn.get(parent) ?? []) {
    out.push(`${indent}subgraph ${ids.get(c.key)} ["${t(c.label)}"]`);
    emit(nest, ids, c.key, `${indent}  `, out);
    out.push(`${indent}end`);
  }
  for (const v of nest.nodesIn.get(parent) ?? [])
    out.push(`${indent}${nodeLine(v, ids.get(v.key) ?? v.key)}`);
}

/**
 * A Mermaid flowchart, top to bottom, with a classDef per merge mode. Mermaid refuses diagrams over
 * its `maxEdges` (500) and `maxTextSize` settings, which a page can raise but a diagram cannot: very
 * large graphs are best drawn collapsed.
 */
export function renderMermaid(view: GraphView): string {
  const ids = mermaidIds(
    view.nodes.map((v) => v.key),
    "n_",
  );
  for (const [k, v] of mermaidIds(
    view.clusters.map((c) => c.key),
    "c_",
  ))
    ids.set(k, v);
  const out = [
    "---",
    `title: ${JSON.stringify(view.title)}`,
    "---",
    "flowchart TB",
    `  classDef input fill:${BOX_COLOURS.input.fill},stroke:${BOX_COLOURS.input.stroke},color:${BOX_COLOURS.input.text}`,
    `  classDef output fill:${BOX_COLOURS.output.fill},stroke:${BOX_COLOURS.output.stroke},stroke-width:3px`,
    `  classDef op fill:${BOX_COLOURS.op.fill},stroke:${BOX_COLOURS.op.stroke}`,
    `  classDef block fill:${BOX_COLOURS.block.fill},stroke:${BOX_COLOURS.block.stroke}`,
    ...MERGE_KINDS.map((k) => {
      const s = MERGE_STYLES[k];
      return `  classDef ${s.className.replace(/-/g, "_")} fill:${s.fill},stroke:${s.stroke},stroke-width:3px`;
    }),
  ];
  emit(nesting(view), ids, "", "  ", out);
  for (const e of view.edges) out.push(`  ${ids.get(e.from)} -->|"${t(e.label)}"| ${ids.get(e.to)}`);
  out.push("");
  return out.join("\n");
}
