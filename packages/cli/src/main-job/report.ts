// What `fusegraph main` prints once every subject has run: the results table, the outputs written, the
// compare tables and the problems (text), or all of it as one JSON document.
import { join, resolve } from "node:path";
import { compareJson, renderComparison } from "../commands/compare.js";
import type { CommandContext } from "../context.js";
import { formatCount, formatScaled, renderTable } from "../output.js";
import { mergeKindsOf } from "../spec-analysis.js";
import type { ComparisonResult } from "./comparisons.js";
import { MAIN_SEED, MAIN_WEIGHTS_LIMIT_BYTES } from "./model-stages.js";
import { shownPath } from "./paths.js";
import type { Stage, SubjectResult } from "./stage.js";
import type { SubjectState } from "./subjects.js";

function statusCell(r: SubjectResult, ctx: CommandContext): string {
  const s = ctx.style;
  const failed = r.stages.find((x) => x.outcome.status === "failed");
  if (failed)
    return s.red(`FAILED at ${failed.name}${failed.outcome.detail ? `: ${failed.outcome.detail}` : ""}`);
  const warned = r.stages.filter((x) => x.outcome.status === "warning");
  if (warned.length > 0) return s.yellow(`ok (${warned.map((x) => x.outcome.detail ?? x.name).join("; ")})`);
  return s.green("ok");
}

function mergesOf(state: SubjectState): string {
  const kinds = state.graph ? mergeKindsOf(state.graph) : [...(state.subject.declaredMerges ?? [])];
  return kinds.length > 0 ? kinds.join(", ") : "-";
}

