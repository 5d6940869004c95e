import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { formatIssue } from "@fusegraph/dsl";
import { formatCount } from "../output.js";
import { costReport, countIssues, mergeKindsOf, validateSource } from "../spec-analysis.js";
import type { Stage } from "./stage.js";

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
