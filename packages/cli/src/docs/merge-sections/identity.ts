import { loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import { code, count, fenced, shape, signed, table } from "../markdown.js";
import { nodeShape, switched } from "../merge-facts.js";

/** Two [14,14,256] maps merged, then a 3x3 conv to 256: the textbook case. */
const ADD_THEN_CONV: SpecDocumentInput = {
  fusegraph: 1,
  name: "add-then-conv",
  inputs: { x1: [14, 14, 256], x2: [14, 14, 256] },
  nodes: {
    sum: { merge: "add", inputs: ["x1", "x2"] },
    conv: { op: "conv2d", input: "sum", filters: 256, kernelSize: 3, padding: "same" },
  },
  outputs: ["conv"],
};

/** The identity add = concat + tied conv kernel, with its figures on a textbook add-then-conv. */
export function identitySection(): string {
  const g = loadGraph(ADD_THEN_CONV);
  const r = switched(g, "all", "concat");
  const c = r.comparison;
  return [
    "## The identity",
    "",
    "A convolution is linear in its input channels. Split the kernel of a conv that reads",
    "`concat(x1, x2)` (each with C channels) into the half that sees x1 and the half that sees x2,",
    "`[K1; K2]`, and the conv is the sum of two convs:",
    "",
    fenced("text", "conv(concat(x1, x2), [K1; K2]) = conv(x1, K1) + conv(x2, K2)"),
    "",
    "Tie the halves, K1 = K2 = K, and the right side is `conv(x1 + x2, K)`:",
    "",
    fenced("text", "conv(x1 + x2, K) = conv(concat(x1, x2), [K; K])"),
    "",
    "So **add is concat followed by a conv whose kernel is tied across corresponding channels**",
    "(K_i = K_{i+C}: input channel i and input channel i + C get the same weights). Said the other way,",
    "add is a prior on the conv after a concat: channel i of x1 and channel i of x2 mean the same thing,",
    "so they may share weights. The prior costs nothing to state and halves (with n inputs: divides by",
    "n) the kernel params and MACs of every conv or dense layer that reads the merge. It fits where the",
    "inputs live in one feature space: a residual stream and its update, an upsampled coarse map and a",
    "lateral map projected to the same width. It does not fit where the inputs are different kinds of",
    "features, such as U-Net's encoder detail and decoder context, and the next conv should weigh them",
    "separately: that is what concat buys, at the price of the wider conv.",
    "",
    `The figures, as \`compareMerges\` computes them for two ${shape(ADD_THEN_CONV.inputs.x1 ?? [])} maps`,
    `merged and read by a 3x3 conv with 256 filters (${code("padding: same")}):`,
    "",
    table(
      ["merge", "conv input", "conv params", "conv MACs"],
      ["l", "l", "r", "r"],
      [
        ["add", shape(nodeShape(g, "sum")), count(c.before.params.total), count(c.before.macs)],
        ["concat", shape(nodeShape(r.graph, "sum")), count(c.after.params.total), count(c.after.macs)],
      ],
    ),
    "",
    `The kernel grows from 3·3·256·256 to 3·3·512·256 weights; the 256 biases stay (${signed(c.delta.params)}`,
    `params, ${signed(c.delta.macs)} MACs). \`fusegraph equivalence\` checks the identity numerically: it`,
    "rewrites an add into a concat whose next kernel is the stacked `[K; K]` (`addToConcat`) and runs both",
    "graphs on both backends; see [Check it yourself](#check-it-yourself).",
  ].join("\n");
}
