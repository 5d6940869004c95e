import type { Graph, MergeKind } from "@fusegraph/dsl";
import type { AblationReport } from "@fusegraph/train";
import { reflowMarkdown, table } from "../docs/markdown.js";
import type { CliIO } from "../output.js";
import { formatCount, formatScaled } from "../output.js";
import { validateSource } from "../spec-analysis.js";
import { readSpecInput, type SpecSource } from "../spec-input.js";
import { HED_LITE_FILE, HED_LITE_YAML } from "./hed-lite.js";
import { bestVariant, chartSeries, meanStd } from "./render.js";

/**
 * docs/ablation.md: three small merge ablations trained with fixed seeds. Training takes minutes, so the
 * generator stores the raw reports in docs/ablation.json and the page is a pure function of that file:
 * the stale-page test re-renders it and checks the stored costs and config against the current ones.
 */

export interface AblationRun {
  /** Names the chart: docs/images/ablation-<id>.svg. */
  id: string;
  title: string;
  spec: string;
  task: string;
  merges: MergeKind[];
  only?: string[];
  /** What the comparison asks, for the page. */
  question: string;
  /** A spec of the page's own (shown on it for users to save), instead of a bundled one. */
  yaml?: string;
}

/** Shared by every run; small enough that the page regenerates in a few minutes on 2 cores. */
export const ABLATION_CONFIG = {
  epochs: 8,
  seeds: 3,
  seed: 0,
  // NOTE: batch 4 at lr 1e-2 gives tiny-unet the ~60 steps it needs to leave the all-background
  // solution (IoU 0); batch 8 at 1e-3 did not within the page's budget.
  batch: 4,
  lr: 1e-2,
  trainSamples: 64,
  valSamples: 32,
  engine: "wasm",
  runs: [
    {
      id: "unet",
      title: "U-Net-lite: concat vs add skip",
      spec: "sample:tiny-unet",
      task: "shapes",
      merges: ["concat", "add"],
      question:
        "Does the decoder need the encoder's channels kept apart (concat, as in the paper), or is their sum enough?",
    },
    {
      id: "hed",
      title: "HED-lite: fusing the side outputs",
      spec: HED_LITE_FILE,
      task: "edges",
      merges: ["concat", "weightedAdd", "add"],
      question:
        "HED fuses its side maps with a 1x1 conv over their concat; weightedAdd learns one weight per map, add none " +
        "(the 1x1 conv after the merge stays in every variant).",
      yaml: HED_LITE_YAML,
    },
    {
      id: "fpn",
      title: "FPN-lite: the top-down merge",
      spec: "sample:tiny-fpn-two-ways",
      task: "blobs",
      merges: ["add", "conv1x1Add", "concat"],
      only: ["p2"],
      question:
        "The spelled-out top-down merge p2 (upsampled P3 and C2's 1x1 lateral, both 24 channels): add, conv1x1Add " +
        "(a 1x1 projection only where channels differ), or concat (48 channels into the 3x3 conv after it). " +
        "(p3 cannot be switched to concat: conv1x1Add resizes P4 itself, concat would need the maps the same size.)",
    },
  ] satisfies AblationRun[],
} as const;

export type AblationConfig = typeof ABLATION_CONFIG;

export const ABLATION_PAGE_PATH = "docs/ablation.md";
export const ABLATION_JSON_NAME = "ablation.json";
/** The command that regenerates the page, its raw reports and its charts (quoted on the page and by the test). */
export const ABLATION_COMMAND =
  "npm run build && node packages/cli/dist/main.js docs ablation --out docs/ablation.md";

/** docs/ablation.json: the config it was generated with, and each run's report and wall time. */
export interface AblationDoc {
  format: "fusegraph-ablation-doc";
  config: AblationConfig;
  runs: { id: string; wallMs: number; report: AblationReport }[];
}

export function chartPath(id: string): string {
  return `images/ablation-${id}.svg`;
}

