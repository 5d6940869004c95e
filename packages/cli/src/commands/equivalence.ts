import { addToConcat, type Graph, graphCost, type TensorData } from "@fusegraph/dsl";
import type { Command } from "commander";
import { resolveWeights, runCpu, runTfjs, TFJS_RUNTIMES, type TfjsRuntime } from "../backends.js";
import type { CommandContext } from "../context.js";
import { compareOutputs } from "../cross-backend.js";
import { ExitCode } from "../errors.js";
import { loadValidGraph, reportIssues } from "../load-spec.js";
import { parseChoice, parseInteger, parsePositiveNumber, parseSeed } from "../options.js";
import { formatCount, Progress, renderTable, writeJson } from "../output.js";
import { randomInputs } from "../tensors.js";
import { formatError } from "./verify.js";

export interface EquivalenceOptions {
  merge: string;
  seed?: number;
  tolerance?: number;
  batch?: number;
  runtime?: TfjsRuntime;
  weights?: string;
  json?: boolean;
}

interface Difference {
  /** Largest |a - b| over every output (Infinity for a shape or non-finite mismatch). */
  abs: number;
  /** Per output max |a - b| / max |a|, the largest over the outputs. */
  rel: number;
}

function difference(graph: Graph, a: Record<string, TensorData>, b: Record<string, TensorData>): Difference {
  const errors = compareOutputs(graph, a, b);
  return {
    abs: Math.max(0, ...errors.map((o) => o.maxAbsError)),
    rel: Math.max(0, ...errors.map((o) => o.maxRelError)),
  };
}

/**
 * `fusegraph equivalence <spec> --merge <id>`: add before a conv is a concat whose next kernel is tied
 * across the inputs. Runs the graph and its addToConcat rewrite on both backends with the same random
 * weights and inputs, and checks the outputs agree.
 */
export async function runEquivalence(
  spec: string,
  options: EquivalenceOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const json = options.json === true;
  const loaded = await loadValidGraph(spec, ctx, json);
  if (!loaded) return ExitCode.failed;
  const { graph } = loaded;
  const seed = options.seed ?? 0;
  const tolerance = options.tolerance ?? 1e-5;
  const runtime = options.runtime ?? "wasm";
  const weights = await resolveWeights(
    graph,
    { seed, ...(options.weights !== undefined ? { weights: options.weights } : {}) },
    ctx.io,
  );
  const rewrite = addToConcat(graph, weights, options.merge);
  if (!rewrite.ok) {
    reportIssues(
      rewrite.issues,
      loaded.label,
      ctx,
      json,
      `cannot rewrite merge "${options.merge}" of ${loaded.label} as a concat with a tied kernel`,
    );
    return ExitCode.failed;
  }
  const inputs = randomInputs(graph, options.batch ?? 1, seed);
  // Shown only in a terminal (stderr); plain output stays just the result.
  const progress = new Progress(ctx.io, ctx.style);
  progress.update(`${loaded.label}: add graph on backend-cpu…`);
  // NOTE: direct convolutions, not Winograd's transforms (whose own rounding, ~1e-5 relative for F(4x4),
  // is as large as the tolerance): the difference measured is the rewrite's alone.
  const cpuA = await runCpu(graph, weights, inputs, { winograd: false });
  progress.update(`${loaded.label}: concat graph on backend-cpu…`);
  const cpuB = await runCpu(rewrite.graph, rewrite.weights, inputs, { winograd: false });
  progress.update(`${loaded.label}: add graph on backend-tfjs…`);
  const tfA = await runTfjs(graph, weights, inputs, runtime);
  progress.update(`${loaded.label}: concat graph on backend-tfjs…`);
  const tfB = await runTfjs(rewrite.graph, rewrite.weights, inputs, runtime);
  progress.end();
  const result = {
    cpu: difference(graph, cpuA, cpuB),
    tfjs: difference(graph, tfA, tfB),
    original: difference(graph, cpuA, tfA),
    rewritten: difference(graph, cpuB, tfB),
  };
  const ok = result.cpu.rel <= tolerance && result.tfjs.rel <= tolerance;
  const params = {
    add: graphCost(graph).total.params.total,
    concat: graphCost(rewrite.graph).total.params.total,
  };
  if (json) {
    const n = (x: number): number | null => (Number.isFinite(x) ? x : null);
    const body = {
      ok,
      merge: options.merge,
      tolerance,
      seed,
      runtime,
      cpu: { maxAbsDiff: n(result.cpu.abs), maxRelDiff: n(result.cpu.rel) },
      tfjs: { maxAbsDiff: n(result.tfjs.abs), maxRelDiff: n(result.tfjs.rel) },
      betweenBackends: {
        original: { maxAbsDiff: n(result.original.abs), maxRelDiff: n(result.original.rel) },
        rewritten: { maxAbsDiff: n(result.rewritten.abs), maxRelDiff: n(result.rewritten.rel) },
      },
      params: { add: params.add, concat: params.concat },
    };
    writeJson(ctx.io, body);
    return ok ? ExitCode.ok : ExitCode.failed;
  }
  const s = ctx.style;
  const mark = (d: Difference) => (d.rel <= tolerance ? s.green("ok") : s.red("FAILED"));
  const cells = (d: Difference) => [formatError(d.abs), formatError(d.rel)];
  ctx.io.stdout.write(
    `${loaded.label}: merge "${options.merge}" as add (${formatCount(params.add)} params) and as concat with tied kernels (${formatCount(params.concat)} params)\n\n`,
  );
  ctx.io.stdout.write(
    renderTable(
      [
        { header: "Comparison" },
        { header: "Max abs diff", align: "right" },
        { header: "Relative", align: "right" },
        { header: "" },
      ],
      [
        ["add vs concat on cpu", ...cells(result.cpu), mark(result.cpu)],
        [`add vs concat on tfjs (${runtime})`, ...cells(result.tfjs), mark(result.tfjs)],
        ["cpu vs tfjs, add graph", ...cells(result.original), s.dim("(info)")],
        ["cpu vs tfjs, concat graph", ...cells(result.rewritten), s.dim("(info)")],
      ],
    ),
  );
  const line = `the rewrite ${ok ? "keeps" : "changes"} the outputs (tolerance ${tolerance} on each backend)`;
  ctx.io.stdout.write(`${ok ? s.green(`ok  ${line}`) : s.red(`FAILED  ${line}`)}\n`);
  return ok ? ExitCode.ok : ExitCode.failed;
}

