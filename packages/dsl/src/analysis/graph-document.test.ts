import { describe, expect, it } from "vitest";
import { fixtureText } from "../__fixtures__/fixtures.js";
import type { Graph } from "../graph/graph.js";
import { loadGraph } from "../load.js";
import { graphToDocument, revalidate } from "./graph-document.js";

const essence = (g: Graph) => ({
  inputs: g.inputs,
  outputs: g.outputs,
  nodes: g.nodes.map((n) => ({ id: n.id, kind: n.kind, inputs: n.inputs, params: n.params, shape: n.shape })),
});

describe("graphToDocument", () => {
  it.each(["resnet50.yaml", "densenet121.yaml"])("%s validates back to the same graph", (file) => {
    const g = loadGraph(fixtureText(file));
    const back = loadGraph(graphToDocument(g));
    expect(essence(back)).toEqual(essence(g));
  });

  it("writes a block's `like` ref as the full id it resolved to", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "crop",
      inputs: { x: [10, 10, 2] },
      blocks: {
        shrink: {
          nodes: {
            small: { op: "conv2d", input: "x", filters: 2, kernelSize: 3 },
            cut: { op: "crop", input: "x", like: "small" },
            both: { merge: "concat", inputs: ["cut", "small"] },
          },
          output: "both",
        },
      },
      nodes: { s: { use: "shrink", input: "x" } },
      outputs: ["s"],
    });
    const doc = graphToDocument(g);
    expect(doc.nodes["s/cut"]).toEqual({ op: "crop", input: "x", like: "s/small" });
    expect(doc.nodes["s/both"]).toEqual({ merge: "concat", inputs: ["s/cut", "s/small"], axis: -1 });
    const r = revalidate(g, doc);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // the same graph, but for the ref now being written in full
    const cut = r.graph.nodes.find((n) => n.id === "s/cut");
    expect(cut?.params).toEqual({ like: "s/small" });
    const original = g.nodes.map((n) => (n.id === "s/cut" ? { ...n, params: { like: "s/small" } } : n));
    expect(essence(r.graph)).toEqual(essence({ ...g, nodes: original as Graph["nodes"] }));
    // paths and scopes of the original survive re-validation
    expect(r.graph.nodes.map((n) => [n.path, n.scope])).toEqual(g.nodes.map((n) => [n.path, n.scope]));
  });
});
