import type { Graph, SpecIssue } from "@fusegraph/dsl";
import { writeIssues } from "./commands/check.js";
import type { CommandContext } from "./context.js";
import { writeJson } from "./output.js";
import { issueJson, validateSource } from "./spec-analysis.js";
import { readSpecInput } from "./spec-input.js";

/**
 * Reads and validates `<spec>` for a command that needs a graph. An invalid spec prints its issues
 * (as `check` does, on stderr; with --json as `{ ok: false, file, issues }` on stdout) and gives
 * undefined, for the command to exit 1.
 */
export async function loadValidGraph(
  spec: string,
  ctx: CommandContext,
  json = false,
): Promise<{ graph: Graph; label: string } | undefined> {
  const source = await readSpecInput(spec, ctx.io);
  const result = validateSource(source, ctx.io.cwd, ctx.limits);
  if (!result.ok) {
    reportIssues(
      result.issues,
      source.label,
      ctx,
      json,
      `${source.label} is not a valid spec; see \`fusegraph check\``,
    );
    return undefined;
  }
  if (!json) writeIssues(result.warnings, source.label, ctx, "stderr");
  return { graph: result.graph, label: source.label };
}

/** Issues that stop a command: printed like `check`'s, then one summary line (or JSON). */
export function reportIssues(
  issues: readonly SpecIssue[],
  label: string,
  ctx: CommandContext,
  json: boolean,
  summary: string,
): void {
  if (json) {
    writeJson(ctx.io, { ok: false, file: label, issues: issues.map(issueJson) });
    return;
  }
  writeIssues(issues, label, ctx, "stderr");
  ctx.io.stderr.write(`fusegraph: error: ${summary}\n`);
}
