import { fileURLToPath } from "node:url";
import {
  type AffectedLayer,
  analyzeMerges,
  compareMerges,
  formatShape,
  type Graph,
  graphCost,
  loadGraph,
  type MergeAnalysis,
  type MergeComparison,
  type MergeKind,
  nodeToSpec,
  type SpecDocumentInput,
} from "@fusegraph/dsl";
import { findExample } from "@fusegraph/examples";
import { type CompareOptions, percentChange, runCompare } from "../commands/compare.js";
import { type EquivalenceOptions, runEquivalence } from "../commands/equivalence.js";
import type { CommandContext } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { type CliIO, formatCount, makeStyle } from "../output.js";

/**
 * docs/add-vs-concat.md, generated: every figure comes from the merge analysis (analyzeMerges,
 * compareMerges, graphCost) run on the bundled examples, and the "check it yourself" outputs are real
 * runs of `fusegraph compare` and `fusegraph equivalence`. Deterministic (no dates or timings; the
 * equivalence run uses tfjs's plain-JS runtime), so a test can hold the committed page to it.
 */

/** The command that rewrites the committed page; quoted in its header and in the test's message. */
export const MERGE_REPORT_COMMAND =
  "npm run build && node packages/cli/dist/main.js docs merges --out docs/add-vs-concat.md";
/** Where the page lives, relative to the repository root. */
export const MERGE_REPORT_PATH = "docs/add-vs-concat.md";

// ---------------------------------------------------------------------------------------------------
// Markdown helpers

type Align = "l" | "r";

/** A markdown table with its columns padded, as biome's markdown formatter lays them out. */
function table(headers: readonly string[], align: readonly Align[], rows: readonly (readonly string[])[]) {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const pad = (cell: string, i: number): string =>
    align[i] === "r" ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]): string =>
    `| ${headers.map((_, i) => pad(cells[i] ?? "", i)).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

const code = (s: string): string => `\`${s}\``;
const count = (n: number): string => formatCount(n);
const shape = (s: readonly number[]): string => code(formatShape(s));

/** -3,133,440 / +589,824 / 0 (ASCII minus, as the CLI prints it) */
function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n < 0 ? `-${count(-n)}` : "0";
}

/**
 * Greedy word wrap of one paragraph at `width` columns (a word longer than that gets its own line; a
 * lone `+` or `-` stays at the end of its line).
 */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    // NOTE: a line starting with `+ `, `- `, `1. `, `> ` or `# ` would turn into a list, quote or heading.
    const marker = /^([-+*>#]|\d+[.)])$/.test(word);
    if (line !== "" && line.length + 1 + word.length > width && !marker) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/**
 * Re-wraps prose paragraphs at `width` columns so figures interpolated into sentences leave no ragged
 * lines; fenced blocks, tables, headings and comments are kept as they are.
 */
export function reflowMarkdown(markdown: string, width = 100): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let fence = false;
  let comment = false;
  const flush = () => {
    if (paragraph.length > 0) out.push(...wrap(paragraph.join(" "), width));
    paragraph = [];
  };
  for (const line of markdown.split("\n")) {
    if (fence || comment) {
      out.push(line);
      if (fence && line.startsWith("```")) fence = false;
      if (comment && line.includes("-->")) comment = false;
    } else if (line.startsWith("```")) {
      flush();
      out.push(line);
      fence = true;
    } else if (line.startsWith("<!--")) {
      flush();
      out.push(line);
      comment = !line.includes("-->");
    } else if (line.trim() === "" || line.startsWith("|") || line.startsWith("#")) {
      flush();
      out.push(line);
    } else paragraph.push(line.trim());
  }
  flush();
  return out.join("\n");
}

function fenced(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body.trimEnd()}\n\`\`\``;
}

// ---------------------------------------------------------------------------------------------------
// Analysis helpers

function example(name: string): Graph {
  const e = findExample(name);
  if (!e) throw new Error(`merge report: no bundled example "${name}"`);
  return loadGraph(e.spec());
}

function switched(graph: Graph, ids: readonly string[] | "all", mode: MergeKind) {
  const r = compareMerges(graph, ids === "all" ? { all: true } : { ids }, mode);
  if (!r.ok) {
    throw new Error(`merge report: switching ${graph.name} to ${mode} failed: ${r.issues[0]?.message ?? ""}`);
  }
  return r;
}

