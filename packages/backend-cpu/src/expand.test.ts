import { initWeights, loadGraph } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";

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
