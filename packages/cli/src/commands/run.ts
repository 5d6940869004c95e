import { lstat, rm } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { formatShape, type TensorData } from "@fusegraph/dsl";
import { writeOutputFile } from "@fusegraph/dsl/node";
import type { Command } from "commander";
import { resolveWeights, runCpu, runTfjs, TFJS_RUNTIMES, type TfjsRuntime } from "../backends.js";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { loadValidGraph } from "../load-spec.js";
import { formatIndex, formatNonFinite, scanNonFinite, totalNonFinite, unravelIndex } from "../non-finite.js";
import { writeNpy } from "../npy.js";
import { parseChoice, parseInteger, parseSeed } from "../options.js";
import { renderTable, writeJson } from "../output.js";
import { hasNonFinite, randomInputs, readInputFile, tensorStats } from "../tensors.js";

export type RunBackend = "cpu" | "tfjs";
export const RUN_BACKENDS: readonly RunBackend[] = ["cpu", "tfjs"];

export interface RunOptions {
  backend: RunBackend;
  runtime?: TfjsRuntime;
  weights?: string;
  input?: string;
  random?: boolean;
  seed?: number;
  batch?: number;
  out?: string;
  json?: boolean;
}

/**
 * Where each output goes with `--out <file>`: one output to the file itself; several to
 * `<base>.<outputId>.npy` (base = the file without `.npy`; characters of the id outside
 * [A-Za-z0-9._-] become `_`, so `p2/out` is written to `<base>.p2_out.npy`).
 */
export function outputPaths(out: string, outputs: readonly string[]): Map<string, string> {
  if (outputs.length === 1) return new Map([[outputs[0]!, out]]);
  const base = out.replace(/\.npy$/i, "");
  return new Map(outputs.map((id) => [id, `${base}.${id.replace(/[^A-Za-z0-9._-]/g, "_")}.npy`]));
}

/**
 * Writes each output's .npy file (each one atomically). When one cannot be written, the files this run
 * created before it are removed again, so a failed run leaves no new files; files it replaced keep their
 * new content (the old one is gone at that point), which the error being raised makes visible.
 */
async function writeOutputs(
  files: ReadonlyMap<string, string>,
  outputs: Readonly<Record<string, TensorData>>,
  cwd: string,
): Promise<void> {
  const created: string[] = [];
  try {
    for (const [id, file] of files) {
      const t = outputs[id]!;
      const path = resolve(cwd, file);
      const existed = await lstat(path).then(
        () => true,
        () => false,
      );
      await writeOutputFile(path, writeNpy(t.shape, t.data));
      if (!existed) created.push(path);
    }
  } catch (e) {
    await Promise.all(created.map((path) => rm(path, { force: true })));
    throw e;
  }
}

/** A warning for an output holding NaN or ±Infinity, or undefined when every value is finite. */
export function nonFiniteOutputWarning(
  id: string,
  shape: readonly number[],
  data: Float32Array,
): string | undefined {
  const scan = scanNonFinite(data);
  if (scan.first === null) return undefined;
  return (
    `output "${id}" holds ${formatNonFinite(scan)} among its ${data.length} values, ` +
    `first at ${formatIndex(unravelIndex(scan.first, shape))}; ` +
    (totalNonFinite(scan) === data.length
      ? "it has no min, max or mean"
      : "min, max and mean are of the finite values")
  );
}