function comparison(graph: Graph, ids: readonly string[] | "all", mode: MergeKind): MergeComparison {
  return switched(graph, ids, mode).comparison;
}

function nodeShape(graph: Graph, id: string): readonly number[] {
  const n = graph.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`merge report: no node "${id}" in ${graph.name}`);
  return n.shape;
}

/** The first issue the tool gives for a switch that does not fit (message, then hint). */
function refusal(graph: Graph, ids: readonly string[] | "all", mode: MergeKind): string {
  const r = compareMerges(graph, ids === "all" ? { all: true } : { ids }, mode);
  if (r.ok) throw new Error(`merge report: expected switching ${graph.name} to ${mode} to fail`);
  const first = r.issues[0];
  if (!first) throw new Error("merge report: a failed switch without issues");
  return first.hint ? `${first.message}\n  hint: ${first.hint}` : first.message;
}

function merge(analysis: readonly MergeAnalysis[], id: string): MergeAnalysis {
  const m = analysis.find((a) => a.id === id);
  if (!m) throw new Error(`merge report: no merge "${id}"`);
  return m;
}

function layerCost(layer: AffectedLayer, mode: MergeKind): { params: number; macs: number } {
  const c = layer.byMode[mode];
  if (!c) throw new Error(`merge report: ${layer.id} has no cost in mode ${mode}`);
  return c;
}

/** Before/after/change/% rows of a comparison's totals. */
function totalsTable(c: MergeComparison, before: string, after: string): string {
  const row = (label: string, b: number, a: number, fmt: (n: number) => string = count) => [
    label,
    fmt(b),
    fmt(a),
    signed(a - b),
    percentChange(b, a),
  ];
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return table(
    ["", before, after, "change", "%"],
    ["l", "r", "r", "r", "r"],
    [
      row("params", c.before.params.total, c.after.params.total),
      row("MACs", c.before.macs, c.after.macs),
      [
        "activation memory",
        mib(c.before.activations.bytes),
        mib(c.after.activations.bytes),
        "",
        percentChange(c.before.activations.bytes, c.after.activations.bytes),
      ],
    ],
  );
}

// ---------------------------------------------------------------------------------------------------
// Captured CLI runs

function captureContext(cwd: string): { ctx: CommandContext; output: () => string } {
  let out = "";
  // NOTE: stderr joins stdout, as in a terminal, so a warning printed by the command shows in the page.
  const write = (s: string): void => {
    out += s;
  };
  const io: CliIO = {
    stdout: { write, isTTY: false },
    stderr: { write, isTTY: false },
    env: {},
    cwd,
    readStdin: async () => {
      throw new UsageError("the merge report reads no standard input");
    },
  };
  return { ctx: { io, style: makeStyle(io, true), debug: false }, output: () => out };
}

/** The repository root (spec labels in captured output are relative to it, as when run from there). */
function repoRoot(): string {
  return fileURLToPath(new URL("../../../../", import.meta.url));
}

async function captured(argv: string, run: (ctx: CommandContext) => Promise<ExitCode>): Promise<string> {
  const { ctx, output } = captureContext(repoRoot());
  const rc = await run(ctx);
  if (rc !== ExitCode.ok) throw new Error(`merge report: \`${argv}\` exited ${rc}:\n${output()}`);
  return fenced("console", `$ ${argv}\n${output()}`);
}

// ---------------------------------------------------------------------------------------------------
// Sections

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