export function registerEquivalence(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("equivalence")
    .summary("show that an add before a conv equals a concat with a tied kernel, on both backends")
    .description(
      "conv(x1 + x2, K) = conv(concat(x1, x2), [K; K]): an add read by convs (or dense layers) is a concat\n" +
        "whose next kernels are tied across the inputs. This rewrites merge --merge (an add) into that concat\n" +
        "(addToConcat), runs the original and the rewrite on backend-cpu (direct convolutions, no Winograd)\n" +
        "and backend-tfjs with the same random weights and inputs, and prints per backend the max absolute\n" +
        "difference and the relative one (max abs difference / max |original output|, as in verify), and, for\n" +
        "information, the same between the backends. Fails (exit 1) when a backend's relative difference is\n" +
        "above --tolerance: an absolute bound would depend on the outputs' scale, and float32 sums of thousands\n" +
        "of terms in another order differ by about 1e-5 at scale 1.",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .requiredOption("--merge <id>", "the id of the add merge to rewrite")
    .option("--seed <n>", "seed of the weights and the random inputs", parseSeed, 0)
    .option("--tolerance <x>", "largest relative difference that passes", parsePositiveNumber, 1e-5)
    .option("--batch <n>", "examples per run", parseInteger(1), 1)
    .option("--runtime <runtime>", "tfjs's runtime: wasm or cpu", parseChoice(TFJS_RUNTIMES), "wasm")
    .option("--weights <dir>", "use the weights in this fusegraph weights directory")
    .option(
      "--json",
      "print JSON: { ok, cpu: { maxAbsDiff, maxRelDiff }, tfjs: { maxAbsDiff, maxRelDiff }, betweenBackends, params }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph equivalence sample:tiny-fpn-two-ways --merge p2 --runtime cpu",
        "  $ fusegraph equivalence sample:tiny-fpn-two-ways --merge p2 --seed 4 --json",
        "",
        "Exit codes: 0 equivalent within tolerance, 1 not (or the merge cannot be rewritten, or an invalid",
        "spec), 2 usage error.",
      ].join("\n"),
    )
    .action(async (spec: string, options: EquivalenceOptions) =>
      done(await runEquivalence(spec, options, ctx())),
    );
}
