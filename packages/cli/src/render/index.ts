import { type Graph, type GraphCost, graphCost } from "@fusegraph/dsl";
import { renderDot } from "./dot.js";
import { layoutView } from "./layout.js";
import { renderMermaid } from "./mermaid.js";
import { buildView, type GraphView } from "./model.js";
import { renderSvg } from "./svg.js";

export type GraphFormat = "svg" | "dot" | "mermaid";

const RENDERERS = {
  svg: async (view) => renderSvg(view, await layoutView(view)),
  dot: async (view) => renderDot(view),
  mermaid: async (view) => renderMermaid(view),
} satisfies { [F in GraphFormat]: (view: GraphView) => Promise<string> };

export interface RenderGraphOptions {
  format: GraphFormat;
  /** Draw every node, blocks as labelled clusters; by default each block instance is one box. */
  expand?: boolean;
  /** Per-node costs for labels and tooltips; computed from the graph when absent. */
  costs?: GraphCost;
  /** Heading of the picture; the graph's name by default. */
  title?: string;
}

/**
 * A picture of a validated graph: SVG laid out in-process by ELK, or Graphviz DOT, or a Mermaid
 * flowchart. Merge nodes are coloured by mode, graph inputs and outputs drawn as pills, edges
 * labelled with the shape of the tensor they carry.
 */
export async function renderGraph(graph: Graph, opts: RenderGraphOptions): Promise<string> {
  const view = buildView(graph, {
    expand: opts.expand ?? false,
    costs: opts.costs ?? graphCost(graph),
    title: opts.title ?? graph.name,
  });
  const render = RENDERERS[opts.format];
  // NOTE: the type already rules this out; a JavaScript caller (or a CLI flag passed through) may not.
  if (!render)
    throw new RangeError(
      `renderGraph: unknown format "${String(opts.format)}", expected svg | dot | mermaid`,
    );
  return render(view);
}
