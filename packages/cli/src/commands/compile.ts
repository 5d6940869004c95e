import { stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type Graph, graphWeights, numel, type WeightMap } from "@fusegraph/dsl";
import { checkOutputDir as checkOutput, OutputDirError } from "@fusegraph/dsl/node";
import type { Command } from "commander";
import { loadTfjs, resolveWeights } from "../backends.js";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { loadValidGraph } from "../load-spec.js";
import { parseChoice, parseSeed } from "../options.js";
import { formatCount, writeJson } from "../output.js";

export type CompileBackend = "tfjs" | "cpu" | "onnx" | "pytorch";
export const COMPILE_BACKENDS: readonly CompileBackend[] = ["tfjs", "cpu", "onnx", "pytorch"];
/** The ONNX opsets `--opset` accepts (backend-onnx's SUPPORTED_OPSETS; 17 by default). */
const ONNX_OPSETS: readonly string[] = ["17", "18", "19"];
export type CompileOptimize = "none" | "inference";
const OPTIMIZE_MODES: readonly CompileOptimize[] = ["none", "inference"];

export interface CompileOptions {
  backend: CompileBackend;
  out: string;
  seed?: number;
  weights?: string;
  force?: boolean;
  /** tfjs only: an inference model of tfjs's built-in layers alone (BN folded, fusion weights baked in). */
  portable?: boolean;
  /** tfjs only: `inference` folds batchNorm, fuses activations into convs and drops dropout (same outputs). */
  optimize?: CompileOptimize;
  /** onnx only: the opset of the exported model (17 by default). */
  opset?: string;
  json?: boolean;
}

export interface CompileResult {
  backend: CompileBackend;
  /** What the tfjs model is for: training (custom fusegraph layers) or portable inference (built-ins only). */
  target: "trainable" | "portable" | null;
  dir: string;
  files: string[];
  bytes: number;
}

/**
 * Checks `--out` before any work, so a refused run is quick and writes nothing: the working directory,
 * its ancestors, home and the root are never outputs; a file is never replaced by a directory; `--force`
 * replaces only a previous fusegraph output. A refusal is a usage error (exit 2) naming the fix.
 */
export async function checkOutputDir(out: string, cwd: string, force: boolean): Promise<void> {
  try {
    await checkOutput(out, { overwrite: force, cwd });
  } catch (e) {
    if (!(e instanceof OutputDirError)) throw e;
    throw new UsageError(
      e.code === "exists"
        ? `output directory "${out}" already exists; pass --force to replace it`
        : `--out ${e.message}`,
    );
  }
}

/**
 * A write that failed because of where `--out` points (a file on the path, a name too long, a read-only
 * or virtual location, an output that appeared meanwhile) as a usage error, like the checks made before
 * the work; undefined for any other failure. Every backend's writer reports it through OutputDirError:
 * tfjs as a ModelIoError of code output_*, backend-cpu as the cause of its ExecutionError, backend-onnx
 * as an OnnxExportError of code output_dir.
 */
export function refusedOutput(e: unknown): UsageError | undefined {
  if (!(e instanceof Error)) return undefined;
  const tfjsRefused = e.name === "ModelIoError" && /^output_/.test(String((e as { code?: unknown }).code));
  const cpuRefused = e.name === "ExecutionError" && (e.cause as Error | undefined)?.name === "OutputDirError";
  const onnxRefused = e.name === "OnnxExportError" && (e as { code?: unknown }).code === "output_dir";
  // backend-pytorch's savePytorch throws dsl/node's OutputDirError itself.
  const pytorchRefused = e.name === "OutputDirError";
  return tfjsRefused || cpuRefused || onnxRefused || pytorchRefused
    ? new UsageError(`--out ${e.message}`)
    : undefined;
}

/**
 * Writes the graph with these weights to `dir`: tfjs gives model.json + weights.bin (loadable with
 * tf.loadLayersModel), cpu gives fusegraph's weights format (weights.json + weights.bin), onnx gives
 * model.onnx. Every backend writes through a temporary name renamed into place, so a failure never
 * half-writes.
 */
