import { relative, resolve } from "node:path";
import { writeOutputFile } from "@fusegraph/dsl/node";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { mergeReport } from "../docs/merge-report.js";
import { ExitCode } from "../errors.js";
import { parseChoice } from "../options.js";

/** Pages the CLI generates from its own analysis, by topic. */
const TOPICS = {
  merges: { title: "add vs concat, with figures from the bundled examples", generate: mergeReport },
} as const satisfies Record<string, { title: string; generate: () => Promise<string> }>;
export type DocsTopic = keyof typeof TOPICS;
export const DOCS_TOPICS = Object.keys(TOPICS) as DocsTopic[];

export interface DocsOptions {
  out?: string;
}

/** `fusegraph docs <topic>`: a generated documentation page, on stdout or in --out. */
export async function runDocs(
  topic: DocsTopic,
  options: DocsOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const text = await TOPICS[topic].generate();
  if (options.out === undefined) {
    ctx.io.stdout.write(text);
    return ExitCode.ok;
  }
  const path = resolve(ctx.io.cwd, options.out);
  await writeOutputFile(path, text);
  ctx.io.stderr.write(`wrote ${relative(ctx.io.cwd, path)}\n`);
  return ExitCode.ok;
}

export function registerDocs(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("docs")
    .summary("generate a documentation page from fusegraph's own analysis")
    .description(
      "Generate a documentation page whose figures fusegraph computes itself, as markdown:\n" +
        DOCS_TOPICS.map((t) => `  ${t.padEnd(8)}${TOPICS[t].title}`).join("\n") +
        "\nThe output is deterministic (no dates or timings), so a committed copy can be checked against it.",
    )
    .argument("<topic>", `the page: ${DOCS_TOPICS.join(", ")}`, parseChoice(DOCS_TOPICS))
    .option("--out <file>", "write to this file instead of stdout")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph docs merges --out docs/add-vs-concat.md",
        "  $ fusegraph docs merges | less",
        "",
        "Exit codes: 0 written, 2 usage error.",
      ].join("\n"),
    )
    .action(async (topic: DocsTopic, options: DocsOptions) => done(await runDocs(topic, options, ctx())));
}
