import { readFile, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  compareMerges,
  formatIssue,
  type Graph,
  initWeights,
  isMergeKind,
  type MergeComparison,
  type MergeKind,
  trySwitch,
  type WeightMap,
} from "@fusegraph/dsl";
import { makeDirs } from "@fusegraph/dsl/node";
import { listExamples } from "@fusegraph/examples";
import type { Command } from "commander";
import { type LayersModel, loadTfjs } from "../backends.js";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { parseList } from "../options.js";
import { formatCount, formatScaled, Progress, renderTable, writeJson } from "../output.js";
import { renderGraph } from "../render/index.js";
import { type CostReport, costReport, countIssues, mergeKindsOf, validateSource } from "../spec-analysis.js";
import { listSamples, type SpecSource } from "../spec-input.js";
import { describeNonFinite, type VerifyReport, verifyGraph } from "../verify.js";
import { compareJson, renderComparison } from "./compare.js";
import { formatError } from "./verify.js";

/**
 * Where a subject's outputs go under the out dir: examples by name (`out/<name>/`, `out/<name>.svg`),
 * samples as `sample-<name>` so a sample never overwrites the example of the same name.
 */
export function outputName(subject: Pick<JobSubject, "name" | "origin">): string {
  return subject.origin === "sample" ? `sample-${subject.name}` : subject.name;
}

/** One spec the main job runs: a bundled example or a bundled sample. */
export interface JobSubject {
  name: string;
  origin: "example" | "sample";
  /** Merge modes the example says it uses (checked against the graph). */
  declaredMerges?: readonly string[];
  /** A YAML spec the example ships as equivalent to its builder; checked to give the same graph cost. */
  yamlPath?: string;
  load(): Promise<SpecSource>;
  /**
   * The same topology at a small input (an example's smallSpec()), which compile and verify use to stay
   * fast; without it they use the spec itself.
   */
  loadSmall?(): Promise<SpecSource>;
}

/** What the stages learn about a subject; each stage reads what earlier ones left. */
export interface SubjectState {
  readonly subject: JobSubject;
  source?: SpecSource;
  graph?: Graph;
  cost?: CostReport;
  /** The graph compile and verify run (the small spec's, or the graph itself). */
  small?: Graph;
  /** Weights of `small`, shared by compile and verify; dropped when the subject is done. */
  weights?: WeightMap;
  /** The tfjs model compile built, reused by verify; disposed when the subject is done. */
  model?: LayersModel;
  verify?: VerifyReport;
  /** Files the job wrote for this subject, relative to the working directory. */
  files: string[];
  /** Bytes of the compiled model's float32 weights, and whether the model was written to the out dir. */
  saved?: { weightBytes: number; written: boolean; dir: string };
  /** Lines printed after the table: issues, warnings, what failed and why. */
  problems: string[];
}

export type StageStatus = "ok" | "warning" | "failed" | "skipped";

export interface StageOutcome {
  status: StageStatus;
  /** One short line for the status column (e.g. "2 errors"). */
  detail?: string;
}

/**
 * One step of the main job, run for every subject in order. Extension point: compile (tfjs),
 * verify (cpu vs tfjs), draw and compare become stages appended to {@link mainStages}; a stage after
 * a failed one is skipped for that subject.
 */
export interface Stage {
  name: string;
  run(state: SubjectState, ctx: CommandContext): Promise<StageOutcome>;
  /** A column this stage adds to the final table, before Status (e.g. verify's max error). */
  column?: { header: string; align?: "left" | "right"; cell(state: SubjectState): string };
}

export const checkStage: Stage = {
  name: "check",
  async run(state) {
    const source = await state.subject.load();
    state.source = source;
    const result = validateSource(source);
    if (!result.ok) {
      for (const i of result.issues) state.problems.push(formatIssue(i, source.label));
      const { errors } = countIssues(result.issues);
      return { status: "failed", detail: `${errors} error${errors === 1 ? "" : "s"}` };
    }
    state.graph = result.graph;
    for (const w of result.warnings) state.problems.push(formatIssue(w, source.label));
    const declared = state.subject.declaredMerges;
    if (declared) {
      const used = mergeKindsOf(result.graph);
      const same = declared.length === used.length && declared.every((k) => used.includes(k));
      if (!same) {
        state.problems.push(
          `${source.label}: declares merges [${declared.join(", ")}] but its graph uses [${used.join(", ")}]`,
        );
        return { status: "warning", detail: "merges differ from declared" };
      }
    }
    return result.warnings.length > 0
      ? {
          status: "warning",
          detail: `${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"}`,
        }
      : { status: "ok" };
  },
};