/** `fusegraph run <spec>`: one forward pass on one backend, inputs from a file or seeded random. */
export async function runRun(spec: string, options: RunOptions, ctx: CommandContext): Promise<ExitCode> {
  if (options.input !== undefined && options.random) {
    throw new UsageError("give either --input <file> or --random, not both");
  }
  if (options.input === undefined && !options.random) {
    throw new UsageError(
      "give the inputs: --input <file.npy|file.json>, or --random for seeded random inputs",
    );
  }
  if (options.input !== undefined && options.batch !== undefined) {
    throw new UsageError("--batch is for --random; with --input the batch is the file's first dimension");
  }
  const loaded = await loadValidGraph(spec, ctx, options.json === true);
  if (!loaded) return ExitCode.failed;
  const { graph } = loaded;
  const seed = options.seed ?? 0;
  let inputs: Record<string, TensorData>;
  if (options.input !== undefined) {
    const read = await readInputFile(options.input, graph, ctx.io.cwd);
    for (const note of read.notes) ctx.io.stderr.write(`fusegraph: note: ${note}\n`);
    for (const warning of read.warnings) ctx.io.stderr.write(`fusegraph: warning: ${warning}\n`);
    inputs = read.inputs;
  } else {
    inputs = randomInputs(graph, options.batch ?? 1, seed);
  }
  const weights = await resolveWeights(
    graph,
    { seed, ...(options.weights !== undefined ? { weights: options.weights } : {}) },
    ctx.io,
  );
  const outputs =
    options.backend === "cpu"
      ? await runCpu(graph, weights, inputs)
      : await runTfjs(graph, weights, inputs, options.runtime ?? "wasm");
  const files =
    options.out !== undefined ? outputPaths(options.out, graph.outputs) : new Map<string, string>();
  await writeOutputs(files, outputs, ctx.io.cwd);
  const rows = graph.outputs.map((id) => {
    const t = outputs[id]!;
    const file = files.get(id);
    return {
      id,
      shape: [...t.shape],
      ...tensorStats(t.data),
      file: file !== undefined ? relative(ctx.io.cwd, resolve(ctx.io.cwd, file)) : null,
    };
  });
  for (const r of rows) {
    const warning = nonFiniteOutputWarning(r.id, r.shape, outputs[r.id]!.data);
    if (warning) ctx.io.stderr.write(`fusegraph: warning: ${warning}\n`);
  }
  if (options.json) {
    writeJson(ctx.io, { ok: true, backend: options.backend, outputs: rows });
    return ExitCode.ok;
  }
  const num = (x: number | null) => (x === null ? "-" : x.toPrecision(5));
  const anyNonFinite = rows.some(hasNonFinite);
  ctx.io.stdout.write(
    renderTable(
      [
        { header: "Output" },
        { header: "Shape" },
        { header: "Min", align: "right" },
        { header: "Max", align: "right" },
        { header: "Mean", align: "right" },
        ...(anyNonFinite ? [{ header: "NaN/Inf" }] : []),
        ...(files.size > 0 ? [{ header: "Written to" }] : []),
      ],
      rows.map((r) => [
        r.id,
        formatShape(r.shape),
        num(r.min),
        num(r.max),
        num(r.mean),
        ...(anyNonFinite ? [formatNonFinite(r.nonFinite)] : []),
        ...(r.file ? [r.file] : []),
      ]),
    ),
  );
  return ExitCode.ok;
}

export function registerRun(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("run")
    .summary("run a spec forward on one backend; NPY/JSON in, NPY out")
    .description(
      "Run one forward pass of a spec on backend-cpu or backend-tfjs and print each output's shape,\n" +
        "min, max and mean (of its finite values: NaN and ±Infinity are counted apart, and an output\n" +
        "holding any gets a warning on stderr). Weights come from --weights (a fusegraph weights\n" +
        "directory) or initWeights with --seed. Inputs:\n" +
        "  --input x.npy   a C-order .npy array for a graph with one input: float32 ('<f4') as is; float16/64,\n" +
        "                  int8-64, uint8-64 and bool (either byte order) converted, with a note; strings,\n" +
        "                  objects, complex and structured dtypes refused. Shape [...S] means batch 1,\n" +
        "                  [N, ...S] a batch of N\n" +
        '  --input x.json  a nested array (one input) or { "<input id>": nested array, ... }\n' +
        "  --random        seeded uniform values in [-1, 1) (--seed, --batch)\n" +
        "--out y.npy writes the output as .npy; a graph with several outputs writes <base>.<outputId>.npy\n" +
        "(y.p3.npy, y.p4.npy, ...; characters outside [A-Za-z0-9._-] in an id become _).\n" +
        "NaN and ±Infinity in --input (.npy values, or JSON numbers beyond float32's range) or --weights are\n" +
        "used as given, with a warning on stderr naming the input or weight, the count and the first index.",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .option("--backend <backend>", "cpu or tfjs", parseChoice(RUN_BACKENDS), "cpu")
    .option(
      "--runtime <runtime>",
      "tfjs's runtime (with --backend tfjs): wasm or cpu",
      parseChoice(TFJS_RUNTIMES),
    )
    .option("--weights <dir>", "a fusegraph weights directory (from `fusegraph compile --backend cpu`)")
    .option("--input <file>", "inputs from a .npy or .json file")
    .option("--random", "seeded random inputs")
    .option("--seed <n>", "seed of the random inputs and of the weights without --weights", parseSeed)
    .option("--batch <n>", "batch size of --random inputs (default 1)", parseInteger(1))
    .option("--out <file.npy>", "write the output(s) as .npy")
    .option(
      "--json",
      "print JSON: { ok, backend, outputs: [{ id, shape, min, max, mean, nonFinite, file }] }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph run tiny-unet --random --seed 1",
        "  $ fusegraph run model.yaml --backend tfjs --input image.npy --out logits.npy",
        "  $ fusegraph run tiny-fpn --random --out fpn.npy        # writes fpn.<output>.npy per output",
        "  $ fusegraph run model.yaml --weights weights/model --input x.json --json   # weights from compile --backend cpu",
        "",
        "Exit codes: 0 ok, 1 invalid spec or a backend failure,",
        "2 usage error (including an unreadable or mis-shaped --input or --weights).",
      ].join("\n"),
    )
    .action(async (spec: string, options: RunOptions) => done(await runRun(spec, options, ctx())));
}
