import { analyzeMerges } from "@fusegraph/dsl";
import { fenced } from "../markdown.js";
import { comparison, example, refusal, totalsTable } from "../merge-facts.js";

/** DenseNet's concats: add does not fit, and the conv1x1Add alternative's cost. */
export function densenetSection(): string {
  const g = example("densenet121");
  const analysis = analyzeMerges(g);
  const first = analysis[0];
  if (!first) throw new Error("merge report: densenet121 has no merges");
  const c = comparison(g, "all", "conv1x1Add");
  return [
    "## DenseNet: concat where compute is no object",
    "",
    `DenseNet (Huang et al., 2017; \`densenet121\`) joins every layer's ${first.inputs[1]?.shape.at(-1) ?? ""} new channels to all`,
    `earlier ones: ${analysis.length} concats, each read by a 1x1 bottleneck conv that sees every earlier feature`,
    "with its own weights. Nothing is tied, and the widths differ, so add does not even fit:",
    "",
    fenced("text", refusal(g, [first.id], "add")),
    "",
    "The tool's suggestion, conv1x1Add to the new layer's channels, gives a valid but different network",
    "(each merge projects the running map down and adds, so the features no longer accumulate):",
    "",
    totalsTable(c, "concat", "conv1x1Add"),
    "",
    "U-Net's skips and DenseNet's blocks are where concat earns its cost: the inputs are different",
    "features and the layer after the merge should see them separately. Where the inputs are one",
    "feature space (residual streams, FPN levels after projection, a cell state), add says so and",
    "halves the next conv.",
  ].join("\n");
}