/** The graph of a bundled spec name, for the generator and the stale-page test. */
export async function loadRunGraph(spec: string, io: CliIO): Promise<Graph> {
  const source: SpecSource =
    spec === HED_LITE_FILE
      ? { kind: "text", label: spec, origin: "file", text: HED_LITE_YAML }
      : await readSpecInput(spec, io);
  const r = validateSource(source, io.cwd);
  if (!r.ok) throw new Error(`${spec} is not a valid spec: ${r.issues[0]?.message ?? "?"}`);
  return r.graph;
}

/** Runs the three ablations (minutes); `log` gets a line per variant × seed. */
export async function generateAblationDoc(io: CliIO, log: (line: string) => void): Promise<AblationDoc> {
  const lib = await import("@fusegraph/train");
  const c = ABLATION_CONFIG;
  const runs: AblationDoc["runs"] = [];
  for (const run of c.runs) {
    const graph = await loadRunGraph(run.spec, io);
    const start = performance.now();
    const only: readonly string[] | undefined = "only" in run ? run.only : undefined;
    const report = await lib.ablate(graph, {
      task: run.task,
      merges: [...run.merges],
      ...(only ? { only: [...only] } : {}),
      seeds: c.seeds,
      seed: c.seed,
      epochs: c.epochs,
      batchSize: c.batch,
      lr: c.lr,
      trainSamples: c.trainSamples,
      valSamples: c.valSamples,
      engine: c.engine,
      onVariant: (v) => log(`${run.id}: [${v.index + 1}/${v.total}] ${v.merge}, seed ${v.seed}`),
    });
    runs.push({
      id: run.id,
      wallMs: Math.round(performance.now() - start),
      report: { ...report, spec: run.spec },
    });
  }
  return { format: "fusegraph-ablation-doc", config: c, runs };
}

/** A run's chart: held-out loss per epoch, mean over seeds, one line per trained variant. */
export function renderChart(
  report: AblationReport,
  curvesSvg: (
    series: { label: string; values: number[] }[],
    options: { title: string; yLabel: string; xLabel?: string },
  ) => string,
): string {
  return curvesSvg(chartSeries(report), {
    title: `${report.spec} on ${report.task}: held-out loss, mean over ${report.seeds.length} seeds`,
    yLabel: "held-out loss",
    xLabel: "epoch",
  });
}

const f4 = (n: number): string => (Number.isFinite(n) ? n.toFixed(4) : String(n));

/** What the numbers say, stated from them: the best variant, then each other one's gap against the seeds' spread. */
function reading(report: AblationReport): string {
  const feasible = report.variants.filter((v) => v.feasible);
  const best = bestVariant(report);
  if (!best || feasible.length < 2)
    return "Only one variant could be trained, so there is nothing to compare.";
  const name = report.metric.name;
  const parts = [`${best.label} has the best mean ${name} (${f4(best.metric.mean)}).`];
  for (const v of feasible) {
    if (v === best) continue;
    const gap = Math.abs(best.metric.mean - v.metric.mean);
    const spread = Math.max(best.metric.std, v.metric.std);
    const cost = `${formatCount(v.params)} params vs ${formatCount(best.params)}`;
    if (gap === 0 && v.finalLoss.mean === best.finalLoss.mean) {
      parts.push(
        `${v.label} gives exactly the same numbers (${cost}): on these inputs it computes the same function.`,
      );
    } else {
      parts.push(
        `${v.label} (${cost}) is ${f4(gap)} behind, ${gap > 2 * spread ? "more" : "less"} than twice the larger ` +
          `seed-to-seed std (${f4(spread)})${gap > 2 * spread ? ": a real difference at this budget" : ": not told apart at this budget"}.`,
      );
    }
  }
  return parts.join(" ");
}

