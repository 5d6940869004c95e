import { relative } from "node:path";
import type { WeightMap } from "@fusegraph/dsl";
import type { EpochRecord, TrainResult } from "@fusegraph/train";
import type { Command } from "commander";
import { resolveWeights } from "../backends.js";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { writeJson } from "../output.js";
import { writeCheckpoint } from "../train/checkpoint.js";
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
import { renderHistory, trainJson } from "../train/render.js";
import { refusedOutput } from "./compile.js";

export interface TrainOptions extends TrainingCliOptions {
  weights?: string;
}

/** `fusegraph train <spec> --task <name>`: trains on a synthetic task, checkpointing every epoch into --out. */
export async function runTrain(spec: string, options: TrainOptions, ctx: CommandContext): Promise<ExitCode> {
  const run = await openTrainingRun(spec, options, ctx);
  if (typeof run === "number") return run;
  const { json, task, outDir, graph, label } = run;
  let start: WeightMap | undefined;
  if (options.weights !== undefined) {
    start = await resolveWeights(graph, { weights: options.weights, seed: options.seed }, ctx.io);
  }
  await quietTfjs();
  const lib = await import("@fusegraph/train");

  const shownOut = outDir !== undefined ? relative(ctx.io.cwd, outDir) || "." : null;
  const config = {
    spec: label,
    epochs: options.epochs,
    batch: options.batch,
    lr: options.lr,
    seed: options.seed,
    out: shownOut,
  };
  const curves = (history: readonly EpochRecord[]): string =>
    lib.curvesSvg(
      [
        { label: "train loss", values: history.map((h) => h.trainLoss) },
        { label: "held-out loss", values: history.map((h) => h.valLoss) },
      ],
      { title: `${label} on ${task.name}`, yLabel: "loss", xLabel: "epoch" },
    );
  // The first write may create --out (refused above unless absent, empty or --force); later ones replace our own.
  let written = false;
  const checkpoint = async (weights: WeightMap, history: object, records: readonly EpochRecord[]) => {
    if (outDir === undefined) return;
    await writeCheckpoint(
      outDir,
      { graph, weights, history, curvesSvg: curves(records) },
      { overwrite: written || options.force === true, cwd: ctx.io.cwd },
    ).catch((e: unknown) => {
      throw refusedOutput(e) ?? e;
    });
    written = true;
  };

  const interactive = ctx.style.interactive && ctx.io.stderr.isTTY === true;
  const progress = new TrainProgress(ctx.io, interactive);
  progress.header(
    `training ${label} on ${task.name} (${task.metric.name}): ${options.epochs} epochs, batch ${options.batch}, ` +
      `lr ${options.lr}, seed ${options.seed}, engine ${options.engine}` +
      `${options.weights !== undefined ? `, from ${options.weights}` : ""}`,
  );
  const records: EpochRecord[] = [];
  let result: TrainResult;
  try {
    result = await withInterrupt(
      ctx.io,
      (signal) =>
        lib.train(graph, {
          task,
          epochs: options.epochs,
          batchSize: options.batch,
          lr: options.lr,
          seed: options.seed,
          engine: options.engine,
          signal,
          ...sampleOptions(options),
          ...(start ? { weights: start } : {}),
          onStep: (p) => progress.step(p),
          onEpoch: async (r, weights) => {
            records.push(r);
            progress.epoch(r, options.epochs, task.metric.name);
            // A checkpoint per epoch: a kill from here on leaves this epoch's complete weights.
            await checkpoint(
              weights(),
              {
                ...config,
                task: task.name,
                metric: task.metric,
                engine: options.engine,
                history: records,
                finished: false,
              },
              records,
            );
          },
        }),
      () => progress.clear(),
    );
  } catch (e) {
    progress.clear();
    return handleTrainError(e, label, ctx, json);
  } finally {
    progress.clear();
  }
  const report = trainJson(result, config);
  await checkpoint(result.weights, { ...report, finished: !result.stopped }, result.history);
  if (result.stopped) {
    const done = result.history.length;
    ctx.io.stderr.write(
      `fusegraph: interrupted after ${result.steps} steps (${done} complete epoch${done === 1 ? "" : "s"}); ` +
        (shownOut !== null
          ? `kept the weights of the last step in ${shownOut} (history.json has ${done} epochs)\n`
          : "nothing written (no --out)\n"),
    );
  }
  if (json) {
    writeJson(ctx.io, report);
  } else {
    ctx.io.stdout.write(`${label} on ${task.name}\n\n${renderHistory(report, lib.sparkline, ctx.style)}`);
    if (shownOut !== null) {
      ctx.io.stdout.write(
        `${ctx.style.green("wrote")}  ${shownOut}/: weights.json + weights.bin (fusegraph weights, --weights), ` +
          "model.json + model.weights.bin (tfjs), history.json, curves.svg\n",
      );
    }
  }
  return result.stopped ? ExitCode.interrupted : ExitCode.ok;
}

export function registerTrain(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  const cmd = program
    .command("train")
    .summary("train a spec on a seeded synthetic task (tfjs), checkpointing every epoch")
    .description(
      "Train a spec on one of @fusegraph/train's seeded synthetic tasks (no downloads) with Adam, and report\n" +
        "per epoch the training loss, the held-out loss and the task's metric (held-out set of its own seed).\n" +
        "In a terminal a progress bar is redrawn on stderr; elsewhere one line per epoch.\n" +
        "--out <dir> holds, after every epoch (replaced atomically, so a kill leaves the last complete epoch):\n" +
        "  weights.json + weights.bin       fusegraph weights (--weights of train, run, verify, compile)\n" +
        "  model.json + model.weights.bin   the trained tfjs layers model (tf.loadLayersModel)\n" +
        "  history.json, curves.svg         the run (train --json's fields) and its loss curves\n" +
        "--out follows compile's rules: an existing output is replaced only with --force, and only if fusegraph\n" +
        "wrote it. Ctrl-C stops after the current step, writes the checkpoint and exits 130; a second Ctrl-C\n" +
        "exits at once. A spec whose input or outputs do not fit the task is reported like `check` (exit 1).",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name");
  trainingOptions(cmd)
    .option("--out <dir>", "write the checkpoint (weights, tfjs model, history, curves) to this directory")
    .option("--weights <dir>", "resume from the weights in this fusegraph weights directory")
    .option("--force", "replace a previous fusegraph output in --out")
    .option(
      "--json",
      "print JSON: { spec, task, metric: { name, higherIsBetter }, engine, epochs, batch, lr, seed, history: [{ epoch,\n" +
        "trainLoss, valLoss, metric, elapsedMs }], initial: { valLoss, metric }, steps, trainMs, stepsPerSecond, stopped, out }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph train sample:tiny-unet --task shapes --epochs 1 --train-samples 16 --val-samples 8",
        "  $ fusegraph train sample:tiny-unet --task shapes --epochs 3 --out runs/unet   # long",
        "  $ fusegraph train sample:tiny-unet --task shapes --weights runs/unet --out runs/unet --force   # long",
        "",
        "Exit codes: 0 trained, 1 invalid spec or a spec that does not fit the task, 2 usage error (unknown",
        "task, bad value, unreadable --weights, an --out that may not be replaced), 130 interrupted (Ctrl-C).",
      ].join("\n"),
    )
    .action(async (spec: string, options: TrainOptions) => done(await runTrain(spec, options, ctx())));
}
