import { lstat, rm } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { RunProfile } from "@fusegraph/backend-cpu";
import { formatShape, type Graph, type TensorData, type WeightMap } from "@fusegraph/dsl";
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
  profile?: boolean;
}

/** Nodes the `--profile` table lists after the kinds. */
export const PROFILE_TOP_NODES = 5;

/** The `profile` field of `run --profile --json`. */
export interface ProfileReport {
  totalMs: number;
  kinds: {
    kind: string;
    calls: number;
    ms: number;
    share: number;
    macs: number;
    gmacPerSecond: number | null;
  }[];
  /** Every step that ran, slowest first. */
  nodes: { id: string; kind: string; ms: number }[];
}

/** The JSON form of a backend-cpu run profile: kinds slowest first, every node slowest first. */
export function profileReport(p: RunProfile): ProfileReport {
  return {
    totalMs: p.totalMs,
    kinds: p.kinds.map(({ kind, calls, ms, share, macs, gmacPerSecond }) => ({
      kind,
      calls,
      ms,
      share,
      macs,
      gmacPerSecond,
    })),
    nodes: [...p.nodes].sort((a, b) => b.ms - a.ms).map(({ id, kind, ms }) => ({ id, kind, ms })),
  };
}

/**
 * The `--profile` tables: one row per kernel kind (slowest first; what its steps took over in the last
 * column), the time outside the kernels (input checks and copies), the total, then the slowest nodes.
 */
export function renderProfile(p: RunProfile): string {
  const ms = (x: number) => x.toFixed(2);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const share = (x: number) => (p.totalMs > 0 ? x / p.totalMs : 0);
  const fused = (f: Readonly<Partial<Record<string, number>>>) =>
    Object.entries(f)
      .map(([kind, n]) => `${kind} x${n}`)
      .join(", ");
  const macs = p.kinds.reduce((a, k) => a + k.macs, 0);
  const kinds = renderTable(
    [
      { header: "Kind" },
      { header: "Calls", align: "right" },
      { header: "ms", align: "right" },
      { header: "%", align: "right" },
      { header: "GMAC/s", align: "right" },
      { header: "Fused into it" },
    ],
    [
      ...p.kinds.map((k) => [
        k.kind,
        String(k.calls),
        ms(k.ms),
        pct(k.share),
        k.gmacPerSecond === null ? "-" : k.gmacPerSecond.toFixed(1),
        fused(k.fused),
      ]),
      ["(outside kernels)", "", ms(p.totalMs - p.kernelMs), pct(share(p.totalMs - p.kernelMs)), "", ""],
      [
        "total",
        String(p.nodes.length),
        ms(p.totalMs),
        pct(1),
        macs > 0 && p.totalMs > 0 ? (macs / (p.totalMs * 1e6)).toFixed(1) : "-",
        "",
      ],
    ],
    { separators: [p.kinds.length + 1] },
  );
  const top = [...p.nodes].sort((a, b) => b.ms - a.ms).slice(0, PROFILE_TOP_NODES);
  const nodes = renderTable(
    [
      { header: `Top ${top.length} nodes` },
      { header: "Kind" },
      { header: "ms", align: "right" },
      { header: "%", align: "right" },
      { header: "Fused into it" },
    ],
    top.map((n) => [n.id, n.kind, ms(n.ms), pct(share(n.ms)), n.fused.join(", ")]),
  );
  return `\n${kinds}\n${nodes}`;
}

/**
 * One profiled run on backend-cpu (`Executor.profile`) after an unprofiled warm-up run, so the first
 * large conv is not charged with starting the worker threads and allocating the arena; frees the
 * worker threads afterwards.
 */
async function profileCpu(
  graph: Graph,
  weights: WeightMap,
  inputs: Readonly<Record<string, TensorData>>,
): Promise<{ outputs: Record<string, TensorData>; profile: RunProfile }> {
  const cpu = await import("@fusegraph/backend-cpu");
  const executor = cpu.prepare(graph, weights);
  try {
    executor.run(inputs);
    return executor.profile(inputs);
  } finally {
    executor.dispose();
  }
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
  if (options.profile && options.backend !== "cpu") {
    throw new UsageError(
      `--profile is for the cpu backend (it times backend-cpu's kernels); drop --backend ${options.backend}`,
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
  let profile: RunProfile | undefined;
  let outputs: Record<string, TensorData>;
  if (options.profile) {
    ({ outputs, profile } = await profileCpu(graph, weights, inputs));
  } else {
    outputs =
      options.backend === "cpu"
        ? await runCpu(graph, weights, inputs)
        : await runTfjs(graph, weights, inputs, options.runtime ?? "wasm");
  }
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
    writeJson(ctx.io, {
      ok: true,
      backend: options.backend,
      outputs: rows,
      ...(profile ? { profile: profileReport(profile) } : {}),
    });
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
  if (profile) ctx.io.stdout.write(renderProfile(profile));
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
        "used as given, with a warning on stderr naming the input or weight, the count and the first index.\n" +
        "--profile (cpu backend) runs once to warm up (worker threads, arena), then times the run it\n" +
        "reports by kernel: after the outputs, a table of each kernel kind that ran (calls, ms, share of\n" +
        "the run, GMAC/s from the cost model's MACs; a conv that folded a batchNorm and applied an add and\n" +
        "a relu counts under conv2d, with what it took over listed), the time outside the kernels, the\n" +
        "total, and the 5 slowest nodes.",
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
    .option("--profile", "time the run by kernel kind and print the table (cpu backend only)")
    .option(
      "--json",
      "print JSON: { ok, backend, outputs: [{ id, shape, min, max, mean, nonFinite, file }] }, and with " +
        "--profile profile: { totalMs, kinds: [{ kind, calls, ms, share, macs, gmacPerSecond }], " +
        "nodes: [{ id, kind, ms }] } (every step, slowest first)",
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
        "  $ fusegraph run tiny-unet --random --profile          # where backend-cpu's time goes, by kernel",
        "",
        "Exit codes: 0 ok, 1 invalid spec or a backend failure,",
        "2 usage error (including an unreadable or mis-shaped --input or --weights).",
      ].join("\n"),
    )
    .action(async (spec: string, options: RunOptions) => done(await runRun(spec, options, ctx())));
}
