import { formatShape, type Graph, type ImportedBlock, shapeOf } from "@fusegraph/dsl";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { formatCount, formatScaled, renderTable, visibleLength, writeJson } from "../output.js";
import { type CostReport, costReport, validateSource } from "../spec-analysis.js";
import { readSpecInput } from "../spec-input.js";
import { writeIssues } from "./check.js";

export interface InspectOptions {
  json?: boolean;
}

/** `inspect --json`: the documented keys are fixed; more may be added, none removed. */
export interface InspectJson {
  name: string;
  inputs: { id: string; shape: number[] }[];
  outputs: { id: string; shape: number[] }[];
  params: { trainable: number; nonTrainable: number; total: number };
  macs: number;
  flops: number;
  nodes: {
    id: string;
    kind: string;
    category: "primitive" | "merge";
    inputs: string[];
    shape: number[];
    /** The node's total parameter count. */
    params: number;
    trainableParams: number;
    nonTrainableParams: number;
    macs: number;
    flops: number;
  }[];
  /** The blocks the spec imports: each one's name in the spec, file and package (`name@version`, null for a plain file). */
  imports: {
    name: string;
    specifier: string;
    block: string;
    file: string;
    package: string | null;
    importedBy: string | null;
  }[];
}

/** Where an imported block came from: `package@version`, or its file when it is not in a package. */
function importSource(i: ImportedBlock): string {
  return i.package ? `${i.package.name}@${i.package.version}` : i.file;
}

export function inspectJson(graph: Graph, report: CostReport): InspectJson {
  return {
    name: graph.name,
    inputs: graph.inputs.map((i) => ({ id: i.id, shape: [...i.shape] })),
    outputs: graph.outputs.map((id) => ({ id, shape: [...(shapeOf(graph, id) ?? [])] })),
    params: report.params,
    macs: report.macs,
    flops: report.flops,
    nodes: report.nodes.map((r) => ({
      id: r.node.id,
      kind: r.node.kind,
      category: r.category,
      inputs: [...r.node.inputs],
      shape: [...r.node.shape],
      params: r.params.total,
      trainableParams: r.params.trainable,
      nonTrainableParams: r.params.nonTrainable,
      macs: r.macs,
      flops: r.flops,
    })),
    imports: (graph.imports ?? []).map((i) => ({
      name: i.name,
      specifier: i.specifier,
      block: i.block,
      file: i.file,
      package: i.package ? importSource(i) : null,
      importedBy: i.importedBy ?? null,
    })),
  };
}

/** Long input lists (a DenseNet concat has dozens) are cut so the table stays readable. */
function inputsCell(inputs: readonly string[]): string {
  const shown = inputs.slice(0, 3).join(", ");
  return inputs.length > 3 ? `${shown}, +${inputs.length - 3} more` : shown;
}

/** Keras's `model.summary()` / torchinfo layout: one row per node, then the totals. */
export function renderSummary(graph: Graph, report: CostReport, ctx: CommandContext): string {
  const s = ctx.style;
  const rows: string[][] = graph.inputs.map((i) => [
    i.id,
    s.dim("input"),
    "",
    formatShape(i.shape),
    "0",
    "0",
  ]);
  for (const r of report.nodes) {
    const op = r.category === "merge" ? s.cyan(`merge:${r.node.kind}`) : r.node.kind;
    rows.push([
      r.category === "merge" ? s.bold(r.node.id) : r.node.id,
      op,
      inputsCell(r.node.inputs),
      formatShape(r.node.shape),
      formatCount(r.params.total),
      formatCount(r.macs),
    ]);
  }
  const table = renderTable(
    [
      { header: "Node" },
      { header: "Op / merge" },
      { header: "Inputs" },
      { header: "Output shape" },
      { header: "Params", align: "right" },
      { header: "MACs", align: "right" },
    ],
    rows,
  );
  const p = report.params;
  // NOTE: sizes assume float32 weights (4 bytes each), as Keras's summary does.
  const mb = (n: number): string => `${((n * 4) / 2 ** 20).toFixed(2)} MB`;
  const merges = report.nodes.filter((r) => r.category === "merge").length;
  const totals = [
    `Total params:         ${formatCount(p.total)} (${mb(p.total)})`,
    `Trainable params:     ${formatCount(p.trainable)}`,
    `Non-trainable params: ${formatCount(p.nonTrainable)}`,
    `MACs:                 ${formatCount(report.macs)} (${formatScaled(report.macs)})`,
    `FLOPs:                ${formatCount(report.flops)} (${formatScaled(report.flops)})`,
    `Nodes:                ${report.nodes.length} (${merges} merge${merges === 1 ? "" : "s"})`,
    `Outputs:              ${graph.outputs.map((id) => `${id} ${formatShape(shapeOf(graph, id) ?? [])}`).join(", ")}`,
  ];
  const rule = "-".repeat(visibleLength(table.split("\n")[1] ?? ""));
  const imports = (graph.imports ?? []).map((i) => {
    const where = `${i.file}#${i.block}${i.importedBy ? `, imported by ${i.importedBy}` : ""}`;
    return i.package ? `  ${i.name}  ${importSource(i)}  ${s.dim(`(${where})`)}` : `  ${i.name}  ${where}`;
  });
  const imported = imports.length > 0 ? `Imported blocks:\n${imports.join("\n")}\n` : "";
  return `${s.bold(`Model: "${graph.name}"`)}\n${table}${rule}\n${totals.join("\n")}\n${imported}`;
}

/** `fusegraph inspect <spec>`: per-node shapes, params and MACs, then totals. Exit 1 if the spec is invalid. */
export async function runInspect(
  spec: string,
  options: InspectOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const source = await readSpecInput(spec, ctx.io);
  const result = validateSource(source, ctx.io.cwd, ctx.limits);
  if (!result.ok) {
    // NOTE: issues go to stderr so stdout only ever carries the summary (or its JSON).
    writeIssues(result.issues, source.label, ctx, "stderr");
    ctx.io.stderr.write(`fusegraph: error: ${source.label} is not a valid spec; see \`fusegraph check\`\n`);
    return ExitCode.failed;
  }
  const report = costReport(result.graph);
  if (options.json) {
    writeJson(ctx.io, inspectJson(result.graph, report));
  } else {
    writeIssues(result.warnings, source.label, ctx, "stderr");
    ctx.io.stdout.write(renderSummary(result.graph, report, ctx));
  }
  return ExitCode.ok;
}

export function registerInspect(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("inspect")
    .summary("summarise a spec: per-node shapes, params and MACs, then totals")
    .description(
      "Summarise a spec like Keras's model.summary() or torchinfo: for every node its op (merge nodes\n" +
        "are marked `merge:<mode>`), inputs, output shape, parameters and multiply-accumulates, then\n" +
        "trainable / non-trainable / total params, MACs and FLOPs (FLOPs = 2 x MACs + elementwise work).",
    )
    .argument(
      "<spec>",
      "a spec file (.yaml or .json), - for standard input, a bundled example name, or @scope/pkg/name (a spec package's spec)",
    )
    .option(
      "--json",
      "print JSON: { name, outputs: [{ id, shape }], params: { trainable, nonTrainable, total }, macs, flops, nodes: [{ id, kind, inputs, shape, params, macs }], imports: [{ name, specifier, file, package }] }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph inspect model.yaml",
        "  $ fusegraph inspect tiny-fpn --json | jq .params.total",
        "",
        "Exit codes: 0 ok, 1 invalid spec (issues on stderr), 2 usage error.",
      ].join("\n"),
    )
    .action(async (spec: string, options: InspectOptions) => done(await runInspect(spec, options, ctx())));
}
