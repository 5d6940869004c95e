import { describe, expect, it } from "vitest";
import type { Graph } from "../graph/graph.js";
import { loadGraph } from "../load.js";
import { createRng, graphWeights, initializeWeight, initWeights } from "./init.js";

const graph: Graph = loadGraph({
  fusegraph: 1,
  name: "mixed",
  inputs: { x: [8, 6] },
  nodes: {
    r: { op: "lstm", input: "x", units: 5 },
    d: { op: "dense", input: "r", units: 3 },
    bn: { op: "batchNorm", input: "d" },
  },
  outputs: ["bn"],
});

describe("initWeights", () => {
  it("is deterministic per seed, and each weight has its own stream", () => {
    const a = initWeights(graph, { seed: 1 });
    const b = initWeights(graph, { seed: 1 });
    const c = initWeights(graph, { seed: 2 });
    expect(a.get("d/kernel")!.data).toEqual(b.get("d/kernel")!.data);
    expect(a.get("d/kernel")!.data).not.toEqual(c.get("d/kernel")!.data);
    expect([...a.keys()]).toEqual(graphWeights(graph).map((w) => w.key));
  });

  it("follows Keras's defaults", () => {
    const w = initWeights(graph, { seed: 7 });
    const limit = Math.sqrt(6 / (5 + 3));
    const k = w.get("d/kernel")!.data;
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit / 2);
    expect([...w.get("d/bias")!.data]).toEqual([0, 0, 0]);
    expect([...w.get("bn/gamma")!.data]).toEqual([1, 1, 1]);
    expect([...w.get("bn/movingVariance")!.data]).toEqual([1, 1, 1]);
    expect([...w.get("bn/movingMean")!.data]).toEqual([0, 0, 0]);
    // unit_forget_bias: ones on the forget gate's slice [u, 2u).
    expect([...w.get("r/bias")!.data]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, ...Array(10).fill(0)]);
  });

  it("makes orthogonal recurrent kernels: rows of [u, 4u] are orthonormal", () => {
    const u = initWeights(graph, { seed: 3 }).get("r/recurrentKernel")!;
    expect(u.shape).toEqual([5, 20]);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        let dot = 0;
        for (let k = 0; k < 20; k++) dot += u.data[i * 20 + k]! * u.data[j * 20 + k]!;
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    const tall = initializeWeight({ kind: "orthogonal" }, [6, 3], createRng(4));
    for (let i = 0; i < 3; i++) {
      let norm = 0;
      for (let r = 0; r < 6; r++) norm += tall[r * 3 + i]! ** 2;
      expect(norm).toBeCloseTo(1, 5);
    }
  });

  it("emits no weights for a node that shares another's: backends use the target's", () => {
    const tied = loadGraph({
      fusegraph: 1,
      name: "tied",
      inputs: { x: [6], y: [6] },
      nodes: {
        a: { op: "dense", input: "x", units: 3 },
        b: { op: "dense", input: "y", units: 3, shareWeights: "a" },
        m: { merge: "add", inputs: ["a", "b"] },
      },
      outputs: ["m"],
    });
    expect([...initWeights(tied).keys()]).toEqual(["a/kernel", "a/bias"]);
    expect(graphWeights(tied).every((w) => w.nodeId === "a")).toBe(true);
  });

  it("fills explicit values and constants", () => {
    expect([...initializeWeight({ kind: "values", values: [0.5, 2] }, [2], createRng(0))]).toEqual([0.5, 2]);
    expect([...initializeWeight({ kind: "constant", value: 3 }, [2], createRng(0))]).toEqual([3, 3]);
    const rng = createRng(42);
    const xs = Array.from({ length: 1000 }, rng);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / 1000).toBeCloseTo(0.5, 1);
  });
});
