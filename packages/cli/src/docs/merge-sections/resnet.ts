import { analyzeMerges } from "@fusegraph/dsl";
import { code, fenced, shape } from "../markdown.js";
import { comparison, example, refusal, totalsTable } from "../merge-facts.js";

/** ResNet's identity adds: why one cannot switch alone, and the cost of switching all. */
export function resnetSection(): string {
  const g = example("resnet50");
  const analysis = analyzeMerges(g);
  const c = comparison(g, "all", "concat");
  const first = analysis[0];
  const last = analysis.at(-1);
  if (!first || !last) throw new Error("merge report: resnet50 has no merges");
  return [
    "## ResNet: the identity add",
    "",
    "A residual block computes `x + F(x)`: F learns an update to x in x's own channels, so channel i of",
    "both inputs is the same feature by construction and the tied prior is exactly right. Add also keeps",
    `the width constant within a stage: \`resnet50\` has ${analysis.length} adds, from ${shape(first.output)} (${code(first.id)})`,
    `to ${shape(last.output)} (${code(last.id)}). Switching one alone breaks the next block, whose add`,
    "expects the old width:",
    "",
    fenced("text", refusal(g, [first.id], "concat")),
    "",
    "Switching all of them gives a valid, different network whose widths grow block by block:",
    "",
    totalsTable(c, "add", "concat"),
  ].join("\n");
}
