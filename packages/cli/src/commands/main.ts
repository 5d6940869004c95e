import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { formatIssue, type Graph } from "@fusegraph/dsl";
import { listExamples } from "@fusegraph/examples";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { formatCount, formatScaled, Progress, renderTable } from "../output.js";
import { type CostReport, costReport, countIssues, mergeKindsOf, validateSource } from "../spec-analysis.js";
import { listSamples, type SpecSource } from "../spec-input.js";

/** One spec the main job runs: a bundled example or a bundled sample. */
export interface JobSubject {
  name: string;
  origin: "example" | "sample";
  /** Merge modes the example says it uses (checked against the graph). */
  declaredMerges?: readonly string[];
  /** A YAML spec the example ships as equivalent to its builder; checked to give the same graph cost. */
  yamlPath?: string;
  load(): Promise<SpecSource>;
}

/** What the stages learn about a subject; each stage reads what earlier ones left. */
export interface SubjectState {
  readonly subject: JobSubject;
  source?: SpecSource;
  graph?: Graph;
  cost?: CostReport;
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

/** The main job's steps, in order. */
export const mainStages: readonly Stage[] = [checkStage, inspectStage, yamlStage];

/** Every bundled example (full-size spec), then every bundled sample spec. */
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
  const state: SubjectState = { subject, problems: [] };
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
}

/** `fusegraph main`: the job `npm start` runs over every bundled example and sample spec. */
export async function runMain(
  options: MainOptions,
  ctx: CommandContext,
  stages: readonly Stage[] = mainStages,
  subjects?: readonly JobSubject[],
): Promise<ExitCode> {
  const all = subjects ?? (await mainSubjects(ctx.io.cwd));
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
    const r = await runSubject(subject, stages, ctx, (stage) => progress.update(`${tag}: ${stage}…`));
    results.push(r);
    const summary = r.stages.map((x) => `${x.name} ${x.outcome.status}`).join(", ");
    progress.log(`${tag}: ${summary}`);
  }
  progress.end();
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
        ok: !r.failed,
        stages: r.stages.map((x) => ({
          name: x.name,
          status: x.outcome.status,
          detail: x.outcome.detail ?? null,
        })),
        problems: r.state.problems,
      })),
    };
    ctx.io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return failures === 0 ? ExitCode.ok : ExitCode.failed;
  }
  const extra = stages.flatMap((st) => (st.column ? [st.column] : []));
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
    .summary("the job `npm start` runs: check and inspect every bundled example and sample")
    .description(
      "Run the main job over every bundled example and every sample spec: check each one, inspect its\n" +
        "totals, and end with one table (example, merge modes, params, MACs, status).\n" +
        "Fails (exit 1) if any spec fails a step.",
    )
    .option(
      "--json",
      "print the results as JSON: { ok, results: [{ name, merges, params, macs, ok, stages }] }",
    )
    .addHelpText(
      "after",
      ["", "Examples:", "  $ fusegraph main", "  $ npm start            # builds, then runs this"].join("\n"),
    )
    .action(async (options: MainOptions) => done(await runMain(options, ctx())));
}