export const inspectStage: Stage = {
  name: "inspect",
  async run(state) {
    if (!state.graph) return { status: "skipped", detail: "no graph" };
    state.cost = costReport(state.graph);
    return { status: "ok" };
  },
};

/** An example's shipped YAML must describe the same model as its builder: same params and MACs. */
export const yamlStage: Stage = {
  name: "yaml",
  async run(state, ctx) {
    const path = state.subject.yamlPath;
    if (!path) return { status: "skipped", detail: "no YAML spec" };
    if (!state.cost) return { status: "skipped", detail: "no cost" };
    const label = relative(ctx.io.cwd, path);
    const result = validateSource({
      kind: "text",
      label,
      origin: "file",
      text: await readFile(path, "utf8"),
      importOrigin: { filename: path },
    });
    if (!result.ok) {
      for (const i of result.issues) state.problems.push(formatIssue(i, label));
      return { status: "failed", detail: `${label} is invalid` };
    }
    const yaml = costReport(result.graph);
    const built = state.cost;
    if (yaml.params.total !== built.params.total || yaml.macs !== built.macs) {
      state.problems.push(
        `${label}: ${formatCount(yaml.params.total)} params and ${formatCount(yaml.macs)} MACs, ` +
          `but the builder gives ${formatCount(built.params.total)} and ${formatCount(built.macs)}`,
      );
      return { status: "failed", detail: "YAML differs from builder" };
    }
    return { status: "ok" };
  },
};

/** The analysis steps: check, inspect, and an example's YAML twin against its builder. */
export const mainStages: readonly Stage[] = [checkStage, inspectStage, yamlStage];

/** Seed of the weights and inputs the main job compiles and verifies with. */
export const MAIN_SEED = 0;

/** The small graph of a subject: its smallSpec() when it has one, else the checked graph. */
async function smallGraph(state: SubjectState): Promise<Graph | undefined> {
  if (state.small) return state.small;
  const load = state.subject.loadSmall;
  if (!load) {
    state.small = state.graph;
    return state.small;
  }
  const source = await load();
  const result = validateSource(source);
  if (!result.ok) {
    for (const i of result.issues) state.problems.push(formatIssue(i, `${source.label} (small)`));
    return undefined;
  }
  state.small = result.graph;
  return state.small;
}

/** The input shape compile and verify ran at, for the table: `64x64x3 (small)`. */
function inputCell(state: SubjectState): string {
  const g = state.small;
  if (!g) return "-";
  const shapes = g.inputs.map((i) => i.shape.join("x"));
  const full = state.graph?.inputs.map((i) => i.shape.join("x")) ?? [];
  const text = shapes.length > 2 ? `${shapes.length} inputs` : shapes.join(", ");
  return shapes.join(" ") === full.join(" ") ? text : `${text} (small)`;
}

/**
 * Weights a model may have for the job to write it without `--full-weights`: the samples, the LSTMs
 * and tiny-fpn fit; every full-width example is bigger (resnet152 alone is 231 MiB, all of them ~1.2 GB).
 */
export const MAIN_WEIGHTS_LIMIT_BYTES = 4 * 2 ** 20;

function weightBytes(weights: WeightMap): number {
  let bytes = 0;
  for (const t of weights.values()) bytes += t.data.byteLength;
  return bytes;
}

/**
 * Compiles the small graph to tfjs (in memory, for verify) and writes `<outDir>/<name>/` (model.json +
 * weights.bin) when its weights are within {@link MAIN_WEIGHTS_LIMIT_BYTES}, or for every model with
 * `fullWeights`.
 */
