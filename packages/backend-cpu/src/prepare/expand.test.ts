import { initWeights, isCompositeKind, loadGraph } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { prepare } from "../prepare.js";
import { expandComposites, expandedWeights } from "./expand.js";

const graph = loadGraph({
  fusegraph: 1,
  name: "composites",
  inputs: { big: [4, 4, 3], small: [2, 2, 5] },
  nodes: {
    m: { merge: "conv1x1Add", inputs: ["big", "small"], channels: 3, norm: "batchNorm" },
    w: { merge: "weightedAdd", inputs: ["m", "big"] },
    out: { op: "activation", input: "w", fn: "relu" },
  },
  outputs: ["out"],
});

describe("expandComposites", () => {
  it("leaves only core kinds, keeps each composite's id on its last part and re-infers shapes", () => {
    const { nodes, weightSources } = expandComposites(graph);
    expect(nodes.some((n) => isCompositeKind(n.kind))).toBe(false);
    const ids = nodes.map((n) => n.id);
    expect(ids.slice(0, 4)).toEqual(["m/proj1", "m/proj1/bn", "m/resize1", "m"]);
    expect(ids.at(-1)).toBe("out");
    expect(ids.indexOf("w")).toBe(ids.length - 2);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    expect(byId.get("m/proj1")!.shape).toEqual([2, 2, 3]);
    expect(byId.get("m/resize1")!.shape).toEqual([4, 4, 3]);
    expect(byId.get("m")!.kind).toBe("add");
    expect(weightSources.get("m/proj1/kernel")).toBe("m/proj1/kernel");
    expect(weightSources.get("m/proj1/bn/gamma")).toBe("m/proj1/bn/gamma");
    // Every source is a weight the composite declares, every target `<part id>/<weight name>`.
    const declared = new Set(initWeights(graph).keys());
    for (const [target, source] of weightSources) {
      expect(declared.has(source), source).toBe(true);
      expect(byId.has(target.slice(0, target.lastIndexOf("/"))), target).toBe(true);
    }
  });

  it("carries the composite's arrays (not copies) to its parts' keys", () => {
    const weights = initWeights(graph, { seed: 2 });
    const expanded = expandComposites(graph);
    const all = expandedWeights(weights, expanded);
    expect(expanded.weightSources.size).toBeGreaterThan(0);
    for (const [target, source] of expanded.weightSources) expect(all.get(target)).toBe(weights.get(source));
  });

  it("returns a graph without composites unchanged (control)", () => {
    const plain = loadGraph({
      fusegraph: 1,
      name: "plain",
      inputs: { x: [3] },
      nodes: { d: { op: "dense", input: "x", units: 2 } },
      outputs: ["d"],
    });
    const { nodes, weightSources } = expandComposites(plain);
    expect(nodes).toEqual(plain.nodes);
    expect(weightSources.size).toBe(0);
  });
});

describe("composites run through their expand()", () => {
  it("conv1x1Add equals the hand-written conv -> batchNorm -> upsample -> add with the same weights", () => {
    const inputs = { big: [4, 4, 3], small: [2, 2, 5] };
    const merged = loadGraph({
      fusegraph: 1,
      name: "merged",
      inputs,
      nodes: {
        m: {
          merge: "conv1x1Add",
          inputs: ["big", "small"],
          channels: 3,
          norm: "batchNorm",
          resize: "bilinear",
        },
      },
      outputs: ["m"],
    });
    const manual = loadGraph({
      fusegraph: 1,
      name: "manual",
      inputs,
      nodes: {
        p: { op: "conv2d", input: "small", filters: 3, kernelSize: 1 },
        bn: { op: "batchNorm", input: "p" },
        up: { op: "upsample", input: "bn", size: [4, 4], mode: "bilinear" },
        m: { merge: "add", inputs: ["big", "up"] },
      },
      outputs: ["m"],
    });
    const w = initWeights(merged, { seed: 4 });
    expect([...w.keys()].sort()).toEqual([
      "m/proj1/bias",
      "m/proj1/bn/beta",
      "m/proj1/bn/gamma",
      "m/proj1/bn/movingMean",
      "m/proj1/bn/movingVariance",
      "m/proj1/kernel",
    ]);
    w.get("m/proj1/bn/movingMean")!.data.set([0.5, -1, 2]);
    w.get("m/proj1/bn/beta")!.data.set([1, 2, 3]);
    w.get("m/proj1/bias")!.data.set([0.1, 0.2, 0.3]);
    const rename: Record<string, string> = { "m/proj1/kernel": "p/kernel", "m/proj1/bias": "p/bias" };
    const wm = new Map([...w].map(([k, t]) => [rename[k] ?? k.replace("m/proj1/bn/", "bn/"), t]));
    const feed = {
      big: { shape: [2, 4, 4, 3], data: Float32Array.from({ length: 96 }, (_, i) => Math.sin(i)) },
      small: { shape: [2, 2, 2, 5], data: Float32Array.from({ length: 40 }, (_, i) => Math.cos(i)) },
    };
    const a = prepare(merged, w, { threads: 1 }).run(feed).m!;
    const b = prepare(manual, wm, { threads: 1 }).run(feed).m!;
    expect(a.shape).toEqual([2, 4, 4, 3]);
    for (let i = 0; i < a.data.length; i++) expect(a.data[i]).toBeCloseTo(b.data[i]!, 5);
  });
});