function identitySection(): string {
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

function unetSection(): string {
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

function fpnSection(): string {
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
    "backbone map factored through the 256-channel projection. The `tiny-fpn` sample (`fusegraph check sample:tiny-fpn`)",
    "writes one level as `conv1x1Add` and the next spelled out as `conv2d` + `upsample` + `add`.",
  ].join("\n");
}

function cpnSection(): string {
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

function hedSection(): string {
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

function resnetSection(): string {
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

function lstmSection(): string {
  const g = example("lstm-cell");
  const analysis = analyzeMerges(g);
  const cell = merge(analysis, "t0/c");
  const gateSums = analysis.filter((m) => m.id.startsWith("t0/") && m.id.endsWith(".sum"));
  return [
    "## LSTM: the additive cell state",
    "",
    "An LSTM's cell state is updated by a sum, `c_t = f ⊙ c_{t-1} + i ⊙ g`; the gradient through the",
    "additive path is scaled by f alone, which is what lets the cell carry information over many steps.",
    `\`lstm-cell\` builds the cell from primitives so that sum is a visible merge (${code(cell.id)}:`,
    `${cell.inputs.map((i) => code(i.id)).join(" + ")}, ${shape(cell.output)}). It cannot become a concat:`,
    "the cell state has one width, and the output gate multiplies it elementwise.",
    "",
    fenced("text", refusal(g, [cell.id], "concat")),
    "",
    `Its ${gateSums.length} gate sums per step (${gateSums.map((m) => code(m.id)).join(", ")}) are the identity read the`,
    "other way: `dense(x, W) + dense(h, U) = dense(concat(x, h), [W; U])`, a concat with untied kernels,",
    "which Keras's LSTM stores as its `kernel` (for x) and `recurrentKernel` (for h).",
  ].join("\n");
}

function densenetSection(): string {
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

function summarySection(): string {
  return [
    "## Which merge",
    "",
    table(
      ["merge", "assumes", "cost", "in the examples"],
      ["l", "l", "l", "l"],
      [
        [
          "`add`",
          "inputs share one channel space",
          "none; the next conv reads C channels",
          "ResNet, LSTM cell state, U-Net variant",
        ],
        [
          "`concat`",
          "inputs are different features",
          "the next conv reads n·C channels: n times its kernel params and MACs",
          "U-Net, DenseNet, CPN RefineNet",
        ],
        ["`weightedAdd`", "one space, learned importance per input", "n weights (+ 1 bias)", "HED's fusion"],
        [
          "`conv1x1Add`",
          "one space after a 1x1 projection",
          "a 1x1 conv per projected input",
          "FPN, CPN GlobalNet",
        ],
      ],
    ),
  ].join("\n");
}

async function checkSection(): Promise<string> {
  const compareArgs: CompareOptions = { merge: "add" };
  const compare = await captured("fusegraph compare unet --merge add", (ctx) =>
    runCompare("unet", compareArgs, ctx),
  );
  const equivalenceArgs: EquivalenceOptions = { merge: "p2", runtime: "cpu" };
  const equivalence = await captured(
    "fusegraph equivalence sample:tiny-fpn --merge p2 --runtime cpu",
    (ctx) => runEquivalence("sample:tiny-fpn", equivalenceArgs, ctx),
  );
  return [
    "## Check it yourself",
    "",
    "`fusegraph compare` switches merges and prints the costs before and after (`--only` picks merges,",
    "`--json` gives the numbers to scripts):",
    "",
    compare,
    "",
    "`fusegraph equivalence` runs the identity: it rewrites an add read by convs into a concat whose",
    "next kernel is the stacked `[K; K]` and runs both graphs on backend-cpu and backend-tfjs with the",
    "same weights and inputs. The `tiny-fpn` sample's `p2` is an add read by one 3x3 conv; the rewrite",
    "stacks that conv's kernel on a copy of itself and leaves the outputs equal up to float32 rounding:",
    "",
    equivalence,
    "",
    "(This run uses tfjs's plain-JS runtime so that the digits above are the same on every machine;",
    "the default, `--runtime wasm`, agrees to the same tolerance.) `fusegraph inspect <spec>` prints",
    "every node's params and MACs, merges marked `merge:<mode>`; `fusegraph graph <spec> --out g.svg`",
    "draws the graph with merges coloured by mode. The [op catalogue](ops.md) lists every merge's",
    "params and weights.",
  ].join("\n");
}

/** The whole page, as markdown. */
export async function mergeReport(): Promise<string> {
  const sections = [
    [
      "# Add or concat: what a merge costs, and what it assumes",
      "",
      `<!-- Generated by \`fusegraph docs merges\` from the bundled examples; do not edit by hand.`,
      `     Regenerate with: ${MERGE_REPORT_COMMAND} -->`,
      "",
      "Every figure on this page is computed by fusegraph's merge analysis (`analyzeMerges`,",
      "`compareMerges`, `graphCost` in `@fusegraph/dsl`) on the bundled examples, and every command",
      "output is a real run. Params count every weight; MACs are multiply-accumulates of one example.",
    ].join("\n"),
    identitySection(),
    unetSection(),
    fpnSection(),
    cpnSection(),
    hedSection(),
    resnetSection(),
    lstmSection(),
    densenetSection(),
    summarySection(),
    await checkSection(),
  ];
  return `${reflowMarkdown(sections.join("\n\n")).trimEnd()}\n`;
}
