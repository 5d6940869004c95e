import { analyzeMerges, type Graph, graphCost, loadGraph, type MergeAnalysis } from "@fusegraph/dsl";
import { code, count, shape, table } from "../markdown.js";
import { example, merge } from "../merge-facts.js";

/** HED's fusion written as the paper writes it: concat of the side outputs, then a 1x1 conv to one map. */
function hedAsConcat(m: MergeAnalysis): Graph {
  const inputs: Record<string, number[]> = {};
  m.inputs.forEach((i, k) => {
    inputs[`side${k + 1}`] = [...i.shape];
  });
  return loadGraph({
    fusegraph: 1,
    name: "hed-fuse-as-concat",
    inputs,
    nodes: {
      cat: { merge: "concat", inputs: Object.keys(inputs) },
      fuse: { op: "conv2d", input: "cat", filters: 1, kernelSize: 1 },
    },
    outputs: ["fuse"],
  });
}

/** HED's learned weightedAdd fusion, against the paper's concat + 1x1 conv. */
export function hedSection(): string {
  const g = example("hed");
  const fuse = merge(analyzeMerges(g), "fuse");
  const params = fuse.params as { init?: unknown; bias?: unknown; normalize?: unknown };
  const rows = fuse.modes.map((o) => [
    o.mode === fuse.mode ? `**${o.mode}** (as built)` : o.mode,
    o.feasible ? count(o.cost.params) : "-",
    o.feasible ? count(o.cost.macs) : "-",
    o.feasible ? shape(o.output) : "does not fit",
  ]);
  const paperCost = graphCost(hedAsConcat(fuse)).total;
  const own = fuse.modes.find((o) => o.mode === "weightedAdd");
  if (!own?.feasible) throw new Error("merge report: HED's fuse is no feasible weightedAdd");
  return [
    "## HED: a learned weighted add",
    "",
    `HED (Xie & Tu, 2015; \`hed\`) predicts an edge map from each of VGG16's five stages, upsamples the`,
    `side outputs to the image (${fuse.inputs.length} maps of ${shape(fuse.inputs[0]?.shape ?? [])}) and fuses them`,
    "with one learned weight per side output plus a bias. Each side output is supervised by the edge",
    "labels, and so is the fused map: the fusion learns from the labels how much to trust each scale.",
    `In fusegraph that is \`weightedAdd\` with ${code(`init: ${JSON.stringify(params.init)}`)} (1/5: the`,
    `fused map starts as the mean of the sides), ${code(`bias: ${JSON.stringify(params.bias)}`)} and`,
    `${code(`normalize: ${JSON.stringify(params.normalize)}`)}. The merge in each mode:`,
    "",
    table(["mode", "params", "MACs", "output"], ["l", "r", "r", "l"], rows),
    "",
    "The paper writes the fusion as a 1x1 conv over the concatenated side outputs. With one channel per",
    "input that is the same function: the conv's kernel holds one weight per input, plus its bias. As a",
    `graph (concat, then \`conv2d\` 1x1 to 1 filter): ${count(paperCost.params.total)} params and`,
    `${count(paperCost.macs)} MACs: the weightedAdd's ${count(own.cost.params)} params, without materialising the`,
    "concatenated map. Plain add would fix the weights",
    "at 1; concat alone leaves five maps where the loss needs one.",
  ].join("\n");
}
