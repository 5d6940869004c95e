import { specJsonSchema } from "@fusegraph/dsl";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { writeJson } from "../output.js";

/** `fusegraph schema`: the JSON Schema of spec documents, for editors (yaml-language-server, VS Code). */
export async function runSchema(ctx: CommandContext): Promise<ExitCode> {
  writeJson(ctx.io, specJsonSchema());
  return ExitCode.ok;
}

export function registerSchema(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("schema")
    .summary("print the JSON Schema of spec documents")
    .description(
      "Print the JSON Schema of fusegraph spec documents (every op and merge with its params and docs),\n" +
        "for editor completion and validation.",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph schema > fusegraph.schema.json",
        "  # then, first line of a YAML spec, for yaml-language-server (VS Code YAML extension):",
        "  # yaml-language-server: $schema=./fusegraph.schema.json",
      ].join("\n"),
    )
    .action(async () => done(await runSchema(ctx())));
}
