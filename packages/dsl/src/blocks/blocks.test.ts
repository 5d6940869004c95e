// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${expr}` templates are what these tests exercise
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fixtureText } from "../__fixtures__/fixtures.js";
import { graphCost } from "../costs/cost.js";
import { documentSchema, type SpecDocumentInput } from "../document/document.js";
import type { SpecIssue } from "../issues.js";
import { validateSpec } from "../validate.js";
import { type Expanded, expandBlocks, type FlatNode } from "./blocks.js";

function expand(input: unknown): Expanded & { issues: SpecIssue[]; byId: Map<string, FlatNode> } {
  const issues: SpecIssue[] = [];
  const out = expandBlocks(documentSchema.parse(input), (i) => issues.push(i));
  return { ...out, issues, byId: new Map(out.nodes.map((n) => [n.id, n])) };
}

/** Follows aliases to the flat node or graph input an id stands for. */
function resolve(aliases: Map<string, string>, id: string): string {
  let cur = id;
  for (let hops = 0; aliases.has(cur); hops++) {
    if (hops > aliases.size) throw new Error(`alias cycle at ${id}`);
    cur = aliases.get(cur) as string;
  }
  return cur;
}

const doc = (nodes: SpecDocumentInput["nodes"], blocks?: SpecDocumentInput["blocks"]): SpecDocumentInput => ({
  fusegraph: 1,
  name: "t",
  inputs: { image: [8, 8, 3] },
  ...(blocks ? { blocks } : {}),
  nodes,
  outputs: ["out"],
});

const conv = (input: string, extra: Record<string, unknown> = {}) => ({
  op: "conv2d",
  input,
  filters: 4,
  kernelSize: 1,
  ...extra,
});

describe("ResNet-50 fixture", () => {
  const text = fixtureText("resnet50.yaml");
  const r = expand(parse(text));

  it("fits in 80 lines and expands without issues", () => {
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(80);
    expect(r.issues).toEqual([]);
  });

  it("has torchvision's 174 layers: stem 4, 16 bottlenecks of 10, 4 projections of 2, head 2", () => {
    expect(r.nodes).toHaveLength(4 + 16 * 10 + 4 * 2 + 2);
    const kinds = (k: string) => r.nodes.filter((n) => n.kind === k).length;
    expect(kinds("conv2d")).toBe(53);
    expect(kinds("batchNorm")).toBe(53);
    expect(kinds("add")).toBe(16);
    expect(r.nodes.filter((n) => n.id.endsWith("/proj")).map((n) => n.id)).toEqual([
      "layer1.0/proj",
      "layer2.0/proj",
      "layer3.0/proj",
      "layer4.0/proj",
    ]);
  });

  it("substitutes widths and strides per instance", () => {
    expect(r.byId.get("layer1.0/conv1")?.params).toEqual({ filters: 64, kernelSize: 1, useBias: false });
    expect(r.byId.get("layer2.0/conv2")?.params.strides).toBe(2);
    expect(r.byId.get("layer2.1/conv2")?.params.strides).toBe(1);
    expect(r.byId.get("layer4.2/conv3")?.params.filters).toBe(2048);
    expect(r.byId.get("layer3.0/proj")?.params).toEqual({
      filters: 1024,
      kernelSize: 1,
      strides: 2,
      useBias: false,
    });
    expect(r.byId.get("layer1.0/bn1")?.params).toEqual({ epsilon: 1e-5 });
  });

  it("chains instances and resolves skipped projections to the block input", () => {
    expect(r.byId.get("layer1.0/conv1")?.inputs).toEqual(["layer1.0/x"]);
    expect(resolve(r.aliases, "layer1.0/x")).toBe("pool");
    expect(resolve(r.aliases, "layer1.1/x")).toBe("layer1.0/out");
    expect(resolve(r.aliases, "layer2.0/x")).toBe("layer1.2/out");
    expect(r.byId.get("layer1.1/sum")?.inputs).toEqual(["layer1.1/bn3", "layer1.1/projBn"]);
    expect(resolve(r.aliases, "layer1.1/projBn")).toBe("layer1.0/out");
    expect(resolve(r.aliases, "layer1.0/projBn")).toBe("layer1.0/projBn");
    expect(resolve(r.aliases, "layer4")).toBe("layer4.2/out");
    expect(resolve(r.aliases, "layer3.4")).toBe("layer3.4/out");
    expect(r.byId.get("gap")?.inputs).toEqual(["layer4"]);
  });

  it("records where each node is written and which use made it", () => {
    const n = r.byId.get("layer3.5/conv2");
    expect(n?.path).toEqual(["blocks", "bottleneck", "nodes", "conv2"]);
    expect(n?.via).toEqual([["nodes", "layer3"]]);
    expect(n?.scope).toEqual(["layer3.5"]);
    expect(r.byId.get("fc")).toMatchObject({ path: ["nodes", "fc"], via: [], scope: [], category: "op" });
    expect(r.byId.get("layer1.0/sum")?.category).toBe("merge");
  });
});

