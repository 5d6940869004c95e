import { formatShape } from "@fusegraph/dsl";
import type { Command } from "commander";
import { resolveWeights, TFJS_RUNTIMES, type TfjsRuntime } from "../backends.js";
import type { CommandContext } from "../context.js";
import { describeNonFinite, type VerifyReport, verifyGraph } from "../cross-backend.js";
import { ExitCode } from "../errors.js";
import { loadValidGraph } from "../load-spec.js";
import { jsonValue } from "../non-finite.js";
import { parseChoice, parseInteger, parsePositiveNumber, parseSeed } from "../options.js";
import { Progress, renderTable, writeJson } from "../output.js";

export interface VerifyCommandOptions {
  seed?: number;
  tolerance?: number;
  batch?: number;
  backend?: TfjsRuntime;
  weights?: string;
  json?: boolean;
}

/** An error as printed: 3 significant digits, exponent form for small values; `nan` when unmeasurable. */
export function formatError(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return "inf";
  if (x === 0) return "0";
  return x.toExponential(2);
}

/**
 * `verify --json`: fixed keys `ok` and `outputs[].{id, maxAbsError, maxRelError}`; Infinity and NaN print
 * as null. `outputs[].nonFinite` counts NaN and ±Infinity per backend and locates the first element where
 * they differ (`firstMismatch`, values as numbers or "NaN"/"Infinity"/"-Infinity") or agree (`firstShared`);
 * `message` is the line the text output prints for it, or null.
 */
export function verifyJson(report: VerifyReport) {
  const n = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    ok: report.ok,
    tolerance: report.tolerance,
    seed: report.seed,
    batch: report.batch,
    runtime: report.runtime,
    outputs: report.outputs.map((o) => ({
      id: o.id,
      shape: o.shape,
      maxAbsError: n(o.maxAbsError),
      maxRelError: n(o.maxRelError),
      scale: o.scale,
      nonFinite: {
        cpu: o.nonFinite.ref,
        tfjs: o.nonFinite.got,
        mismatched: o.nonFinite.mismatched,
        firstMismatch: o.nonFinite.firstMismatch && {
          index: o.nonFinite.firstMismatch.index,
          cpu: jsonValue(o.nonFinite.firstMismatch.ref),
          tfjs: jsonValue(o.nonFinite.firstMismatch.got),
        },
        shared: o.nonFinite.shared,
        firstShared: o.nonFinite.firstShared,
        message: describeNonFinite(o) ?? null,
      },
    })),
  };
}

/** `fusegraph verify <spec>`: backend-tfjs against backend-cpu on the same weights and inputs. */
export async function runVerify(
  spec: string,
  options: VerifyCommandOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const loaded = await loadValidGraph(spec, ctx, options.json === true);
  if (!loaded) return ExitCode.failed;
  const seed = options.seed ?? 0;
  const weights =
    options.weights !== undefined
      ? await resolveWeights(loaded.graph, { seed, weights: options.weights }, ctx.io)
      : undefined;
  const progress = new Progress(ctx.io, ctx.style);
  const report = await verifyGraph(loaded.graph, {
    onStep: (step) =>
      progress.update(`${loaded.label}: running on ${step === "cpu" ? "backend-cpu" : "backend-tfjs"}…`),
    seed,
    batch: options.batch ?? 1,
    tolerance: options.tolerance ?? 1e-4,
    runtime: options.backend ?? "wasm",
    ...(weights ? { weights } : {}),
  });
  progress.end();
  if (options.json) {
    writeJson(ctx.io, verifyJson(report));
    return report.ok ? ExitCode.ok : ExitCode.failed;
  }
  const s = ctx.style;
  const rows = report.outputs.map((o) => [
    o.id,
    formatShape(o.shape),
    formatError(o.maxAbsError),
    formatError(o.maxRelError),
    describeNonFinite(o) === undefined && o.maxRelError <= report.tolerance ? s.green("ok") : s.red("FAILED"),
  ]);
  const nonFinite = report.outputs.map((o) => describeNonFinite(o)).filter((m) => m !== undefined);
  ctx.io.stdout.write(
    renderTable(
      [
        { header: "Output" },
        { header: "Shape" },
        { header: "Max abs error", align: "right" },
        { header: "Max rel error", align: "right" },
        { header: "" },
      ],
      rows,
    ),
  );
  for (const m of nonFinite) ctx.io.stdout.write(`${s.red("NaN/Infinity")}  ${m}\n`);
  const run = `${loaded.label}: tfjs (${report.runtime}) vs cpu, seed ${report.seed}, batch ${report.batch}`;
  const line =
    nonFinite.length > 0
      ? `${run}: NaN or Infinity in ${nonFinite.length} of ${report.outputs.length} outputs (above)`
      : `${run}: max relative error ${formatError(report.maxRelError)} (tolerance ${report.tolerance})`;
  ctx.io.stdout.write(`${report.ok ? s.green(`ok  ${line}`) : s.red(`FAILED  ${line}`)}\n`);
  return report.ok ? ExitCode.ok : ExitCode.failed;
}

export function registerVerify(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("verify")
    .summary("run a spec on backend-cpu and backend-tfjs and compare the outputs")
    .description(
      "Run a spec on backend-cpu (the reference) and backend-tfjs with the same weights (initWeights with\n" +
        "--seed, or --weights) and the same seeded random inputs in [-1, 1), and report per output:\n" +
        "  max abs error  max |tfjs - cpu| over every element\n" +
        "  max rel error  max abs error / max |cpu|: relative to the output's scale, not per element\n" +
        "                 (equal to the abs error when the reference output is all zeros)\n" +
        "Fails (exit 1) when an output's max rel error is above --tolerance, or when an output holds NaN or\n" +
        "±Infinity on either backend: where only one does, it says where (output, count, first index); where\n" +
        "both do, it says so (an all-NaN model is not verified). Weights from --weights that hold NaN or\n" +
        "±Infinity are used as given, with a warning on stderr naming them.",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .option("--seed <n>", "seed of the weights and of the random inputs", parseSeed, 0)
    .option("--tolerance <x>", "largest max rel error that passes", parsePositiveNumber, 1e-4)
    .option("--batch <n>", "examples per run", parseInteger(1), 1)
    .option("--backend <runtime>", "tfjs's runtime: wasm or cpu", parseChoice(TFJS_RUNTIMES), "wasm")
    .option("--weights <dir>", "use the weights in this fusegraph weights directory")
    .option("--json", 'print JSON: { "ok": bool, "outputs": [ { "id", "maxAbsError", "maxRelError" } ] }')
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph verify tiny-fpn",
        "  $ fusegraph verify model.yaml --seed 3 --batch 2 --tolerance 1e-5",
        "  $ fusegraph verify tiny-hed --backend cpu --json | jq .ok",
        "",
        "Exit codes: 0 within tolerance, 1 above it or invalid spec, 2 usage error.",
      ].join("\n"),
    )
    .action(async (spec: string, options: VerifyCommandOptions) =>
      done(await runVerify(spec, options, ctx())),
    );
}