export async function writeCompiled(
  graph: Graph,
  weights: WeightMap,
  backend: CompileBackend,
  dir: string,
  {
    overwrite = false,
    portable = false,
    optimize = "none",
    opset,
  }: { overwrite?: boolean; portable?: boolean; optimize?: CompileOptimize; opset?: number } = {},
): Promise<CompileResult> {
  let files: string[];
  if (backend === "tfjs") {
    const tfjs = await loadTfjs();
    const model = tfjs.compile(graph, { weights, target: portable ? "portable" : "trainable", optimize });
    try {
      await tfjs.saveModel(model, dir, { overwrite });
    } finally {
      model.dispose();
    }
    files = [tfjs.MODEL_JSON, tfjs.WEIGHTS_BIN];
  } else if (backend === "onnx") {
    const onnx = await import("@fusegraph/backend-onnx/node");
    files = (
      await onnx.saveOnnx(dir, graph, weights, { overwrite, ...(opset !== undefined ? { opset } : {}) })
    ).files;
  } else if (backend === "pytorch") {
    // model.py holds no weights: it loads a fusegraph weights directory at run time (--weights).
    const pytorch = await import("@fusegraph/backend-pytorch/node");
    files = (await pytorch.savePytorch(dir, graph, { overwrite })).files;
  } else {
    const cpu = await import("@fusegraph/backend-cpu");
    await cpu.saveWeights(dir, weights, { overwrite });
    files = [cpu.MANIFEST_FILE, cpu.BINARY_FILE];
  }
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(dir, f))).size;
  return {
    backend,
    target: backend === "tfjs" ? (portable ? "portable" : "trainable") : null,
    dir,
    files,
    bytes,
  };
}

/** `fusegraph compile <spec> --backend tfjs|cpu|onnx --out <dir>`. */
export async function runCompile(
  spec: string,
  options: CompileOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const dir = resolve(ctx.io.cwd, options.out);
  if (options.portable && options.backend !== "tfjs") {
    throw new UsageError(
      options.backend === "onnx"
        ? "--portable applies to --backend tfjs only (an ONNX model already uses only standard operators)"
        : "--portable applies to --backend tfjs only (the cpu backend writes weights, not a model)",
    );
  }
  if (options.optimize === "inference" && options.backend !== "tfjs") {
    throw new UsageError(`--optimize applies to --backend tfjs only (got --backend ${options.backend})`);
  }
  if (options.opset !== undefined && options.backend !== "onnx") {
    throw new UsageError(`--opset applies to --backend onnx only (got --backend ${options.backend})`);
  }
  if (options.opset !== undefined && !ONNX_OPSETS.includes(options.opset)) {
    throw new UsageError(`--opset must be one of ${ONNX_OPSETS.join(", ")} (got ${options.opset})`);
  }
  if (options.backend === "pytorch" && options.weights !== undefined) {
    throw new UsageError(
      "--weights does not apply to --backend pytorch: model.py loads fusegraph weights when it runs " +
        "(python3 model.py --weights <dir>, or train_ddp.py --weights <dir>)",
    );
  }
  await checkOutputDir(options.out, ctx.io.cwd, options.force === true);
  const loaded = await loadValidGraph(spec, ctx, options.json === true);
  if (!loaded) return ExitCode.failed;
  const { graph } = loaded;
  const pytorch = options.backend === "pytorch";
  const weights = pytorch
    ? new Map()
    : await resolveWeights(
        graph,
        { seed: options.seed ?? 0, ...(options.weights !== undefined ? { weights: options.weights } : {}) },
        ctx.io,
      );
  const result = await writeCompiled(graph, weights, options.backend, dir, {
    overwrite: options.force === true,
    portable: options.portable === true,
    optimize: options.optimize ?? "none",
    ...(options.opset !== undefined ? { opset: Number(options.opset) } : {}),
  }).catch((e: unknown) => {
    throw refusedOutput(e) ?? e;
  });
  const params = pytorch
    ? graphWeights(graph).reduce((s, w) => s + numel(w.spec.shape), 0)
    : [...weights.values()].reduce((s, w) => s + w.data.length, 0);
  const shown = relative(ctx.io.cwd, dir) || ".";
  if (options.json) {
    const body = {
      ok: true,
      backend: result.backend,
      target: result.target,
      out: shown,
      files: result.files.map((f) => join(shown, f)),
      bytes: result.bytes,
      params,
      weights: options.weights ?? null,
      seed: pytorch || options.weights !== undefined ? null : (options.seed ?? 0),
    };
    writeJson(ctx.io, body);
    return ExitCode.ok;
  }
  const from = pytorch
    ? "weights loaded at run time"
    : options.weights !== undefined
      ? `weights from ${options.weights}`
      : `seed ${options.seed ?? 0}`;
  ctx.io.stdout.write(
    `${ctx.style.green("wrote")}  ${result.files.map((f) => join(shown, f)).join(", ")}  ` +
      `(${options.backend}${result.target === "portable" ? " portable" : ""}, ${formatCount(params)} params, ${(result.bytes / 1e6).toFixed(2)} MB, ${from})\n`,
  );
  return ExitCode.ok;
}

