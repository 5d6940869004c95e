import { relative, resolve } from "node:path";
import { writeOutputFile } from "@fusegraph/dsl/node";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { loadValidGraph } from "../load-spec.js";
import { parseChoice } from "../options.js";
import { type GraphFormat, renderGraph } from "../render/index.js";

export const GRAPH_FORMATS: readonly GraphFormat[] = ["svg", "dot", "mermaid"];

export interface GraphOptions {
  format: GraphFormat;
  out?: string;
  expand?: boolean;
}

/** `fusegraph graph <spec>`: a picture of the graph on stdout or in a file. */
export async function runGraph(spec: string, options: GraphOptions, ctx: CommandContext): Promise<ExitCode> {
  const loaded = await loadValidGraph(spec, ctx);
  if (!loaded) return ExitCode.failed;
  const text = await renderGraph(loaded.graph, { format: options.format, expand: options.expand === true });
  const body = text.endsWith("\n") ? text : `${text}\n`;
  if (options.out === undefined) {
    ctx.io.stdout.write(body);
    return ExitCode.ok;
  }
  const path = resolve(ctx.io.cwd, options.out);
  await writeOutputFile(path, body);
  ctx.io.stderr.write(
    `wrote ${relative(ctx.io.cwd, path)} (${options.format}, ${loaded.graph.nodes.length} nodes)\n`,
  );
  return ExitCode.ok;
}

export function registerGraph(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("graph")
    .summary("draw a spec as SVG, Graphviz DOT or a Mermaid flowchart")
    .description(
      "Draw a spec: merge nodes coloured by mode, edges labelled with tensor shapes. SVG is laid out\n" +
        "in-process (no Graphviz needed); DOT and Mermaid are text for other tools. Blocks are drawn as one\n" +
        "box each unless --expand. Writes to stdout, or to --out.",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .option("--format <format>", "svg, dot or mermaid", parseChoice(GRAPH_FORMATS), "svg")
    .option("--out <file>", "write to this file instead of stdout")
    .option("--expand", "draw every node, blocks as labelled clusters")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph graph tiny-unet --out tiny-unet.svg",
        "  $ fusegraph graph model.yaml --format dot --out model.dot   # for Graphviz: dot -Tpng model.dot",
        "  $ fusegraph graph resnet50 --format mermaid --expand",
        "",
        "Exit codes: 0 drawn, 1 invalid spec, 2 usage error.",
      ].join("\n"),
    )
    .action(async (spec: string, options: GraphOptions) => done(await runGraph(spec, options, ctx())));
}
