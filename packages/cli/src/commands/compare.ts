import {
  compareMerges,
  type GraphSummary,
  MERGE_KINDS,
  type MergeComparison,
  type MergeKind,
  type MergeSelector,
} from "@fusegraph/dsl";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { loadValidGraph, reportIssues } from "../load-spec.js";
import { parseChoice, parseList } from "../options.js";
import { formatCount, formatScaled, renderTable, writeJson } from "../output.js";

export interface CompareOptions {
  merge: MergeKind;
  only?: string[];
  json?: boolean;
}

function totals(s: GraphSummary) {
  return {
    params: { ...s.params },
    macs: s.macs,
    flops: s.flops,
    activationBytes: s.activations.bytes,
  };
}

/** `delta` as a percentage of `base`; null when either is unknown or the base is zero. */
export function percentOf(delta: number | null, base: number): number | null {
  return delta === null || base === 0 ? null : (delta / base) * 100;
}

/**
 * `compare --json`: `before`/`after` with `params` and `macs`, and `merges[]` with id, from, to and each
 * merge's own deltas, also as percentages of the graph's before-totals (null where a merge cannot be
 * switched alone).
 */
export function compareJson(c: MergeComparison) {
  return {
    ok: true,
    before: totals(c.before),
    after: totals(c.after),
    delta: c.delta,
    merges: c.merges.map((m) => ({
      id: m.id,
      from: m.from,
      to: m.to,
      paramsDelta: m.paramsDelta,
      macsDelta: m.macsDelta,
      activationBytesDelta: m.activationBytesDelta,
      paramsPercent: percentOf(m.paramsDelta, c.before.params.total),
      macsPercent: percentOf(m.macsDelta, c.before.macs),
      activationBytesPercent: percentOf(m.activationBytesDelta, c.before.activations.bytes),
    })),
  };
}

/** "+12.5%", "-50.0%", "0.0%"; "n/a" from zero. */
export function percentChange(before: number, after: number): string {
  if (before === 0) return after === 0 ? "0.0%" : "n/a";
  const p = ((after - before) / before) * 100;
  return `${p > 0 ? "+" : ""}${p.toFixed(1)}%`;
}

function signed(n: number | null, format: (x: number) => string): string {
  if (n === null) return "-";
  return n > 0 ? `+${format(n)}` : n < 0 ? `-${format(-n)}` : "0";
}

/** 576 -> "576 B", 200704 -> "196.0 KiB", 5e8 -> "476.84 MiB": small nets and single merges stay readable. */
export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 2 ** 10) return `${Math.round(bytes)} B`;
  if (Math.abs(bytes) < 2 ** 20) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

/** A merge's own change as a percentage of the graph's before-total; "-" when it is unknown. */
function sharePercent(delta: number | null, before: number): string {
  return delta === null ? "-" : percentChange(before, before + delta);
}

