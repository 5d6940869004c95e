import { loadGraph } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { kernels } from "../kernels.js";
import { expandComposites } from "./expand.js";
import { planFusion } from "./fusion-plan.js";

/** Two conv-bn chains summed, then relu; `p`'s value is also a graph output. */
function plan(outputs: string[], fuse = true) {
  const graph = loadGraph({
    fusegraph: 1,
    name: "two-chains",
    inputs: { x: [5, 5, 2] },
    nodes: {
      a: { op: "conv2d", input: "x", filters: 3, kernelSize: 1 },
      abn: { op: "batchNorm", input: "a" },
      b: { op: "conv2d", input: "x", filters: 3, kernelSize: 3, padding: "same" },
      bbn: { op: "batchNorm", input: "b" },
      sum: { merge: "add", inputs: ["abn", "bbn"] },
      out: { op: "activation", input: "sum", fn: "relu" },
      sm: { op: "activation", input: "out", fn: "softmax" },
    },
    outputs,
  });
  return planFusion(expandComposites(graph).nodes, graph.outputs, kernels, fuse).map((s) => s.covers);
}

describe("planFusion", () => {
  it("gives the add to the first chain that reaches it; the other summand stays a value", () => {
    // Steps run in the order of the last node they cover: b's chain is ready first.
    expect(plan(["sm"])).toEqual([["b", "bbn"], ["a", "abn", "sum", "out"], ["sm"]]);
  });

  it("never fuses away a graph output, nor anything when fusion is off (controls)", () => {
    expect(plan(["sm", "abn"])).toEqual([["a", "abn"], ["b", "bbn", "sum", "out"], ["sm"]]);
    expect(plan(["sm", "sum"])).toEqual([["b", "bbn"], ["a", "abn", "sum"], ["out"], ["sm"]]);
    expect(plan(["sm"], false)).toEqual(["a", "abn", "b", "bbn", "sum", "out", "sm"].map((id) => [id]));
  });
});
