import { checkCompilable } from "@fusegraph/backend-tfjs/compilable";
import { formatIssue, type Graph, parseSpec, type SpecIssue } from "@fusegraph/dsl";
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { ExitCode } from "../errors.js";
import { writeJson } from "../output.js";
import { countIssues, issueJson, mergeKindsOf, validateSource } from "../spec-analysis.js";
import { readSpecInput, type SpecSource } from "../spec-input.js";

export interface CheckOptions {
  json?: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Writes each issue as `file:line:col  code  message` with its hint on the next line. */
export function writeIssues(
  issues: readonly SpecIssue[],
  label: string,
  ctx: CommandContext,
  to: "stdout" | "stderr",
): void {
  const w = ctx.io[to];
  for (const i of issues) {
    const text = formatIssue(i, label);
    w.write(`${i.severity === "error" ? ctx.style.red(text) : ctx.style.yellow(text)}\n`);
  }
}

/**
 * What tfjs cannot express in a valid graph (the rules `compile` refuses with, checked without loading
 * tfjs), as warnings naming the backend and the node: the spec is valid and backend-cpu runs it.
 */
export function backendIssues(graph: Graph, source: SpecSource): SpecIssue[] {
  const found = checkCompilable(graph);
  if (found.length === 0) return [];
  const parsed = source.kind === "text" ? parseSpec(source.text, { filename: source.label }) : undefined;
  const locate = parsed?.ok ? parsed.locate : undefined;
  return found.map((c) => ({
    code: "backend_unsupported",
    severity: "warning",
    path: c.path,
    ...locate?.(c.path),
    nodeId: c.nodeId,
    message: `tfjs cannot express node "${c.nodeId}": ${c.message}`,
    hint: c.hint,
  }));
}

/**
 * `fusegraph check <spec>`: validates a spec, then checks that tfjs can express it. Exit 0 when valid (warnings are printed but do not fail),
 * 1 with every issue when not.
 */
export async function runCheck(spec: string, options: CheckOptions, ctx: CommandContext): Promise<ExitCode> {
  const source = await readSpecInput(spec, ctx.io);
  const result = validateSource(source, ctx.io.cwd, ctx.limits);
  const unsupported = result.ok ? backendIssues(result.graph, source) : [];
  const issues = result.ok ? [...result.warnings, ...unsupported] : result.issues;
  const { errors, warnings } = countIssues(issues);
  if (options.json) {
    const body = {
      ok: result.ok,
      file: source.label,
      name: result.ok ? result.graph.name : null,
      errors,
      warnings,
      issues: issues.map(issueJson),
      // Whether `compile` (tfjs) accepts the graph; null when the spec is invalid.
      backends: { tfjs: { ok: result.ok ? unsupported.length === 0 : null } },
    };
    writeJson(ctx.io, body);
    return result.ok ? ExitCode.ok : ExitCode.failed;
  }
  writeIssues(issues, source.label, ctx, "stdout");
  const counts = `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  if (!result.ok) {
    ctx.io.stdout.write(`${ctx.style.red("invalid")}  ${source.label}: ${counts}\n`);
    return ExitCode.failed;
  }
  const g = result.graph;
  const merges = mergeKindsOf(g);
  const what = `"${g.name}": ${plural(g.nodes.length, "node")}, merges: ${merges.length > 0 ? merges.join(", ") : "none"}`;
  ctx.io.stdout.write(
    `${ctx.style.green("ok")}  ${source.label}  ${what}${warnings > 0 ? ` (${plural(warnings, "warning")})` : ""}\n`,
  );
  return ExitCode.ok;
}

export function registerCheck(
  program: Command,
  ctx: () => CommandContext,
  done: (code: ExitCode) => void,
): void {
  program
    .command("check")
    .summary("validate a spec: structure, params, references and shapes")
    .description(
      "Validate a spec: its structure, every node's params, references, cycles and shapes.\n" +
        "Each problem is printed as `file:line:col  code  message` with a hint on the next line.\n" +
        "Warnings (e.g. unused nodes) are printed but do not fail the check; so are nodes tfjs cannot\n" +
        "express (backend_unsupported: `compile` refuses them, backend-cpu runs them).",
    )
    .argument("<spec>", "a spec file (.yaml or .json), - for standard input, or a bundled example name")
    .option(
      "--json",
      "print the result as JSON: { ok, issues: [{ code, severity, path, line, column, nodeId, message, hint }], backends: { tfjs: { ok } } }",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ fusegraph check model.yaml",
        "  $ fusegraph check tiny-unet               # a bundled sample or example by name",
        "  $ cat model.json | fusegraph check - --json",
        "",
        "Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error.",
      ].join("\n"),
    )
    .action(async (spec: string, options: CheckOptions) => done(await runCheck(spec, options, ctx())));
}