export function compileStage(outDir: string, fullWeights = false): Stage {
  return {
    name: "compile",
    column: { header: "Compiled at", cell: inputCell },
    async run(state, ctx) {
      if (!state.graph) return { status: "skipped", detail: "no graph" };
      const graph = await smallGraph(state);
      if (!graph) return { status: "failed", detail: "small spec is invalid" };
      const tfjs = await loadTfjs("wasm");
      state.weights = initWeights(graph, { seed: MAIN_SEED });
      state.model = tfjs.compile(graph, { weights: state.weights });
      const dir = resolve(ctx.io.cwd, outDir, outputName(state.subject));
      const shown = relative(ctx.io.cwd, dir);
      const bytes = weightBytes(state.weights);
      const written = fullWeights || bytes <= MAIN_WEIGHTS_LIMIT_BYTES;
      state.saved = { weightBytes: bytes, written, dir: shownPath(ctx.io.cwd, dir) };
      if (!written) return { status: "ok" };
      // NOTE: out/ is the job's own output, rewritten on every run, so an existing model is replaced.
      await tfjs.saveModel(state.model, dir, { overwrite: true });
      state.files.push(join(shown, tfjs.MODEL_JSON), join(shown, tfjs.WEIGHTS_BIN));
      return { status: "ok" };
    },
  };
}

/** Runs backend-cpu and the compiled tfjs model on the same seeded inputs; fails above 1e-4 relative. */
export const verifyStage: Stage = {
  name: "verify",
  column: {
    header: "Verify max err",
    align: "right",
    cell: (state) => (state.verify ? formatError(state.verify.maxRelError) : "-"),
  },
  async run(state) {
    const graph = state.small;
    if (!graph || !state.weights) return { status: "skipped", detail: "not compiled" };
    const report = await verifyGraph(graph, {
      seed: MAIN_SEED,
      weights: state.weights,
      ...(state.model ? { model: state.model } : {}),
    });
    state.verify = report;
    if (report.ok) return { status: "ok" };
    // NOTE: `!(x <= tolerance)` so an unmeasurable (NaN) error is listed too.
    for (const o of report.outputs.filter((x) => !(x.maxRelError <= report.tolerance))) {
      state.problems.push(
        `${state.subject.name}: ${
          describeNonFinite(o) ??
          `output "${o.id}" differs between cpu and tfjs by ${formatError(o.maxAbsError)} ` +
            `(relative ${formatError(o.maxRelError)}, tolerance ${report.tolerance})`
        }`,
      );
    }
    return { status: "failed", detail: `max relative error ${formatError(report.maxRelError)}` };
  },
};

/** Draws the (full-size) graph as `<outDir>/<name>.svg`. */
export function drawStage(outDir: string): Stage {
  return {
    name: "draw",
    async run(state, ctx) {
      if (!state.graph) return { status: "skipped", detail: "no graph" };
      const svg = await renderGraph(state.graph, { format: "svg" });
      const path = resolve(ctx.io.cwd, outDir, `${outputName(state.subject)}.svg`);
      await makeDirs(resolve(ctx.io.cwd, outDir));
      await writeFile(path, svg);
      state.files.push(relative(ctx.io.cwd, path));
      return { status: "ok" };
    },
  };
}

/** Every step of `fusegraph main`, in order. */
export function jobStages(outDir: string, fullWeights = false): Stage[] {
  return [...mainStages, compileStage(outDir, fullWeights), verifyStage, drawStage(outDir)];
}

/** Frees what a subject's stages held (tfjs model, weights) once its row is done. */
function release(state: SubjectState): void {
  state.model?.dispose();
  delete state.model;
  delete state.weights;
}

/** The examples whose merges the job compares, and the modes it tries (every merge switched). */
export const COMPARE_SUBJECTS: readonly { name: string; modes: readonly MergeKind[] }[] = [
  { name: "unet", modes: ["add", "concat"] },
  { name: "fpn-resnet50", modes: ["concat", "add"] },
];

export interface ComparisonResult {
  name: string;
  mode: MergeKind;
  /** Which merges were switched: every one, or (when that is infeasible) each that can switch alone. */
  scope: "all" | "feasible";
  /** Merges of the graph not in `mode` already, and how many of them were switched. */
  candidates: number;
  /** Null when not even one merge can switch; `reason` says why. */
  comparison: MergeComparison | null;
  reason?: string;
}

/**
 * Every merge of the graph switched to `mode`; when that is infeasible (a merge's inputs do not fit, or a
 * switch breaks a later merge), the merges that can switch on their own, switched together.
 */
export function compareAllOrFeasible(graph: Graph, mode: MergeKind): Omit<ComparisonResult, "name"> {
  const candidates = graph.nodes.filter((n) => isMergeKind(n.kind) && n.kind !== mode).map((n) => n.id);
  const all = compareMerges(graph, { all: true }, mode);
  if (all.ok) return { mode, scope: "all", candidates: candidates.length, comparison: all.comparison };
  const reason = all.issues[0]?.message ?? "infeasible";
  const alone = candidates.filter((id) => trySwitch(graph, { ids: [id] }, mode).ok);
  const some = alone.length > 0 ? compareMerges(graph, { ids: alone }, mode) : undefined;
  return some?.ok
    ? { mode, scope: "feasible", candidates: candidates.length, comparison: some.comparison, reason }
    : { mode, scope: "feasible", candidates: candidates.length, comparison: null, reason };
}

