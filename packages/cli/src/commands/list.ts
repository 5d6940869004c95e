import { type ParamCount, validateSpec } from "@fusegraph/dsl";
import { listExamples } from "@fusegraph/examples";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { formatCount, formatScaled, renderTable, writeJson } from "../output.js";
import { costReport, mergeKindsOf } from "../spec-analysis.js";

/** One bundled example as `list` shows it; params and MACs are null when its spec does not validate. */
export interface ExampleRow {
  name: string;
  description: string;
  merges: string[];
  params: ParamCount | null;
  macs: number | null;
  inputs: { id: string; shape: number[] }[];
}

/** Every bundled example with the cost of its full-size spec. */
export function exampleRows(): ExampleRow[] {
  return listExamples().map((e) => {
    const r = validateSpec(e.spec(), { filename: `example:${e.name}` });
    if (!r.ok) {
      return {
        name: e.name,
        description: e.description,
        merges: [...e.merges],
        params: null,
        macs: null,
        inputs: [],
      };
    }
    const cost = costReport(r.graph);
    return {
      name: e.name,
      description: e.description,
      merges: mergeKindsOf(r.graph),
      params: cost.params,
      macs: cost.macs,
      inputs: r.graph.inputs.map((i) => ({ id: i.id, shape: [...i.shape] })),
    };
  });
}

export async function runList(options: { json?: boolean }, ctx: CommandContext): Promise<ExitCode> {
  const rows = exampleRows();
  if (options.json) {
    writeJson(ctx.io, { examples: rows });
    return ExitCode.ok;
  }
  ctx.io.stdout.write(
    renderTable(
      [
        { header: "Example" },
        { header: "Merge modes" },
        { header: "Params", align: "right" },
        { header: "MACs", align: "right" },
        { header: "Description" },
      ],
      rows.map((r) => [
        ctx.style.bold(r.name),
        r.merges.length > 0 ? r.merges.join(", ") : "-",
        r.params ? formatCount(r.params.total) : ctx.style.red("invalid"),
        r.macs !== null ? formatScaled(r.macs) : "-",
        r.description,
      ]),
    ),
  );
  return ExitCode.ok;
}

export function registerList(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("list")
    .summary("list the bundled examples: merge modes, params, MACs")
    .description(
      "List the bundled example architectures, one line each: name, the merge modes it uses, params and\n" +
        "MACs of its full-size (published) configuration, and what it is. Any of them can be given as\n" +
        "<spec> to the other commands.",
    )
    .option("--json", "print JSON: { examples: [{ name, description, merges, params, macs, inputs }] }")
    .addHelpText(
      "after",
      ["", "Examples:", "  $ fusegraph list", "  $ fusegraph list --json | jq '.examples[].name'"].join("\n"),
    )
    .action(async (options: { json?: boolean }) => done(await runList(options, ctx())));
}