describe("DenseNet-121 fixture", () => {
  const text = fixtureText("densenet121.yaml");
  const r = expand(parse(text));

  it("fits in 80 lines and expands to 58 dense layers of 7, 3 transitions of 4, stem 4 and head 4", () => {
    expect(text.trimEnd().split("\n").length).toBeLessThanOrEqual(80);
    expect(r.issues).toEqual([]);
    expect(r.nodes).toHaveLength(4 + 58 * 7 + 3 * 4 + 4);
    expect(r.nodes.filter((n) => n.kind === "conv2d")).toHaveLength(1 + 58 * 2 + 3);
  });

  it("concatenates each layer onto the previous layer's output", () => {
    expect(r.byId.get("block2.3/cat")?.inputs).toEqual(["block2.3/x", "block2.3/conv2"]);
    expect(resolve(r.aliases, "block2.3/x")).toBe("block2.2/cat");
    expect(resolve(r.aliases, "block2.0/x")).toBe("trans1/pool");
    expect(resolve(r.aliases, "block4")).toBe("block4.15/cat");
    expect(r.byId.get("block1.0/conv1")?.params.filters).toBe(128);
    expect(r.byId.get("trans3/conv")?.params.filters).toBe(512);
    expect(r.byId.get("trans1/conv")?.scope).toEqual(["trans1"]);
  });
});