/** The compare tables of the job: each compared example in each mode that changes anything. */
export function mainComparisons(results: readonly SubjectResult[]): ComparisonResult[] {
  const out: ComparisonResult[] = [];
  for (const { name, modes } of COMPARE_SUBJECTS) {
    const graph = results.find((r) => r.state.subject.name === name)?.state.graph;
    if (!graph) continue;
    for (const mode of modes) {
      const c = compareAllOrFeasible(graph, mode);
      if (c.candidates === 0) continue;
      out.push({ name, ...c });
    }
  }
  return out;
}

/** Every bundled example (full-size spec, small spec for compile and verify), then every sample spec. */
export async function mainSubjects(cwd: string): Promise<JobSubject[]> {
  const examples = listExamples().map(
    (e): JobSubject => ({
      name: e.name,
      origin: "example",
      declaredMerges: e.merges,
      ...(e.yamlPath ? { yamlPath: e.yamlPath } : {}),
      load: async () => ({
        kind: "document",
        label: `example:${e.name}`,
        origin: "example",
        document: e.spec(),
      }),
      loadSmall: async () => ({
        kind: "document",
        label: `example:${e.name}`,
        origin: "example",
        document: e.smallSpec(),
      }),
    }),
  );
  const samples = (await listSamples()).map(
    (s): JobSubject => ({
      name: s.name,
      origin: "sample",
      load: async () => ({
        kind: "text",
        label: relative(cwd, s.path),
        origin: "sample",
        text: await readFile(s.path, "utf8"),
      }),
    }),
  );
  return [...examples, ...samples];
}

export interface SubjectResult {
  state: SubjectState;
  stages: { name: string; outcome: StageOutcome }[];
  failed: boolean;
}

