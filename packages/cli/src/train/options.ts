import { resolve } from "node:path";
import type { Graph, SpecIssue } from "@fusegraph/dsl";
import type { Task, TrainError } from "@fusegraph/train";
import type { Command } from "commander";
import { checkOutputDir } from "../commands/compile.js";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { loadValidGraph, reportIssues } from "../load-spec.js";
import { parseChoice, parseInteger, parsePositiveNumber, parseSeed } from "../options.js";
import { writeJson } from "../output.js";

export type Engine = "wasm" | "cpu";
export const ENGINES: readonly Engine[] = ["wasm", "cpu"];

/** The options `train` and `ablate` share (names are an interface). */
export interface TrainingCliOptions {
  task: string;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  engine: Engine;
  trainSamples?: number;
  valSamples?: number;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** Adds the shared training options, with the contract's defaults shown in --help. */
export function trainingOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--task <name>", "the synthetic task to train on (shapes, edges, blobs, sequence)")
    .option("--epochs <n>", "passes over the training set", parseInteger(1), 5)
    .option("--batch <n>", "samples per step", parseInteger(1), 8)
    .option("--lr <x>", "Adam's learning rate", parsePositiveNumber, 1e-3)
    .option("--seed <n>", "seed of the weights, the data and the shuffling", parseSeed, 0)
    .option(
      "--engine <engine>",
      "tfjs backend: wasm (fusegraph's training kernels) or cpu",
      parseChoice(ENGINES),
      "wasm",
    )
    .option("--train-samples <n>", "training set size (default: the task's)", parseInteger(1))
    .option("--val-samples <n>", "held-out set size (default: the task's)", parseInteger(1));
}

/** The task named by --task, or a usage error listing the tasks. */
export async function resolveTask(name: string): Promise<Task> {
  const lib = await import("@fusegraph/train");
  const task = lib.getTask(name);
  if (!task) {
    throw new UsageError(`unknown task "${name}"; the tasks are: ${Object.keys(lib.tasks).join(", ")}`);
  }
  return task;
}

/** Whether the graph fits the task; if not, its task_mismatch issues are printed like spec issues. */
export function fitsTask(
  graph: Graph,
  task: Task,
  label: string,
  ctx: CommandContext,
  json: boolean,
): boolean {
  const bound = task.bind(graph);
  if (bound.ok) return true;
  // NOTE: a TaskIssue is a SpecIssue but for its code ("task_mismatch"), which the printers treat as text.
  const issues = bound.issues as unknown as SpecIssue[];
  reportIssues(issues, label, ctx, json, `${label} does not fit the task "${task.name}"`);
  return false;
}

/** The sample counts, only when given (so the task's defaults apply otherwise). */
export function sampleOptions(o: TrainingCliOptions): { trainSamples?: number; valSamples?: number } {
  return {
    ...(o.trainSamples !== undefined ? { trainSamples: o.trainSamples } : {}),
    ...(o.valSamples !== undefined ? { valSamples: o.valSamples } : {}),
  };
}

/** tfjs prints a banner advising tfjs-node on first use; the CLI owns the output, so it sets tfjs's quiet flag. */
export async function quietTfjs(): Promise<void> {
  const tf = await import("@tensorflow/tfjs");
  tf.env().set("PROD", true);
}

/**
 * @fusegraph/train's TrainError (matched by name) as the CLI's outcome: a bad option is a usage error
 * (thrown, exit 2), a spec that does not fit is printed like spec issues (exit 1), a graph tfjs cannot
 * train or a missing backend is one line (exit 1). Anything else is rethrown.
 */
export function handleTrainError(e: unknown, label: string, ctx: CommandContext, json: boolean): ExitCode {
  if (!(e instanceof Error) || e.name !== "TrainError") throw e;
  const err = e as TrainError;
  const line = `${err.message}${err.hint ? ` (hint: ${err.hint})` : ""}`;
  if (err.code === "unknown_task" || err.code === "invalid_options") throw new UsageError(line);
  if (err.code === "task_mismatch" && err.issues.length > 0) {
    reportIssues(err.issues as unknown as SpecIssue[], label, ctx, json, `${label} does not fit the task`);
    return ExitCode.failed;
  }
  if (json)
    writeJson(ctx.io, { ok: false, error: { code: err.code, message: err.message, hint: err.hint ?? null } });
  else ctx.io.stderr.write(`fusegraph: error: ${line}\n`);
  return ExitCode.failed;
}

/** What train and ablate start from: the task, the absolute --out, the graph and the spec's label. */
export interface TrainingRun {
  json: boolean;
  task: Task;
  outDir: string | undefined;
  graph: Graph;
  /** The spec as the user gave it (sample:tiny-unet), not the file it resolved to. */
  label: string;
}

/**
 * Resolves the task, checks --out before any work, loads the spec and checks it fits the task; an
 * exit code (issues already reported) when it cannot start. Usage errors throw, as elsewhere.
 */
export async function openTrainingRun(
  spec: string,
  options: { task: string; out?: string; force?: boolean; json?: boolean },
  ctx: CommandContext,
): Promise<TrainingRun | ExitCode> {
  const json = options.json === true;
  const task = await resolveTask(options.task);
  const outDir = options.out !== undefined ? resolve(ctx.io.cwd, options.out) : undefined;
  if (options.out !== undefined) await checkOutputDir(options.out, ctx.io.cwd, options.force === true);
  const loaded = await loadValidGraph(spec, ctx, json);
  if (!loaded) return ExitCode.failed;
  const label = spec === "-" ? loaded.label : spec;
  if (!fitsTask(loaded.graph, task, label, ctx, json)) return ExitCode.failed;
  return { json, task, outDir, graph: loaded.graph, label };
}
