import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fails, ok } from "../__fixtures__/analysis.js";
import type { SpecDocumentInput } from "../document/document.js";
import type { Graph } from "../graph/graph.js";
import { loadGraph } from "../load.js";
import { validateSpec } from "../validate.js";
import { initWeights } from "../weights/init.js";
import { graphToDocument } from "./graph-document.js";
import { MERGE_KINDS } from "./merge-modes.js";
import { trySwitch, withMerge } from "./with-merge.js";

/** A 64-channel and a 32-channel map concatenated, then a 3x3 conv. */
const mixed: SpecDocumentInput = {
  fusegraph: 1,
  name: "mixed",
  inputs: { a: [8, 8, 64], b: [8, 8, 32] },
  nodes: {
    cat: { merge: "concat", inputs: ["a", "b"] },
    conv: { op: "conv2d", input: "cat", filters: 16, kernelSize: 3, padding: "same" },
  },
  outputs: ["conv"],
};

describe("withMerge", () => {
  it("refuses add for inputs of different channels, naming the input and the modes that fit", () => {
    const r = fails(withMerge(loadGraph(mixed), { all: true }, "add"));
    expect(r.issues).toHaveLength(1);
    const i = r.issues[0]!;
    expect(i).toMatchObject({ code: "shape_mismatch", nodeId: "cat", path: ["nodes", "cat", "inputs", 1] });
    expect(i.message).toContain('cannot switch merge "cat" from concat to add');
    expect(i.message).toContain('input 2 "b" has shape [8,8,32], expected [8,8,64]');
    expect(i.hint).toContain("modes that fit these inputs: concat, conv1x1Add (channels: 32)");
  });

  it("conv1x1Add takes the smallest input's channels unless given, and the result is a valid spec", () => {
    const g = loadGraph(mixed);
    const r = ok(withMerge(g, { ids: ["cat"] }, "conv1x1Add"));
    expect(r.switched).toEqual([{ id: "cat", from: "concat", to: "conv1x1Add" }]);
    const cat = r.graph.nodes.find((n) => n.id === "cat")!;
    expect(cat.kind).toBe("conv1x1Add");
    // documented defaults; concat's axis is dropped
    expect(cat.params).toEqual({
      channels: 32,
      project: "mismatched",
      useBias: true,
      norm: "none",
      resize: "nearest",
      alignCorners: false,
      resizeFirst: false,
    });
    expect(cat.shape).toEqual([8, 8, 32]);
    expect(r.graph.nodes.find((n) => n.id === "conv")?.shape).toEqual([8, 8, 16]);
    expect(validateSpec(graphToDocument(r.graph)).ok).toBe(true);
    const wide = ok(withMerge(g, { ids: ["cat"] }, "conv1x1Add", { channels: { cat: 48 } }));
    expect(wide.graph.nodes.find((n) => n.id === "cat")?.shape).toEqual([8, 8, 48]);
    // projections of both inputs exist in the new graph's weights
    expect([...initWeights(wide.graph).keys()]).toContain("cat/proj1/kernel");
  });

  it("a bad channel count is an issue, not a throw", () => {
    const r = fails(withMerge(loadGraph(mixed), { all: true }, "conv1x1Add", { channels: 0 }));
    expect(r.issues[0]).toMatchObject({ code: "invalid_params", nodeId: "cat" });
    expect(r.issues[0]?.hint).toContain("positive integer");
  });

  it("concat refuses inputs of different sizes and points at conv1x1Add", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "fpn",
      inputs: { p5: [4, 4, 32], c4: [8, 8, 16] },
      nodes: { p4: { merge: "conv1x1Add", inputs: ["p5", "c4"], channels: 32 } },
      outputs: ["p4"],
    });
    const r = fails(withMerge(g, { all: true }, "concat"));
    expect(r.issues[0]?.message).toContain('input 2 "c4" has shape [8,8,16]');
    expect(r.issues[0]?.hint).toContain("modes that fit these inputs: conv1x1Add (channels: 32)");
  });

  it("weightedAdd gets 1/n weights; switching back to add drops them", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "w",
      inputs: { a: [4, 4, 8], b: [4, 4, 8], c: [4, 4, 8] },
      nodes: { s: { merge: "add", inputs: ["a", "b", "c"] } },
      outputs: ["s"],
    });
    const w = ok(withMerge(g, { mode: "add" }, "weightedAdd")).graph;
    const init = initWeights(w).get("s/weights");
    expect([...(init?.data ?? [])].map((v) => Number(v.toFixed(6)))).toEqual([0.333333, 0.333333, 0.333333]);
    const back = ok(withMerge(w, { all: true }, "add")).graph;
    expect(back.nodes[0]).toMatchObject({ kind: "add", params: {} });
    expect(initWeights(back).size).toBe(0);
  });

  it("selectors: unknown ids, non-merge ids and a mode with no merges", () => {
    const g = loadGraph(mixed);
    const unknown = fails(withMerge(g, { ids: ["cta"] }, "add")).issues[0];
    expect(unknown).toMatchObject({ code: "unknown_ref", received: "cta" });
    expect(unknown?.message).toContain('Did you mean "cat"?');
    expect(unknown?.hint).toContain('merges of this graph: "cat"');
    const notMerge = fails(withMerge(g, { ids: ["conv"] }, "add")).issues[0];
    expect(notMerge).toMatchObject({ code: "invalid_params", nodeId: "conv", received: "conv2d" });
    const none = ok(withMerge(g, { mode: "weightedAdd" }, "add"));
    expect(none.switched).toEqual([]);
    expect(none.graph).toBe(g);
    // @ts-expect-error: not a merge mode
    expect(fails(withMerge(g, { all: true }, "multiply")).issues[0]?.code).toBe("invalid_params");
  });

  it("keeps where block nodes came from, and issues about them point at the use site", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "blocks",
      inputs: { x: [8, 8, 8] },
      blocks: {
        res: {
          nodes: {
            conv: { op: "conv2d", input: "x", filters: 8, kernelSize: 3, padding: "same" },
            sum: { merge: "add", inputs: ["conv", "x"] },
          },
          output: "sum",
        },
      },
      nodes: {
        r: { use: "res", input: "x", repeat: 2 },
        head: { op: "conv2d", input: "r", filters: 4, kernelSize: 1 },
      },
      outputs: ["head"],
    });
    const r = ok(withMerge(g, { all: true }, "concat"));
    expect(r.switched.map((s) => s.id)).toEqual(["r.0/sum", "r.1/sum"]);
    for (const n of r.graph.nodes) {
      const o = g.nodes.find((m) => m.id === n.id)!;
      expect({ path: n.path, scope: n.scope }).toEqual({ path: o.path, scope: o.scope });
    }
    // r.1/conv now reads 16 channels; r.1/sum joins [8,8,8] and [8,8,16]; head reads 24.
    expect(r.graph.nodes.find((n) => n.id === "r.1/sum")?.shape).toEqual([8, 8, 24]);
    const alone = fails(withMerge(g, { ids: ["r.0/sum"] }, "concat"));
    const downstream = alone.issues.find((i) => i.nodeId === "r.1/sum");
    expect(downstream?.path).toEqual(["nodes", "r"]);
  });

  it("keeps shared weights, and refuses a switch that leaves them mismatched", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "shared",
      inputs: { a: [4, 4, 2], b: [4, 4, 2] },
      nodes: {
        s1: { merge: "add", inputs: ["a", "b"] },
        s2: { merge: "add", inputs: ["a", "b"] },
        c1: { op: "conv2d", input: "s1", filters: 2, kernelSize: 1 },
        c2: { op: "conv2d", input: "s2", filters: 2, kernelSize: 1, shareWeights: "c1" },
        out: { merge: "concat", inputs: ["c1", "c2"] },
      },
      outputs: ["out"],
    });
    expect(graphToDocument(g).nodes.c2).toMatchObject({ shareWeights: "c1" });
    const both = ok(withMerge(g, { ids: ["s1", "s2"] }, "concat"));
    expect(both.graph.nodes.find((n) => n.id === "c2")?.shareWeights).toBe("c1");
    const one = fails(withMerge(g, { ids: ["s2"] }, "concat"));
    expect(one.issues.some((i) => i.nodeId === "c2" && i.message.includes("shares weights with"))).toBe(true);
    expect(trySwitch(g, { ids: ["s2"] }, "concat").ok).toBe(false);
  });

  it("the fast shape pass and full re-validation agree on random switches", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "mix",
      inputs: { a: [6, 6, 4], b: [6, 6, 4], c: [6, 6, 8] },
      nodes: {
        s: { merge: "add", inputs: ["a", "b"] },
        t: { merge: "concat", inputs: ["s", "c"] },
        u: { op: "conv2d", input: "t", filters: 4, kernelSize: 3 },
        v: { merge: "weightedAdd", inputs: ["u", "u"] },
        w: { op: "dense", input: "v", units: 3 },
      },
      outputs: ["w"],
    });
    const ids = ["s", "t", "v"];
    fc.assert(
      fc.property(fc.subarray(ids, { minLength: 1 }), fc.constantFrom(...MERGE_KINDS), (pick, mode) => {
        const full = withMerge(g, { ids: pick }, mode);
        const fast = trySwitch(g, { ids: pick }, mode);
        expect(fast.ok).toBe(full.ok);
        if (full.ok && fast.ok) expect(shapes(fast.graph)).toEqual(shapes(full.graph));
      }),
      { numRuns: 40 },
    );
  });
});

const shapes = (g: Graph) => g.nodes.map((n) => [n.id, n.kind, n.shape]);