/** Before/after totals, then one row per switched merge (its own share, switched alone). */
export function renderComparison(c: MergeComparison, ctx: CommandContext): string {
  const row = (label: string, b: number, a: number, format: (x: number) => string) => [
    label,
    format(b),
    format(a),
    signed(a - b, format),
    percentChange(b, a),
  ];
  const totalsTable = renderTable(
    [
      { header: "" },
      { header: "Before", align: "right" },
      { header: "After", align: "right" },
      { header: "Change", align: "right" },
      { header: "%", align: "right" },
    ],
    [
      row("Params (total)", c.before.params.total, c.after.params.total, formatCount),
      row("  trainable", c.before.params.trainable, c.after.params.trainable, formatCount),
      row("  non-trainable", c.before.params.nonTrainable, c.after.params.nonTrainable, formatCount),
      row("MACs", c.before.macs, c.after.macs, formatCount),
      row("Activation memory", c.before.activations.bytes, c.after.activations.bytes, formatBytes),
    ],
  );
  if (c.merges.length === 0)
    return `${totalsTable}\nNo merge changed mode (every selected merge is already in it).\n`;
  const b = c.before;
  const mergeTable = renderTable(
    [
      { header: "Merge" },
      { header: "Switch" },
      { header: "Params Δ", align: "right" },
      { header: "%", align: "right" },
      { header: "MACs Δ", align: "right" },
      { header: "%", align: "right" },
      { header: "Activations Δ", align: "right" },
      { header: "%", align: "right" },
    ],
    c.merges.map((m) => [
      ctx.style.bold(m.id),
      `${m.from} → ${m.to}`,
      m.paramsDelta === null ? ctx.style.yellow("not alone") : signed(m.paramsDelta, formatCount),
      sharePercent(m.paramsDelta, b.params.total),
      m.macsDelta === null ? "-" : signed(m.macsDelta, formatScaled),
      sharePercent(m.macsDelta, b.macs),
      m.activationBytesDelta === null ? "-" : signed(m.activationBytesDelta, formatBytes),
      sharePercent(m.activationBytesDelta, b.activations.bytes),
    ]),
  );
  const note =
    "Each merge's Δ is the whole graph's change with only that merge switched, and its % is of the graph's\n" +
    "before-total; shares need not add up to the total when switches feed the same layers.\n" +
    "Activation memory: every node's output, float32.\n";
  return `${totalsTable}\n${mergeTable}\n${note}`;
}

/** `fusegraph compare <spec> --merge <mode>`: what switching merges to another mode costs. */
export async function runCompare(
  spec: string,
  options: CompareOptions,
  ctx: CommandContext,
): Promise<ExitCode> {
  const json = options.json === true;
  const loaded = await loadValidGraph(spec, ctx, json);
  if (!loaded) return ExitCode.failed;
  const selector: MergeSelector = options.only ? { ids: options.only } : { all: true };
  const r = compareMerges(loaded.graph, selector, options.merge);
  if (!r.ok) {
    reportIssues(
      r.issues,
      loaded.label,
      ctx,
      json,
      `cannot switch the merges of ${loaded.label} to ${options.merge}`,
    );
    return ExitCode.failed;
  }
  if (json) {
    writeJson(ctx.io, compareJson(r.comparison));
    return ExitCode.ok;
  }
  const what = options.only ? `merges ${options.only.join(", ")}` : "every merge";
  ctx.io.stdout.write(`${loaded.label}: ${what} switched to ${options.merge}\n\n`);
  ctx.io.stdout.write(renderComparison(r.comparison, ctx));
  return ExitCode.ok;
}

export function registerCompare(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("compare")
    .summary("what switching merges to another mode does to params, MACs and memory")
    .description(
      "Switch every merge (or --only some) to another mode and compare the graph before and after:\n" +
        "params, MACs and activation memory (every node's output at float32), with the change in percent,\n" +
        "and per switched merge its own share (the graph's change with only that merge switched).\n" +
        "A merge whose inputs do not fit the mode, or a switch that breaks nodes downstream, is reported\n" +
        "like `check` reports issues (exit 1), with the modes that would fit.",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .requiredOption(
      "--merge <mode>",
      `the mode to switch to: ${MERGE_KINDS.join(", ")}`,
      parseChoice(MERGE_KINDS),
    )
    .option("--only <ids>", "comma-separated merge ids to switch (default: every merge)", parseList)
    .option(
      "--json",
      "print JSON: { before: { params: { trainable, nonTrainable, total }, macs }, after, merges: [{ id, from, to, " +
        "paramsDelta, macsDelta, activationBytesDelta, paramsPercent, macsPercent, activationBytesPercent }] }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph compare unet --merge add",
        "  $ fusegraph compare unet --merge add --only up4/merge,up3/merge      # ids as inspect prints them",
        "  $ fusegraph compare tiny-unet --merge add --json | jq .after.params.total",
        "",
        "Exit codes: 0 compared, 1 invalid spec or a switch that does not fit, 2 usage error.",
      ].join("\n"),
    )
    .action(async (spec: string, options: CompareOptions) => done(await runCompare(spec, options, ctx())));
}