describe("expandBlocks", () => {
  it("passes documents without blocks through, dropping top-level nodes whose if: is false", () => {
    const r = expand(
      doc({
        a: conv("image"),
        b: conv("a", { if: "${1 > 2}" }),
        c: conv("b", { if: true }),
        out: { merge: "add", inputs: ["a", "c"] },
      }),
    );
    expect(r.issues).toEqual([]);
    expect(r.nodes.map((n) => n.id)).toEqual(["a", "c", "out"]);
    expect(r.aliases).toEqual(new Map([["b", "a"]]));
    expect(r.byId.get("c")?.params).toEqual({ filters: 4, kernelSize: 1 });
  });

  it("names nodes <use>/<local> without repeat and binds $i = 0, $n = 1", () => {
    const r = expand(
      doc(
        { out: { use: "b", input: "image", with: { w: 8 } } },
        {
          b: {
            params: { w: null },
            nodes: { c: conv("x", { filters: "${w * n + i}", name: "c${i}of$n" }) },
            output: "c",
          },
        },
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.nodes.map((n) => n.id)).toEqual(["out/c"]);
    expect(r.byId.get("out/c")?.params).toMatchObject({ filters: 8, name: "c0of$n" });
    expect(resolve(r.aliases, "out")).toBe("out/c");
  });

  it("matches multiple inputs by position and feeds repeats through the first", () => {
    const r = expand(
      doc(
        { a: conv("image"), out: { use: "fuse", inputs: ["image", "a"], repeat: "${1 + 1}" } },
        {
          fuse: {
            inputs: ["main", "side"],
            nodes: { sum: { merge: "add", inputs: ["main", "side"] } },
            output: "sum",
          },
        },
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.nodes.map((n) => n.id)).toEqual(["a", "out.0/sum", "out.1/sum"]);
    expect(resolve(r.aliases, "out.0/main")).toBe("image");
    expect(resolve(r.aliases, "out.0/side")).toBe("a");
    expect(resolve(r.aliases, "out.1/main")).toBe("out.0/sum");
    expect(resolve(r.aliases, "out.1/side")).toBe("a");
  });

  it("nests ids, scopes and use sites, and evaluates with: against the outer params and own i", () => {
    const r = expand(
      doc(
        { out: { use: "outer", input: "image", repeat: 2, with: { w: 16 } } },
        {
          inner: {
            params: { f: null, tag: "t" },
            nodes: { conv: conv("x", { filters: "$f", tag: "$tag" }) },
            output: "conv",
          },
          outer: {
            params: { w: null },
            nodes: {
              branch: { use: "inner", input: "x", repeat: 2, with: { f: "${w * (i + 1)}", tag: "$w" } },
              last: conv("branch", { filters: "$w" }),
            },
            output: "last",
          },
        },
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.nodes.map((n) => n.id)).toEqual([
      "out.0/branch.0/conv",
      "out.0/branch.1/conv",
      "out.0/last",
      "out.1/branch.0/conv",
      "out.1/branch.1/conv",
      "out.1/last",
    ]);
    const deep = r.byId.get("out.1/branch.1/conv");
    expect(deep?.params).toMatchObject({ filters: 32, tag: 16 });
    expect(deep?.scope).toEqual(["out.1", "out.1/branch.1"]);
    expect(deep?.via).toEqual([
      ["nodes", "out"],
      ["blocks", "outer", "nodes", "branch"],
    ]);
    expect(deep?.path).toEqual(["blocks", "inner", "nodes", "conv"]);
    expect(resolve(r.aliases, "out.1/branch.0/x")).toBe("out.0/last");
    expect(resolve(r.aliases, "out.0/last")).toBe("out.0/last");
    expect(r.byId.get("out.0/last")?.inputs).toEqual(["out.0/branch"]);
    expect(resolve(r.aliases, "out.0/branch")).toBe("out.0/branch.1/conv");
  });

  it("skips a block node whose if: is false, per instance", () => {
    const r = expand(
      doc(
        { out: { use: "b", input: "image", repeat: 3 } },
        { b: { nodes: { c: conv("x", { if: "${i % 2 == 0}" }) }, output: "c" } },
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.nodes.map((n) => n.id)).toEqual(["out.0/c", "out.2/c"]);
    expect(resolve(r.aliases, "out.2/x")).toBe("out.0/c");
    expect(resolve(r.aliases, "out")).toBe("out.2/c");
  });
});

describe("expandBlocks issues", () => {
  const block = {
    params: { width: null, stride: 1 },
    nodes: { c: conv("x", { filters: "$width", strides: "$stride" }) },
    output: "c",
  };
  const issuesOf = (nodes: SpecDocumentInput["nodes"], blocks: SpecDocumentInput["blocks"] = { b: block }) =>
    expand(doc(nodes, blocks)).issues;

  it("reports a missing required param at with:, or at the node without one", () => {
    expect(issuesOf({ out: { use: "b", input: "image", with: { stride: 2 } } })).toMatchObject([
      { code: "block_error", path: ["nodes", "out", "with"], message: expect.stringContaining("width") },
    ]);
    expect(issuesOf({ out: { use: "b", input: "image" } })).toMatchObject([{ path: ["nodes", "out"] }]);
  });

  it("reports an unknown argument with a suggestion", () => {
    const [i, ...rest] = issuesOf({ out: { use: "b", input: "image", with: { width: 4, strid: 2 } } });
    expect(rest).toEqual([]);
    expect(i).toMatchObject({ code: "block_error", path: ["nodes", "out", "with", "strid"], nodeId: "out" });
    expect(i?.message).toContain('Did you mean "stride"?');
    const [j] = issuesOf({ out: { use: "b", input: "image", with: { width: 4, widht: 2 } } });
    expect(j?.path).toEqual(["nodes", "out", "with", "widht"]);
  });

  it("reports a wrong input count", () => {
    expect(issuesOf({ out: { use: "b", inputs: ["image", "image"], with: { width: 4 } } })).toMatchObject([
      { code: "block_error", path: ["nodes", "out", "inputs"], expected: "1", received: "2" },
    ]);
    expect(issuesOf({ out: { use: "b", with: { width: 4 } } })).toMatchObject([{ path: ["nodes", "out"] }]);
  });

  it("reports an unknown block with a suggestion", () => {
    const [i] = issuesOf({ out: { use: "bb", input: "image" } });
    expect(i).toMatchObject({ code: "block_error", path: ["nodes", "out", "use"], received: "bb" });
    expect(i?.message).toContain('Did you mean "b"?');
  });

  it("reports refs that leave the block, once for all instances", () => {
    const issues = issuesOf(
      { a: conv("image"), out: { use: "leaky", input: "a", repeat: 3 } },
      { leaky: { nodes: { c: conv("x"), d: { merge: "add", inputs: ["c", "a"] } }, output: "d" } },
    );
    expect(issues).toMatchObject([
      { code: "unknown_ref", path: ["blocks", "leaky", "nodes", "d", "inputs", 1] },
    ]);
    expect(issues[0]?.message).toContain("not one of its nodes or inputs");
  });

  it("rejects blocks that use themselves, directly or through others, naming the chain", () => {
    const self = issuesOf(
      { out: { use: "a", input: "image" } },
      { a: { nodes: { inner: { use: "a", input: "x" } }, output: "inner" } },
    );
    expect(self).toMatchObject([{ code: "block_error", path: ["blocks", "a", "nodes", "inner", "use"] }]);
    expect(self[0]?.message).toContain("a → a");
    const mutual = issuesOf(
      { out: { use: "a", input: "image" } },
      {
        a: { nodes: { y: { use: "b", input: "x" } }, output: "y" },
        b: { nodes: { z: { use: "a", input: "x" } }, output: "z" },
      },
    );
    expect(mutual).toHaveLength(1);
    expect(mutual[0]?.message).toContain("a → b → a");
  });

  it("rejects huge repeats and exponential nesting quickly", () => {
    const t0 = performance.now();
    expect(issuesOf({ out: { use: "b", input: "image", repeat: 1e9, with: { width: 4 } } })).toMatchObject([
      { code: "limit_exceeded", path: ["nodes", "out", "repeat"] },
    ]);
    const blocks: SpecDocumentInput["blocks"] = { l0: { nodes: { c: conv("x") }, output: "c" } };
    for (let k = 1; k <= 20; k++) {
      blocks[`l${k}`] = {
        nodes: { p: { use: `l${k - 1}`, input: "x" }, q: { use: `l${k - 1}`, input: "p" } },
        output: "q",
      };
    }
    const r = expand(doc({ out: { use: "l20", input: "image" } }, blocks));
    expect(r.issues).toMatchObject([{ code: "limit_exceeded" }]);
    expect(r.nodes.length).toBeLessThanOrEqual(100_000);
    // NOTE: generous for a loaded 2-core machine; without the bound this would be 2^21 instances.
    expect(performance.now() - t0).toBeLessThan(15_000);
  });

  it("checks block definitions: output, reserved params, input names", () => {
    const issues = issuesOf(
      {},
      {
        b: {
          params: { i: 1, "bad name": 2 },
          inputs: ["x", "c", "x"],
          nodes: { c: conv("x") },
          output: "cc",
        },
      },
    );
    expect(issues.map((i) => i.path)).toEqual([
      ["blocks", "b", "params", "i"],
      ["blocks", "b", "params", "bad name"],
      ["blocks", "b", "inputs", 1],
      ["blocks", "b", "inputs", 2],
      ["blocks", "b", "output"],
    ]);
    expect(issues[4]?.message).toContain('Did you mean "c"?');
  });

  it("reports substitution errors at the param inside the block", () => {
    const issues = issuesOf(
      { out: { use: "e", input: "image", repeat: 2 } },
      {
        e: {
          params: { width: 6 },
          nodes: { c: conv("x", { filters: "$widh", groups: "${width / 4}", pad: ["${width // 0}"] }) },
          output: "c",
        },
      },
    );
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ["block_error", ["blocks", "e", "nodes", "c", "filters"]],
      ["invalid_params", ["blocks", "e", "nodes", "c", "groups"]],
      ["invalid_params", ["blocks", "e", "nodes", "c", "pad", 0]],
    ]);
    expect(issues[0]?.message).toContain('node "out.0/c"');
    expect(issues[1]?.message).toContain("${width / 4}");
  });

  it("reports bad if:, repeat and with on op nodes, and skips without inputs", () => {
    const issues = issuesOf({
      a: conv("image", { if: "yes" }),
      b: conv("a", { with: { x: 1 }, repeat: 2 }),
      c: { op: "dense", units: 3, if: false },
      d: { use: "b", input: "image", repeat: "${0}", with: { width: 4 } },
      e: { use: "b", input: "image", repeat: "$n", with: { width: 4 } },
      f: { use: "b", op: "conv2d", input: "image" },
    });
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ["block_error", ["nodes", "a", "if"]],
      ["block_error", ["nodes", "b", "with"]],
      ["block_error", ["nodes", "b", "repeat"]],
      ["block_error", ["nodes", "c", "if"]],
      ["block_error", ["nodes", "d", "repeat"]],
      ["block_error", ["nodes", "e", "repeat"]],
      ["block_error", ["nodes", "f", "use"]],
    ]);
  });

  it("reports ids made twice by expansion", () => {
    const r = expand(
      doc(
        { "out.1": conv("image"), out: { use: "b", input: "image", repeat: 2, with: { width: 4 } } },
        { b: block },
      ),
    );
    expect(r.issues).toMatchObject([{ code: "duplicate_id", nodeId: "out.1", path: ["nodes", "out"] }]);
  });
});

describe("fixtures through validateSpec", () => {
  // Published counts: torchvision's model docs (ResNet50_Weights / DenseNet121_Weights: num_params, GFLOPS).
  it.each([
    ["resnet50.yaml", 25_557_032, 4.09e9, [1000]],
    ["densenet121.yaml", 7_978_856, 2.83e9, [1000]],
  ])("%s has torchvision's trainable params and MACs", (file, params, macs, shape) => {
    const r = validateSpec(fixtureText(file));
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
    const cost = graphCost(r.graph);
    expect(cost.total.params.trainable).toBe(params);
    expect(Math.abs(cost.total.macs - macs) / macs).toBeLessThan(0.005);
    expect(r.graph.nodes.at(-1)?.shape).toEqual(shape);
  });
});
