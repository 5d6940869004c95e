import {
  type AffectedLayer,
  analyzeMerges,
  type Graph,
  loadGraph,
  type MergeAnalysis,
  nodeToSpec,
} from "@fusegraph/dsl";
import { percentChange } from "../../commands/compare.js";
import { code, count, fenced, shape, table } from "../markdown.js";
import { comparison, example, refusal } from "../merge-facts.js";

/**
 * One FPN level lifted out of the example: the coarser map already upsampled to the backbone map's
 * size, the merge with the example's own params, and the conv that reads it with its own params.
 */
function fpnLevel(graph: Graph, m: MergeAnalysis, reader: AffectedLayer): Graph {
  const [coarse, lateral] = m.inputs;
  const node = graph.nodes.find((n) => n.id === reader.id);
  if (!coarse || !lateral || !node) throw new Error(`merge report: cannot lift ${m.id}`);
  const [h = 0, w = 0] = lateral.shape;
  const { input: _input, ...conv } = nodeToSpec(node);
  return loadGraph({
    fusegraph: 1,
    name: "fpn-level",
    inputs: { top: [h, w, coarse.shape.at(-1) ?? 0], lateral: [...lateral.shape] },
    nodes: {
      merge: { ...(m.params as Record<string, unknown>), merge: "conv1x1Add", inputs: ["top", "lateral"] },
      out: { ...conv, input: "merge" },
    },
    outputs: ["out"],
  });
}

/** FPN's conv1x1Add merges, why neither add nor concat takes their inputs, and the concat alternative priced. */
export function fpnSection(): string {
  const g = example("fpn-resnet50");
  const analysis = analyzeMerges(g).filter((m) => m.mode === "conv1x1Add");
  const rows = analysis.map((m) => {
    const own = m.modes.find((o) => o.mode === "conv1x1Add");
    if (!own?.feasible) throw new Error(`merge report: ${m.id} is no feasible conv1x1Add`);
    const reader = m.layers[0];
    return [
      code(m.id),
      shape(m.inputs[0]?.shape ?? []),
      shape(m.inputs[1]?.shape ?? []),
      shape(own.output),
      count(own.cost.params),
      count(own.cost.macs),
      reader ? `${code(reader.id)}: ${count(reader.now.params)}` : "-",
    ];
  });
  const lifted = analysis.map((m) => {
    const reader = m.layers[0];
    if (!reader) throw new Error(`merge report: ${m.id} has no conv after it`);
    const level = fpnLevel(g, m, reader);
    const c = comparison(level, ["merge"], "concat");
    return [
      code(m.id),
      count(c.before.params.total),
      count(c.after.params.total),
      count(c.before.macs),
      count(c.after.macs),
      percentChange(c.before.params.total, c.after.params.total),
    ];
  });
  const first = analysis[0];
  if (!first) throw new Error("merge report: fpn-resnet50 has no conv1x1Add");
  return [
    "## FPN: conv1x1Add, add after a 1x1 lateral",
    "",
    "FPN (Lin et al., 2017) builds its top-down pathway by upsampling the coarser pyramid map (nearest,",
    "x2) and adding a 1x1 lateral conv of the backbone map, which brings the backbone's 256 to 2048",
    "channels to the pyramid's 256. After that projection the two maps live in one 256-channel space by",
    "construction (the lateral conv is trained to put its output there), so add is the fitting merge, and",
    "each level's 3x3 output conv reads 256 channels, not 256 + C. fusegraph writes the whole merge as one",
    "node, `conv1x1Add` (project the mismatched input, resize to the larger map, add). In `fpn-resnet50`:",
    "",
    table(
      ["merge", "coarser input", "backbone input", "output", "merge params", "merge MACs", "3x3 conv params"],
      ["l", "l", "l", "l", "r", "r", "r"],
      rows,
    ),
    "",
    "The merge's params are the lateral 1x1 conv (C·256 + 256). Neither plain add nor concat takes these",
    "inputs as they are; the tool says why and what would:",
    "",
    fenced("text", refusal(g, [first.id], "concat")),
    "",
    "To price the concat alternative, each level is lifted out with the coarser map already upsampled,",
    "then its merge switched from conv1x1Add to concat (`compareMerges` on the two-node graph): the 3x3",
    "conv then reads the upsampled map and the raw backbone map side by side.",
    "",
    table(
      ["level", "params (conv1x1Add)", "params (concat)", "MACs (conv1x1Add)", "MACs (concat)", "params %"],
      ["l", "r", "r", "r", "r", "r"],
      lifted,
    ),
    "",
    "By the identity, conv1x1Add (projection W) followed by the 3x3 conv K computes",
    "`conv(up(P), K) + conv(C, W∘K)`: that concat's conv with kernel `[K; W∘K]`, the part that reads the",
    "backbone map factored through the 256-channel projection. The `tiny-fpn-two-ways` sample (`fusegraph check sample:tiny-fpn-two-ways`)",
    "writes one level as `conv1x1Add` and the next spelled out as `conv2d` + `upsample` + `add`.",
  ].join("\n");
}