export function registerCompile(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("compile")
    .summary("write a spec as a tfjs model, an ONNX model, a PyTorch module or fusegraph weights")
    .description(
      "Compile a spec with initial weights and write it to a directory:\n" +
        "  --backend tfjs  model.json + weights.bin (TensorFlow.js layers format; tf.loadLayersModel loads it)\n" +
        "  --backend cpu   weights.json + weights.bin (fusegraph's weights format, for backend-cpu and --weights)\n" +
        "  --backend onnx  model.onnx (ONNX opset 17, or --opset 18/19; inputs and outputs NHWC and named\n" +
        "                  like the spec's; runs on onnxruntime, TensorRT, OpenVINO; opens in Netron)\n" +
        "  --backend pytorch  model.py (an nn.Module, fusegraph weights in and out, a command line like `run`)\n" +
        "                  + train_ddp.py (DistributedDataParallel training under torchrun; docs/scale-out.md)\n" +
        "  --portable      (tfjs) an inference model.json of tfjs's built-in layers only: batchNorm folded into\n" +
        "                  its conv, fusion weights baked in; plain tf.loadLayersModel loads it, no fusegraph code\n" +
        "  --optimize inference  (tfjs) a model for prediction only: batchNorm folded, activations fused into\n" +
        "                  their conv/dense layer, dropout dropped; the same outputs, fewer layers, faster\n" +
        "Weights are initialised from --seed (the same seed gives the same weights on both backends), or\n" +
        "taken from a fusegraph weights directory with --weights. An existing output is only replaced\n" +
        "with --force (otherwise exit 2), and only if fusegraph wrote it: --out never replaces the current\n" +
        "directory or one of its ancestors, home, a file, or a directory holding anything else (exit 2).\n" +
        "Writes are atomic: at every instant --out holds the old or the new complete output, even if the\n" +
        "run is killed; what a killed run left beside it is cleaned up by the next run.",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .option("--backend <backend>", "tfjs, cpu, onnx or pytorch", parseChoice(COMPILE_BACKENDS), "tfjs")
    .requiredOption("--out <dir>", "the output directory")
    .option("--seed <n>", "seed of the initial weights", parseSeed, 0)
    .option("--weights <dir>", "start from the weights in this fusegraph weights directory")
    .option("--force", "replace a previous fusegraph output in --out")
    .option(
      "--portable",
      "tfjs: write an inference model that uses only tfjs's built-in layers (loads in plain tfjs, no fusegraph import)",
    )
    .option(
      "--optimize <mode>",
      "tfjs: none, or inference (fold batchNorm, fuse activations, drop dropout; same outputs)",
      parseChoice(OPTIMIZE_MODES),
      "none",
    )
    .option("--opset <n>", "onnx: the ONNX opset of the model (17, 18 or 19; default 17)")
    .option("--json", "print JSON: { ok, backend, target, out, files, bytes, params }")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph compile model.yaml --backend tfjs --out build/model",
        "  $ fusegraph compile tiny-unet --backend cpu --out weights/tiny-unet --seed 7",
        "  $ fusegraph compile tiny-unet --backend tfjs --out build/tiny-unet --weights weights/tiny-unet --force",
        "  $ fusegraph compile tiny-unet --portable --out build/tiny-unet-web --weights weights/tiny-unet",
        "  $ fusegraph compile tiny-unet --backend onnx --out build/tiny-unet-onnx --weights weights/tiny-unet",
        "  $ fusegraph compile tiny-unet --backend pytorch --out build/tiny-unet-pytorch",
        "",
        "Exit codes: 0 written, 1 invalid spec or a node the backend cannot express,",
        "2 usage error (an existing --out without --force, an --out that is not fusegraph's to replace,",
        "or unreadable --weights).",
      ].join("\n"),
    )
    .action(async (spec: string, options: CompileOptions) => done(await runCompile(spec, options, ctx())));
}