/** `1.5 KiB`, `231.2 MiB`, `1.15 GiB`. */
function formatSize(bytes: number): string {
  if (bytes < 2 ** 10) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/**
 * Where the job's files went: each model directory written (with its weights' size), the drawings, and
 * the models left unwritten because their weights exceed the limit, with the flag that writes them.
 */
export function outputsReport(results: readonly SubjectResult[], outDir: string, cwd: string): string {
  const saved = results.flatMap((r) =>
    r.state.saved ? [{ name: r.state.subject.name, ...r.state.saved }] : [],
  );
  const written = saved.filter((s) => s.written);
  const skipped = saved.filter((s) => !s.written);
  const svgs = results.flatMap((r) => r.state.files.filter((f) => f.endsWith(".svg")));
  if (saved.length === 0 && svgs.length === 0) return "";
  const where = shownPath(cwd, resolve(cwd, outDir));
  const lines = [`\nOutputs, in ${where}/:`];
  if (written.length > 0) {
    lines.push(
      `  ${written.length} tfjs model${written.length === 1 ? "" : "s"} (model.json + weights.bin):`,
    );
    const width = Math.max(...written.map((s) => s.dir.length + 1));
    for (const s of written) lines.push(`    ${`${s.dir}/`.padEnd(width)}  ${formatSize(s.weightBytes)}`);
  }
  if (svgs.length > 0) {
    lines.push(`  ${svgs.length} drawing${svgs.length === 1 ? "" : "s"}: ${join(where, "<name>.svg")}`);
  }
  if (skipped.length > 0) {
    const total = skipped.reduce((sum, s) => sum + s.weightBytes, 0);
    lines.push(
      `  not written: ${skipped.length} model${skipped.length === 1 ? "" : "s"} with over ` +
        `${formatSize(MAIN_WEIGHTS_LIMIT_BYTES)} of weights (${formatSize(total)} in all), compiled and verified in memory;`,
      "  rerun with --full-weights to write them:",
      `    ${skipped.map((s) => s.name).join(", ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `fusegraph main --json`: every subject's figures, stages and problems, and the compare tables. */
export function mainJson(results: readonly SubjectResult[], comparisons: readonly ComparisonResult[]) {
  const failures = results.filter((r) => r.failed).length;
  return {
    ok: failures === 0,
    results: results.map((r) => ({
      name: r.state.subject.name,
      origin: r.state.subject.origin,
      merges: r.state.graph ? mergeKindsOf(r.state.graph) : [...(r.state.subject.declaredMerges ?? [])],
      params: r.state.cost?.params ?? null,
      macs: r.state.cost?.macs ?? null,
      flops: r.state.cost?.flops ?? null,
      compiledAt: r.state.small ? r.state.small.inputs.map((i) => ({ id: i.id, shape: [...i.shape] })) : null,
      verify: r.state.verify
        ? {
            ok: r.state.verify.ok,
            maxAbsError: r.state.verify.maxAbsError,
            maxRelError: r.state.verify.maxRelError,
          }
        : null,
      files: r.state.files,
      weights: r.state.saved ? { bytes: r.state.saved.weightBytes, written: r.state.saved.written } : null,
      ok: !r.failed,
      stages: r.stages.map((x) => ({
        name: x.name,
        status: x.outcome.status,
        detail: x.outcome.detail ?? null,
      })),
      problems: r.state.problems,
    })),
    comparisons: comparisons.map((c) => ({
      example: c.name,
      mode: c.mode,
      scope: c.scope,
      candidates: c.candidates,
      reason: c.reason ?? null,
      ...(c.comparison ? compareJson(c.comparison) : { ok: false }),
    })),
  };
}

/**
 * The text report on stdout: one table (with each stage's extra column), the note on compiled sizes when
 * the job compiled, the outputs written, the compare tables, every problem, and the closing count.
 */
export function writeMainReport(
  results: readonly SubjectResult[],
  comparisons: readonly ComparisonResult[],
  steps: readonly Stage[],
  outDir: string,
  ctx: CommandContext,
): void {
  const failures = results.filter((r) => r.failed).length;
  const extra = steps.flatMap((st) => (st.column ? [st.column] : []));
  const rows = results.map((r) => [
    r.state.subject.name,
    r.state.subject.origin,
    mergesOf(r.state),
    r.state.cost ? formatCount(r.state.cost.params.total) : "-",
    r.state.cost ? formatScaled(r.state.cost.macs) : "-",
    ...extra.map((c) => c.cell(r.state)),
    statusCell(r, ctx),
  ]);
  const table = renderTable(
    [
      { header: "Example" },
      { header: "Source" },
      { header: "Merge modes" },
      { header: "Params", align: "right" },
      { header: "MACs", align: "right" },
      ...extra.map((c) => ({ header: c.header, align: c.align ?? "left" })),
      { header: "Status" },
    ],
    rows,
  );
  ctx.io.stdout.write(`\n${table}`);
  if (steps.some((st) => st.name === "compile")) {
    ctx.io.stdout.write(
      `Compiled at: the input size compile and verify used; "(small)" is the example's smallSpec(), the same\n` +
        `layers at a small input, so that every example compiles and verifies in seconds. Verify max err is\n` +
        `max |tfjs - cpu| / max |cpu| over each output (seed ${MAIN_SEED}).\n`,
    );
  }
  ctx.io.stdout.write(outputsReport(results, outDir, ctx.io.cwd));
  for (const c of comparisons) {
    const switched = c.comparison?.merges.length ?? 0;
    const title =
      c.scope === "all"
        ? `${c.name}: every merge switched to ${c.mode}`
        : `${c.name}: ${c.mode} — switching every merge is not feasible; ${switched} of ${c.candidates} merges can switch`;
    ctx.io.stdout.write(`\n${ctx.style.bold(title)}\n`);
    if (c.scope === "feasible") ctx.io.stdout.write(`${ctx.style.dim(`why not all: ${c.reason}`)}\n`);
    if (c.comparison) ctx.io.stdout.write(renderComparison(c.comparison, ctx));
  }
  const problems = results.flatMap((r) => r.state.problems);
  if (problems.length > 0) ctx.io.stdout.write(`\n${problems.join("\n")}\n`);
  const line = `${results.length} specs: ${results.length - failures} ok, ${failures} failed`;
  ctx.io.stdout.write(`\n${failures === 0 ? ctx.style.green(line) : ctx.style.red(line)}\n`);
}
