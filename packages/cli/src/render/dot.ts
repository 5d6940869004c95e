import { MERGE_KINDS } from "@fusegraph/dsl";
import { type GraphView, type Nesting, nesting, type ViewNode } from "./model.js";
import { BOX_COLOURS, MERGE_STYLES } from "./style.js";

/** A DOT quoted string: backslashes and quotes escaped, line breaks as `\n`. */
function q(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/** Text inside a DOT HTML-like label, which Graphviz parses as XML. */
function h(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function label(v: ViewNode): string {
  const rows = [`<B>${h(v.title)}</B>`, h(v.subtitle)];
  if (v.shape !== undefined) rows.push(`<FONT FACE="Courier">${h(v.shape)}</FONT>`);
  if (v.note) rows.push(h(v.note));
  if (v.merges) rows.push(h(v.merges.map((m) => `${m.count}× ${m.kind}`).join("  ")));
  return `<${rows.join("<BR/>")}>`;
}

function attrs(v: ViewNode): string {
  const a: string[] = [`label=${label(v)}`, `tooltip=${q(v.tooltip)}`];
  switch (v.kind) {
    case "input":
      a.push(
        "shape=oval",
        `fillcolor=${q(BOX_COLOURS.input.fill)}`,
        `fontcolor=${q(BOX_COLOURS.input.text)}`,
        'class="input"',
      );
      break;
    case "output":
      a.push("shape=oval", "peripheries=2", "penwidth=2", 'class="output"');
      break;
    case "block":
      a.push(
        "shape=box3d",
        `fillcolor=${q(BOX_COLOURS.block.fill)}`,
        `color=${q(BOX_COLOURS.block.stroke)}`,
        'class="block"',
      );
      break;
    case "merge": {
      const s = v.merge ? MERGE_STYLES[v.merge] : undefined;
      if (s)
        a.push(
          `fillcolor=${q(s.fill)}`,
          `color=${q(s.stroke)}`,
          "penwidth=2.5",
          `class=${q(`merge ${s.className}`)}`,
        );
      break;
    }
    case "op":
      a.push('class="op"');
      break;
  }
  return a.join(", ");
}

function emit(view: GraphView, nest: Nesting, parent: string, indent: string, out: string[]): void {
  for (const c of nest.clustersIn.get(parent) ?? []) {
    out.push(`${indent}subgraph ${q(`cluster_${c.key}`)} {`);
    out.push(
      `${indent}  label=${q(c.label)}; style="dashed,rounded"; color=${q(BOX_COLOURS.cluster.stroke)};`,
    );
    emit(view, nest, c.key, `${indent}  `, out);
    out.push(`${indent}}`);
  }
  for (const v of nest.nodesIn.get(parent) ?? []) out.push(`${indent}${q(v.key)} [${attrs(v)}];`);
}

/** Graphviz DOT, top to bottom; block instances are `cluster_*` subgraphs when expanded. */
export function renderDot(view: GraphView): string {
  const out = [
    `digraph ${q(view.title)} {`,
    `  graph [rankdir=TB, label=${q(view.title)}, labelloc=t, fontname="Helvetica", fontsize=16, nodesep=0.3, ranksep=0.35];`,
    `  node [shape=box, style="rounded,filled", fillcolor=${q(BOX_COLOURS.op.fill)}, color=${q(BOX_COLOURS.op.stroke)}, fontname="Helvetica", fontsize=11];`,
    `  edge [fontname="Courier", fontsize=9, color="#5C5C5C"];`,
  ];
  emit(view, nesting(view), "", "  ", out);
  for (const e of view.edges) out.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}];`);
  // Ids of the legend contain ':', which graph ids cannot, so they never collide with the graph's.
  out.push(`  subgraph "cluster_legend" {`, `    label="merge modes"; style="rounded"; color="#BBBBBB";`);
  for (const k of MERGE_KINDS) {
    const s = MERGE_STYLES[k];
    out.push(
      `    ${q(`legend:${k}`)} [label=${q(`merge: ${k} (${view.mergeCounts[k]})`)}, fillcolor=${q(s.fill)}, color=${q(s.stroke)}, penwidth=2.5];`,
    );
  }
  out.push("  }", "}", "");
  return out.join("\n");
}
