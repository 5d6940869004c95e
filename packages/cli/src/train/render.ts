import type { AblationReport, AblationVariant, TrainResult } from "@fusegraph/train";
import { type Column, formatCount, formatScaled, renderTable, type Style } from "../output.js";
import { formatValue } from "./progress.js";

/** What `train --json` prints (an interface: keep the fields). */
export interface TrainJson {
  spec: string;
  task: string;
  metric: { name: string; higherIsBetter: boolean };
  engine: "wasm" | "cpu";
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  history: { epoch: number; trainLoss: number; valLoss: number; metric: number; elapsedMs: number }[];
  initial: { valLoss: number; metric: number };
  steps: number;
  trainMs: number;
  stepsPerSecond: number;
  stopped: boolean;
  out: string | null;
}

export function trainJson(
  result: TrainResult,
  config: { spec: string; epochs: number; batch: number; lr: number; seed: number; out: string | null },
): TrainJson {
  return {
    spec: config.spec,
    task: result.task,
    metric: { name: result.metric.name, higherIsBetter: result.metric.higherIsBetter },
    engine: result.engine,
    epochs: config.epochs,
    batch: config.batch,
    lr: config.lr,
    seed: config.seed,
    history: result.history.map((r) => ({
      epoch: r.epoch,
      trainLoss: r.trainLoss,
      valLoss: r.valLoss,
      metric: r.metric,
      elapsedMs: r.elapsedMs,
    })),
    initial: { valLoss: result.initial.valLoss, metric: result.initial.metric },
    steps: result.steps,
    trainMs: result.trainMs,
    stepsPerSecond: result.stepsPerSecond,
    stopped: result.stopped,
    out: config.out,
  };
}

/** The per-epoch table (the untrained model first, as epoch 0) and a sparkline of the held-out loss. */
export function renderHistory(r: TrainJson, sparkline: (values: number[]) => string, style: Style): string {
  const columns: Column[] = [
    { header: "Epoch", align: "right" },
    { header: "Train loss", align: "right" },
    { header: "Held-out loss", align: "right" },
    { header: r.metric.name, align: "right" },
    { header: "Time", align: "right" },
  ];
  const rows = [
    ["0", "-", formatValue(r.initial.valLoss), formatValue(r.initial.metric), "-"],
    ...r.history.map((h) => [
      String(h.epoch),
      formatValue(h.trainLoss),
      formatValue(h.valLoss),
      formatValue(h.metric),
      `${(h.elapsedMs / 1000).toFixed(1)} s`,
    ]),
  ];
  const losses = [r.initial.valLoss, ...r.history.map((h) => h.valLoss)];
  const first = losses[0] ?? Number.NaN;
  const last = losses[losses.length - 1] ?? Number.NaN;
  const better = r.history.length > 0 && last < first;
  const trend = `${formatValue(first)} → ${formatValue(last)}`;
  return (
    `${renderTable(columns, rows)}\n` +
    `held-out loss  ${sparkline(losses)}  ${better ? style.green(trend) : style.yellow(trend)}  ` +
    `(epoch 0 is the untrained model; ${r.steps} steps, ${r.stepsPerSecond.toFixed(1)} steps/s, ` +
    `${(r.trainMs / 1000).toFixed(1)} s on ${r.engine})\n`
  );
}

/** "0.4123 ± 0.0120" (the std over seeds; "± 0" with one seed). */
export function meanStd(v: { mean: number; std: number }): string {
  return `${formatValue(v.mean)} ± ${formatValue(v.std)}`;
}

/** The feasible variant with the best mean metric (by the task's direction), if any. */
export function bestVariant(report: AblationReport): AblationVariant | undefined {
  let best: AblationVariant | undefined;
  for (const v of report.variants) {
    if (!v.feasible) continue;
    const better = report.metric.higherIsBetter
      ? v.metric.mean > (best?.metric.mean ?? Number.NEGATIVE_INFINITY)
      : v.metric.mean < (best?.metric.mean ?? Number.POSITIVE_INFINITY);
    if (best === undefined || better) best = v;
  }
  return best;
}

/** The ablation's one table (best metric marked with *), then the switches that could not be made. */
export function renderAblation(report: AblationReport, style: Style): string {
  const best = bestVariant(report);
  const feasible = report.variants.filter((v) => v.feasible);
  const rows = feasible.map((v) => [
    v === best ? style.bold(`${v.label} *`) : v.label,
    formatCount(v.params),
    formatScaled(v.macs),
    `${(v.trainMs.mean / 1000).toFixed(1)} s`,
    meanStd(v.finalLoss),
    v === best ? style.green(meanStd(v.metric)) : meanStd(v.metric),
  ]);
  const table = renderTable(
    [
      { header: "Variant" },
      { header: "Params", align: "right" },
      { header: "MACs", align: "right" },
      { header: "Train time", align: "right" },
      { header: "Held-out loss", align: "right" },
      { header: report.metric.name, align: "right" },
    ],
    rows,
  );
  const dir = report.metric.higherIsBetter ? "higher" : "lower";
  const lines = [
    `${report.spec} on ${report.task}: ${report.epochs} epochs, batch ${report.batchSize}, lr ${report.lr}, ` +
      `seeds ${report.seeds.join(", ")}`,
    "",
    table.trimEnd(),
    "",
    `mean ± std over ${report.seeds.length} seed${report.seeds.length === 1 ? "" : "s"}; held-out loss after the ` +
      `last epoch; * best ${report.metric.name} (${dir} is better); train time per run.`,
  ];
  const infeasible = report.variants.filter((v) => !v.feasible);
  if (infeasible.length > 0) {
    lines.push("", "Not trained (the switch does not fit, as `fusegraph compare` reports):");
    for (const v of infeasible) lines.push(`  ${v.label}: ${v.reason ?? "infeasible"}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A variant's held-out loss per epoch, averaged over its seeds. */
export function meanCurve(v: AblationVariant): number[] {
  if (v.curves.length === 0) return [];
  const epochs = Math.min(...v.curves.map((c) => c.length));
  return Array.from(
    { length: epochs },
    (_, e) => v.curves.reduce((s, c) => s + (c[e] ?? 0), 0) / v.curves.length,
  );
}

/** The ablation chart's series: one line per trained variant, held-out loss per epoch, mean over seeds. */
export function chartSeries(report: AblationReport): { label: string; values: number[] }[] {
  return report.variants.filter((v) => v.feasible).map((v) => ({ label: v.label, values: meanCurve(v) }));
}
