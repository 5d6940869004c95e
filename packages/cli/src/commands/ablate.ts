import { relative } from "node:path";
import { MERGE_KINDS, type MergeKind } from "@fusegraph/dsl";
import type { AblationReport } from "@fusegraph/train";
import { type Command, InvalidArgumentError } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { parseInteger, parseList } from "../options.js";
import { writeJson } from "../output.js";
import { writeAblationOutput } from "../train/checkpoint.js";
import { withInterrupt } from "../train/interrupt.js";
import {
  handleTrainError,
  openTrainingRun,
  quietTfjs,
  sampleOptions,
  type TrainingCliOptions,
  trainingOptions,
} from "../train/options.js";
import { TrainProgress } from "../train/progress.js";
import { chartSeries, renderAblation } from "../train/render.js";
import { refusedOutput } from "./compile.js";

export interface AblateCliOptions extends TrainingCliOptions {
  merge: MergeKind[];
  only?: string[];
  seeds: number;
}

/** `--merge add,concat,…`: each a merge mode, as compare takes one. */
export function parseMergeList(value: string): MergeKind[] {
  const items = parseList(value);
  const bad = items.filter((m) => !(MERGE_KINDS as readonly string[]).includes(m));
  if (bad.length > 0) {
    throw new InvalidArgumentError(
      `unknown merge mode ${bad.map((b) => `"${b}"`).join(", ")}; expected: ${MERGE_KINDS.join(", ")}`,
    );
  }
  return [...new Set(items)] as MergeKind[];
}

/** `fusegraph ablate <spec> --merge a,b --task <name>`: trains each merge variant over seeds; one table. */
export async function runAblate(
  spec: string,
  options: AblateCliOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const run = await openTrainingRun(spec, options, ctx);
  if (typeof run === "number") return run;
  const { json, task, outDir, graph, label } = run;
  await quietTfjs();
  const lib = await import("@fusegraph/train");
  const progress = new TrainProgress(ctx.io, ctx.style.interactive && ctx.io.stderr.isTTY === true);
  progress.header(
    `ablating ${label} on ${task.name}: merges ${options.merge.join(", ")}, ${options.seeds} seed(s), ` +
      `${options.epochs} epochs, batch ${options.batch}, lr ${options.lr}, engine ${options.engine}`,
  );
  let report: AblationReport;
  let stopped = false;
  try {
    report = await withInterrupt(
      ctx.io,
      (signal) =>
        lib.ablate(graph, {
          task,
          merges: options.merge,
          ...(options.only ? { only: options.only } : {}),
          seeds: options.seeds,
          epochs: options.epochs,
          batchSize: options.batch,
          lr: options.lr,
          seed: options.seed,
          engine: options.engine,
          signal,
          ...sampleOptions(options),
          onVariant: (v) => progress.line(`[${v.index + 1}/${v.total}] ${v.merge}, seed ${v.seed}`),
          onStep: (p) => progress.step(p),
        }),
      () => {
        stopped = true;
        progress.clear();
      },
    );
  } catch (e) {
    progress.clear();
    return handleTrainError(e, label, ctx, json);
  } finally {
    progress.clear();
  }
  // The report names the spec as the user gave it, like train --json does.
  report = { ...report, spec: label };
  const trained = report.variants.some((v) => v.feasible);
  if (outDir !== undefined) {
    await writeAblationOutput(
      outDir,
      report,
      lib.curvesSvg(chartSeries(report), {
        title: `${label} on ${task.name}: held-out loss, mean over ${report.seeds.length} seed(s)`,
        yLabel: "held-out loss",
        xLabel: "epoch",
      }),
      { overwrite: options.force === true, cwd: ctx.io.cwd },
    ).catch((e: unknown) => {
      throw refusedOutput(e) ?? e;
    });
  }
  if (json) writeJson(ctx.io, report);
  else {
    ctx.io.stdout.write(renderAblation(report, ctx.style));
    if (outDir !== undefined) {
      const shown = relative(ctx.io.cwd, outDir) || ".";
      ctx.io.stdout.write(`${ctx.style.green("wrote")}  ${shown}/ablation.json, ${shown}/curves.svg\n`);
    }
  }
  if (stopped) return ExitCode.interrupted;
  if (!trained) {
    if (!json) ctx.io.stderr.write(`fusegraph: error: no variant of ${label} could be trained (see above)\n`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

export function registerAblate(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  const cmd = program
    .command("ablate")
    .summary("train a spec with each merge mode over seeds and compare held-out loss and metric")
    .description(
      "Switch the merges (every one, or --only some) to each --merge mode in turn, as `compare` does, and train\n" +
        "each variant on a synthetic task for --seeds seeds (seed, seed+1, …). One table: params and MACs (compare's\n" +
        "after-totals), train time, held-out loss after the last epoch and the task's metric, mean ± std over\n" +
        "seeds, the best metric marked. Switches that do not fit are listed below with compare's reason.\n" +
        "--out <dir> writes ablation.json (the report) and curves.svg (held-out loss per epoch, mean over seeds).",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .requiredOption(
      "--merge <modes>",
      `comma-separated modes to compare: ${MERGE_KINDS.join(", ")}`,
      parseMergeList,
    )
    .option("--only <ids>", "comma-separated merge ids to switch (default: every merge)", parseList)
    .option("--seeds <n>", "runs per variant, with seeds --seed, --seed+1, …", parseInteger(1), 3);
  trainingOptions(cmd)
    .option("--out <dir>", "write ablation.json and curves.svg to this directory")
    .option("--force", "replace a previous fusegraph output in --out")
    .option(
      "--json",
      "print JSON: { spec, task, metric, epochs, batchSize, lr, seeds, variants: [{ merge, label, feasible, reason,\n" +
        "params, macs, trainMs, finalLoss, metric: { mean, std }, curves }] }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph ablate sample:tiny-unet --merge concat,add --task shapes --seeds 1 --epochs 1 --train-samples 8 --val-samples 8",
        "  $ fusegraph ablate sample:tiny-fpn-two-ways --merge add,conv1x1Add,concat --only p2 --task blobs --out runs/fpn   # long",
        "",
        "Exit codes: 0 at least one variant trained, 1 invalid spec, a spec that does not fit the task or no",
        "feasible variant, 2 usage error, 130 interrupted (Ctrl-C).",
      ].join("\n"),
    )
    .action(async (spec: string, options: AblateCliOptions) => done(await runAblate(spec, options, ctx())));
}