function runSection(run: AblationRun, entry: AblationDoc["runs"][number]): string {
  const r = entry.report;
  const best = bestVariant(r);
  const rows = r.variants
    .filter((v) => v.feasible)
    .map((v) => [
      v === best ? `**${v.label}** (best)` : v.label,
      formatCount(v.params),
      formatScaled(v.macs),
      `${(v.trainMs.mean / 1000).toFixed(1)} s`,
      meanStd(v.finalLoss),
      meanStd(v.metric),
    ]);
  const lines = [
    `## ${run.title}`,
    "",
    `\`${run.spec}\` on the \`${r.task}\` task (metric: ${r.metric.name}, ${r.metric.higherIsBetter ? "higher" : "lower"} is better). ${run.question}`,
    "",
  ];
  if (run.yaml !== undefined) {
    lines.push(`<!-- file: ${run.spec} -->`, "```yaml", run.yaml.trimEnd(), "```", "");
  }
  lines.push(
    "```sh",
    `npx fusegraph ablate ${run.spec} --merge ${run.merges.join(",")}${run.only ? ` --only ${run.only.join(",")}` : ""} ` +
      `--task ${run.task} --seeds ${r.seeds.length} --epochs ${r.epochs} --batch ${r.batchSize} --lr ${r.lr} ` +
      `--train-samples ${ABLATION_CONFIG.trainSamples} --val-samples ${ABLATION_CONFIG.valSamples}   # long`,
    "```",
    "",
    table(
      ["Variant", "Params", "MACs", "Train time", "Held-out loss", r.metric.name],
      ["l", "r", "r", "r", "r", "r"],
      rows,
    ),
    "",
  );
  const infeasible = r.variants.filter((v) => !v.feasible);
  if (infeasible.length > 0) {
    lines.push("Not trained (the switch does not fit, as `fusegraph compare` reports):", "");
    for (const v of infeasible) lines.push(`- ${v.label}: ${v.reason ?? "infeasible"}`);
    lines.push("");
  }
  lines.push(
    `![Held-out loss per epoch of ${run.spec}, mean over seeds](${chartPath(run.id)})`,
    "",
    `**Reading.** ${reading(r)}`,
    "",
    `_Wall time of this ablation: ${(entry.wallMs / 1000).toFixed(0)} s._`,
  );
  return lines.join("\n");
}

/** The page, from docs/ablation.json alone (deterministic). */
export function renderAblationPage(doc: AblationDoc): string {
  const c = doc.config;
  const total = doc.runs.reduce((s, r) => s + r.wallMs, 0);
  const head = [
    "# Merge ablations: trained, not just counted",
    "",
    "<!-- Generated by `fusegraph docs ablation` from docs/ablation.json; do not edit by hand.",
    `     Regenerate (retrains, a few minutes) with: ${ABLATION_COMMAND} -->`,
    "",
    "[add-vs-concat.md](add-vs-concat.md) counts what a merge costs. This page trains the same switches on",
    "`@fusegraph/train`'s seeded synthetic tasks and reports what they buy, with `fusegraph ablate`: every",
    "merge of the spec is switched to each mode (params and MACs are `fusegraph compare`'s after-totals),",
    "each variant is trained from the same seeds, and the held-out loss (after the last epoch) and the task's",
    "metric are given as mean ± std over seeds.",
    "",
    "Produced by this command, from the repository root (it retrains everything, then writes this page,",
    "`docs/ablation.json` with the raw reports and the charts in `docs/images/`):",
    "",
    "```sh",
    "npx fusegraph docs ablation --out docs/ablation.md   # long",
    "```",
    "",
    "The Params and MACs columns are what `fusegraph compare` reports for the same switch (a test holds",
    "the stored numbers to it), e.g. for the U-Net-lite skip switched to add:",
    "",
    "```sh",
    "npx fusegraph compare sample:tiny-unet --merge add",
    "```",
    "",
    `Budget: ${c.epochs} epochs of ${c.trainSamples} samples, batch ${c.batch}, Adam lr ${c.lr}, ` +
      `${c.seeds} seeds (${c.seed}–${c.seed + c.seeds - 1}), ${c.valSamples} held-out samples, tfjs ${c.engine}. ` +
      "Tiny models on tiny budgets: the numbers are what this run measured, and say something only where the",
    "gap between variants is larger than their spread over seeds. Train times are per run, on a shared",
    `2-core machine; generating the page took ${(total / 1000).toFixed(0)} s of training in all.`,
  ].join("\n");
  const sections = c.runs.map((run) => {
    const entry = doc.runs.find((r) => r.id === run.id);
    return entry ? runSection(run, entry) : `## ${run.title}\n\n(not generated)`;
  });
  return `${reflowMarkdown([head, ...sections].join("\n\n")).trimEnd()}\n`;
}