/** Runs the stages over one subject; a thrown error fails that stage only, and later stages are skipped. */
export async function runSubject(
  subject: JobSubject,
  stages: readonly Stage[],
  ctx: CommandContext,
  onStage: (stage: string) => void = () => {},
): Promise<SubjectResult> {
  const state: SubjectState = { subject, files: [], problems: [] };
  const done: SubjectResult["stages"] = [];
  let failed = false;
  for (const stage of stages) {
    if (failed) {
      done.push({ name: stage.name, outcome: { status: "skipped" } });
      continue;
    }
    onStage(stage.name);
    let outcome: StageOutcome;
    try {
      outcome = await stage.run(state, ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      state.problems.push(`${subject.name}: ${stage.name} threw: ${message}`);
      if (ctx.debug && err instanceof Error && err.stack) state.problems.push(err.stack);
      outcome = { status: "failed", detail: message.split("\n")[0] };
    }
    done.push({ name: stage.name, outcome });
    if (outcome.status === "failed") failed = true;
  }
  return { state, stages: done, failed };
}

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

export interface MainOptions {
  json?: boolean;
  /** Where compile and draw write (default `out`, relative to the working directory). */
  outDir?: string;
  /** Run only these subjects (example or sample names). */
  only?: string[];
  /** Also write the models whose weights exceed {@link MAIN_WEIGHTS_LIMIT_BYTES}. */
  fullWeights?: boolean;
}

/** A path as the report shows it: relative to the working directory when inside it, else absolute. */
function shownPath(cwd: string, path: string): string {
  const r = relative(cwd, path);
  return r.startsWith("..") || isAbsolute(r) ? path : r || ".";
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

/** `fusegraph main`: the job `npm start` runs over every bundled example and sample spec. */
export async function runMain(
  options: MainOptions,
  ctx: CommandContext,
  stages?: readonly Stage[],
  subjects?: readonly JobSubject[],
): Promise<ExitCode> {
  const outDir = options.outDir ?? "out";
  const steps = stages ?? jobStages(outDir, options.fullWeights === true);
  let all = subjects ?? (await mainSubjects(ctx.io.cwd));
  if (options.only) {
    const names = all.map((s) => s.name);
    const unknown = options.only.filter((n) => !names.includes(n));
    if (unknown.length > 0) {
      throw new UsageError(
        `--only: no example or sample named ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${names.join(", ")})`,
      );
    }
    all = all.filter((s) => options.only?.includes(s.name));
  }
  if (all.length === 0) {
    ctx.io.stderr.write("fusegraph: error: no bundled examples or sample specs were found\n");
    return ExitCode.failed;
  }
  // NOTE: with --json stdout carries only the JSON, so plain-mode progress lines are not logged.
  const progress = new Progress(
    options.json ? { stdout: { write: () => {} }, stderr: ctx.io.stderr } : ctx.io,
    ctx.style,
  );
  const results: SubjectResult[] = [];
  for (const [k, subject] of all.entries()) {
    const tag = `[${k + 1}/${all.length}] ${subject.name}`;
    const r = await runSubject(subject, steps, ctx, (stage) => progress.update(`${tag}: ${stage}…`));
    release(r.state);
    results.push(r);
    const summary = r.stages.map((x) => `${x.name} ${x.outcome.status}`).join(", ");
    progress.log(`${tag}: ${summary}`);
  }
  progress.end();
  const comparisons = mainComparisons(results);
  const failures = results.filter((r) => r.failed).length;
  if (options.json) {
    const body = {
      ok: failures === 0,
      results: results.map((r) => ({
        name: r.state.subject.name,
        origin: r.state.subject.origin,
        merges: r.state.graph ? mergeKindsOf(r.state.graph) : [...(r.state.subject.declaredMerges ?? [])],
        params: r.state.cost?.params ?? null,
        macs: r.state.cost?.macs ?? null,
        flops: r.state.cost?.flops ?? null,
        compiledAt: r.state.small
          ? r.state.small.inputs.map((i) => ({ id: i.id, shape: [...i.shape] }))
          : null,
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
    writeJson(ctx.io, body);
    return failures === 0 ? ExitCode.ok : ExitCode.failed;
  }
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
  const line = `${all.length} specs: ${all.length - failures} ok, ${failures} failed`;
  ctx.io.stdout.write(`\n${failures === 0 ? ctx.style.green(line) : ctx.style.red(line)}\n`);
  return failures === 0 ? ExitCode.ok : ExitCode.failed;
}

export function registerMain(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("main")
    .summary("the job `npm start` runs: check, inspect, compile, verify and draw every example")
    .description(
      "Run the main job over every bundled example and every sample spec: check each one (an example's\n" +
        "YAML twin must match its builder), inspect its totals, compile it to tfjs into <out-dir>/<name>/\n" +
        "(model.json + weights.bin) at the example's small input size (smallSpec(): same layers, small input,\n" +
        "to keep the job fast), verify backend-cpu against tfjs on that model, and draw <out-dir>/<name>.svg.\n" +
        "Models with up to 4 MiB of weights (the samples, tiny-fpn, the LSTMs) are written; bigger ones are\n" +
        "compiled and verified in memory only, unless --full-weights (all examples: ~1.2 GB of random weights).\n" +
        "Ends with one table (example, merge modes, params, MACs, compiled input, verify max error, status),\n" +
        "the list of every model directory and drawing it wrote (and the models it did not write), and the\n" +
        "compare tables of U-Net and FPN with every merge switched to concat / add where feasible.\n" +
        "Progress is shown on stderr in a terminal and logged as plain lines when piped or with CI set.\n" +
        "Fails (exit 1) if any spec fails a step.",
    )
    .option(
      "--json",
      "print the results as JSON: { ok, results: [{ name, merges, params, macs, verify, files, weights: { bytes, written }, ok, stages }], comparisons }",
    )
    .option("--out-dir <dir>", "where models and drawings are written", "out")
    .option("--only <names>", "run only these examples or samples (comma-separated)", parseList)
    .option(
      "--full-weights",
      "also write the models with more than 4 MiB of weights (~1.2 GB for all examples)",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph main                         # long: every example, a few minutes",
        "  $ npm start                              # builds, then runs this",
        "  $ fusegraph main --only unet,tiny-hed --out-dir out-small",
        "  $ fusegraph main --only resnet18 --full-weights   # writes out/resnet18/ with its 45 MiB of weights",
        "",
        "Exit codes: 0 every step passed, 1 a step failed for some spec, 2 usage error.",
      ].join("\n"),
    )
    .action(async (options: MainOptions) => done(await runMain(options, ctx())));
}
