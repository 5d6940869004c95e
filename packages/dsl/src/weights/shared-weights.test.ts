import { describe, expect, it } from "vitest";
import type { SpecDocumentInput } from "../document/document.js";
import type { Graph } from "../graph/graph.js";
import { validateSpec } from "../validate.js";
import { sharedWeightKeys } from "./shared-weights.js";

function graphOf(nodes: SpecDocumentInput["nodes"], outputs: string[]): Graph {
  const r = validateSpec({ fusegraph: 1, name: "tied", inputs: { x: [8], y: [8] }, nodes, outputs });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.graph;
}

describe("sharedWeightKeys", () => {
  it("maps each weight key a sharing node would own to the node, its target and the target's key", () => {
    const g = graphOf(
      {
        a: { op: "dense", input: "x", units: 4 },
        b: { op: "dense", input: "y", units: 4, shareWeights: "a" },
        c: { op: "dense", input: "y", units: 4, useBias: false },
        m: { merge: "add", inputs: ["a", "b", "c"] },
      },
      ["m"],
    );
    expect([...sharedWeightKeys(g)]).toEqual([
      ["b/kernel", { node: "b", target: "a", source: "a/kernel" }],
      ["b/bias", { node: "b", target: "a", source: "a/bias" }],
    ]);
  });

  it("is empty for a graph in which no node shares", () => {
    const g = graphOf(
      { a: { op: "dense", input: "x", units: 4 }, b: { op: "dense", input: "y", units: 4 } },
      ["a", "b"],
    );
    expect(sharedWeightKeys(g).size).toBe(0);
  });
});
