import { dirname, join, relative, resolve } from "node:path";
import { writeOutputFile } from "@fusegraph/dsl/node";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { mergeReport } from "../docs/merge-report.js";
import { ExitCode, UsageError } from "../errors.js";
import { parseChoice } from "../options.js";
import {
  ABLATION_JSON_NAME,
  chartPath,
  generateAblationDoc,
  renderAblationPage,
  renderChart,
} from "../train/ablation-page.js";
import { quietTfjs } from "../train/options.js";

/** Pages the CLI generates from its own analysis, by topic. */
const TOPICS = {
  merges: { title: "add vs concat, with figures from the bundled examples" },
  ablation: { title: "merge ablations trained on synthetic tasks (minutes; needs --out)" },
} as const satisfies Record<string, { title: string }>;
export type DocsTopic = keyof typeof TOPICS;
export const DOCS_TOPICS = Object.keys(TOPICS) as DocsTopic[];

export interface DocsOptions {
  out?: string;
}

/**
 * `docs ablation --out <page>`: trains the ablations, then writes the raw reports (ablation.json) and the
 * charts (images/ablation-*.svg) beside the page, and the page rendered from the reports.
 */
async function writeAblationDocs(page: string, ctx: CommandContext): Promise<void> {
  await quietTfjs();
  const lib = await import("@fusegraph/train");
  const start = performance.now();
  const doc = await generateAblationDoc(ctx.io, (line) => ctx.io.stderr.write(`${line}\n`));
  const dir = dirname(page);
  await writeOutputFile(join(dir, ABLATION_JSON_NAME), `${JSON.stringify(doc, null, 2)}\n`);
  for (const run of doc.runs) {
    await writeOutputFile(join(dir, chartPath(run.id)), renderChart(run.report, lib.curvesSvg));
  }
  await writeOutputFile(page, renderAblationPage(doc));
  ctx.io.stderr.write(
    `wrote ${relative(ctx.io.cwd, page)}, ${ABLATION_JSON_NAME} and ${doc.runs.length} charts ` +
      `(${((performance.now() - start) / 1000).toFixed(0)} s)\n`,
  );
}

/** `fusegraph docs <topic>`: a generated documentation page, on stdout or in --out. */
export async function runDocs(
  topic: DocsTopic,
  options: DocsOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  if (topic === "ablation") {
    if (options.out === undefined) {
      throw new UsageError(
        "docs ablation writes a page, its raw reports and charts: give --out, e.g. --out docs/ablation.md",
      );
    }
    await writeAblationDocs(resolve(ctx.io.cwd, options.out), ctx);
    return ExitCode.ok;
  }
  const text = await mergeReport();
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
        DOCS_TOPICS.map((t) => `  ${t.padEnd(9)}${TOPICS[t].title}`).join("\n") +
        "\nThe output is deterministic (no dates or timings), so a committed copy can be checked against it;\n" +
        "the ablation page is rendered from the ablation.json it writes beside itself (training is timed).",
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
        "  $ fusegraph docs ablation --out docs/ablation.md   # long",
        "",
        "Exit codes: 0 written, 2 usage error.",
      ].join("\n"),
    )
    .action(async (topic: DocsTopic, options: DocsOptions) => done(await runDocs(topic, options, ctx())));
}
