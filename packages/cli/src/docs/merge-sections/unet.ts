import { analyzeMerges } from "@fusegraph/dsl";
import { code, count, shape, signed, table } from "../markdown.js";
import { comparison, example, layerCost, totalsTable } from "../merge-facts.js";

/** U-Net's four skip concats switched to add: per-merge and whole-network costs. */
export function unetSection(): string {
  const g = example("unet");
  const analysis = analyzeMerges(g);
  const c = comparison(g, "all", "add");
  const rows = analysis.map((m) => {
    const [layer] = m.layers;
    if (!layer) throw new Error(`merge report: unet merge ${m.id} has no conv after it`);
    const cat = layerCost(layer, "concat");
    const add = layerCost(layer, "add");
    return [
      code(m.id),
      m.inputs.map((i) => shape(i.shape)).join(" + "),
      code(layer.id),
      count(cat.params),
      count(add.params),
      count(cat.macs),
      count(add.macs),
    ];
  });
  const shares = c.merges.map((m) => [
    code(m.id),
    m.paramsDelta === null ? "-" : signed(m.paramsDelta),
    m.macsDelta === null ? "-" : signed(m.macsDelta),
  ]);
  return [
    "## U-Net: the four skip concats switched to add",
    "",
    "U-Net (Ronneberger et al., 2015; the bundled `unet` is the paper's 572x572 configuration) joins",
    "each decoder level's upsampled map with the centre-cropped encoder map of the same level by concat,",
    "and reads the result with two 3x3 convs. The encoder map carries fine localisation, the decoder map",
    "coarse context: different features, which concat lets the first conv weigh separately. Switching the",
    "four skips to add halves that conv's kernel:",
    "",
    table(
      [
        "merge",
        "inputs",
        "first conv after it",
        "params (concat)",
        "params (add)",
        "MACs (concat)",
        "MACs (add)",
      ],
      ["l", "l", "l", "r", "r", "r", "r"],
      rows,
    ),
    "",
    'The whole network, every skip switched (`compareMerges(unet, { all: true }, "add")`):',
    "",
    totalsTable(c, "concat skips", "add skips"),
    "",
    "Each skip's own share (the network's change with only that skip switched):",
    "",
    table(["merge", "params", "MACs"], ["l", "r", "r"], shares),
    "",
    "The deepest skip holds most of the params (its conv reads 1024 channels); the MACs spread evenly,",
    "since each level up has a quarter of the channel pairs and four times the pixels. The add variant is",
    "the same topology with the prior that encoder and decoder channels correspond (LinkNet's choice);",
    'the `unet` builder takes `merge: "add"` to build it.',
  ].join("\n");
}
