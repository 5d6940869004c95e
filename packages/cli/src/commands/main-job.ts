import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { mainComparisons } from "../main-job/comparisons.js";
import { jobStages } from "../main-job/model-stages.js";
import { mainJson, writeMainReport } from "../main-job/report.js";
import { release, runSubject, type Stage, type SubjectResult } from "../main-job/stage.js";
import { type JobSubject, mainSubjects } from "../main-job/subjects.js";
import { parseList } from "../options.js";
import { Progress, writeJson } from "../output.js";

export interface MainOptions {
  json?: boolean;
  /** Where compile and draw write (default `out`, relative to the working directory). */
  outDir?: string;
  /** Run only these subjects (example or sample names). */
  only?: string[];
  /** Also write the models whose weights exceed `MAIN_WEIGHTS_LIMIT_BYTES` (4 MiB). */
  fullWeights?: boolean;
}

/** `fusegraph main`: the job `npm start` runs over every bundled example and sample spec. */
export async function runMain(
  options: MainOptions,
  ctx: CommandContext,
  stages?: readonly Stage[],
  subjects?: readonly JobSubject[],
): Promise<ExitCode> {
  const outDir = options.outDir ?? "out";
  const steps = stages ?? jobStages(outDir, options.fullWeights === true);
  let all = subjects ?? (await mainSubjects(ctx.io.cwd));
  if (options.only) {
    const names = all.map((s) => s.name);
    const unknown = options.only.filter((n) => !names.includes(n));
    if (unknown.length > 0) {
      throw new UsageError(
        `--only: no example or sample named ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${names.join(", ")})`,
      );
    }
    all = all.filter((s) => options.only?.includes(s.name));
  }
  if (all.length === 0) {
    ctx.io.stderr.write("fusegraph: error: no bundled examples or sample specs were found\n");
    return ExitCode.failed;
  }
  // NOTE: with --json stdout carries only the JSON, so plain-mode progress lines are not logged.
  const progress = new Progress(
    options.json ? { stdout: { write: () => {} }, stderr: ctx.io.stderr } : ctx.io,
    ctx.style,
  );
  const results: SubjectResult[] = [];
  for (const [k, subject] of all.entries()) {
    const tag = `[${k + 1}/${all.length}] ${subject.name}`;
    const r = await runSubject(subject, steps, ctx, (stage) => progress.update(`${tag}: ${stage}…`));
    release(r.state);
    results.push(r);
    const summary = r.stages.map((x) => `${x.name} ${x.outcome.status}`).join(", ");
    progress.log(`${tag}: ${summary}`);
  }
  progress.end();
  const comparisons = mainComparisons(results);
  const failures = results.filter((r) => r.failed).length;
  if (options.json) {
    writeJson(ctx.io, mainJson(results, comparisons));
    return failures === 0 ? ExitCode.ok : ExitCode.failed;
  }
  writeMainReport(results, comparisons, steps, outDir, ctx);
  return failures === 0 ? ExitCode.ok : ExitCode.failed;
}

export function registerMain(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("main")
    .summary("the job `npm start` runs: check, inspect, compile, verify and draw every example")
    .description(
      "Run the main job over every bundled example and every sample spec: check each one (an example's\n" +
        "YAML twin must match its builder), inspect its totals, compile it to tfjs into <out-dir>/<name>/\n" +
        "(model.json + weights.bin) at the example's small input size (smallSpec(): same layers, small input,\n" +
        "to keep the job fast), verify backend-cpu against tfjs on that model, and draw <out-dir>/<name>.svg.\n" +
        "Models with up to 4 MiB of weights (the samples, tiny-fpn, the LSTMs) are written; bigger ones are\n" +
        "compiled and verified in memory only, unless --full-weights (all examples: ~1.2 GB of random weights).\n" +
        "Ends with one table (example, merge modes, params, MACs, compiled input, verify max error, status),\n" +
        "the list of every model directory and drawing it wrote (and the models it did not write), and the\n" +
        "compare tables of U-Net and FPN with every merge switched to concat / add where feasible.\n" +
        "Progress is shown on stderr in a terminal and logged as plain lines when piped or with CI set.\n" +
        "Fails (exit 1) if any spec fails a step.",
    )
    .option(
      "--json",
      "print the results as JSON: { ok, results: [{ name, merges, params, macs, verify, files, weights: { bytes, written }, ok, stages }], comparisons }",
    )
    .option("--out-dir <dir>", "where models and drawings are written", "out")
    .option("--only <names>", "run only these examples or samples (comma-separated)", parseList)
    .option(
      "--full-weights",
      "also write the models with more than 4 MiB of weights (~1.2 GB for all examples)",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph main                         # long: every example, a few minutes",
        "  $ npm start                              # builds, then runs this",
        "  $ fusegraph main --only unet,tiny-hed --out-dir out-small",
        "  $ fusegraph main --only resnet18 --full-weights   # writes out/resnet18/ with its 45 MiB of weights",
        "",
        "Exit codes: 0 every step passed, 1 a step failed for some spec, 2 usage error.",
      ].join("\n"),
    )
    .action(async (options: MainOptions) => done(await runMain(options, ctx())));
}
