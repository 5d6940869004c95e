import { analyzeMerges } from "@fusegraph/dsl";
import { percentChange } from "../../commands/compare.js";
import { code, count, shape, signed, table } from "../markdown.js";
import { comparison, example, layerCost, merge } from "../merge-facts.js";

/** CPN: conv1x1Add in GlobalNet and the RefineNet concat, with the cost of switching that concat to add. */
export function cpnSection(): string {
  const g = example("cpn-resnet50");
  const analysis = analyzeMerges(g);
  const top = analysis.filter((m) => m.mode === "conv1x1Add");
  const refine = merge(analysis, "refine/concat");
  const c = comparison(g, [refine.id], "add");
  const first = top[0];
  const params = (first?.params ?? {}) as Record<string, unknown>;
  const setting = ["project", "norm", "resize", "alignCorners", "resizeFirst"]
    .map((k) => `${k}: ${JSON.stringify(params[k])}`)
    .join(", ");
  const rows = refine.layers.map((l) => {
    const cat = layerCost(l, "concat");
    const add = layerCost(l, "add");
    return [code(l.id), count(cat.params), count(add.params), count(cat.macs), count(add.macs)];
  });
  return [
    "## CPN: both merges in one network",
    "",
    `CPN (Chen et al., 2018; \`cpn-resnet50\`) uses both. GlobalNet's top-down pathway is FPN's, with`,
    `${top.length} \`conv1x1Add\` merges set to ${code(setting)}: the coarser map is`,
    "resized first (bilinear) and then projected by a 1x1 conv with batch norm before the add, since",
    "the laterals already have the pyramid's width. RefineNet then upsamples every level to the finest",
    `one and joins them by concat (${code(refine.id)}: ${refine.inputs.length} inputs of`,
    `${shape(refine.inputs[0]?.shape ?? [])} into ${shape(refine.output)}): the levels have been refined by`,
    "different numbers of bottlenecks and mean different things, so the bottleneck after the concat",
    "weighs them separately. With four inputs, add would divide its convs by four:",
    "",
    table(
      ["conv after the concat", "params (concat)", "params (add)", "MACs (concat)", "MACs (add)"],
      ["l", "r", "r", "r", "r"],
      rows,
    ),
    "",
    `Whole network with only that merge switched to add: ${signed(c.delta.params)} params`,
    `(${percentChange(c.before.params.total, c.after.params.total)}), ${signed(c.delta.macs)} MACs`,
    `(${percentChange(c.before.macs, c.after.macs)}).`,
  ].join("\n");
}
