import { describe, expect, it } from "vitest";
import { addThenConv } from "../__fixtures__/analysis.js";
import { loadGraph } from "../load.js";
import { analyzeMerges } from "./analyze-merges.js";

describe("analyzeMerges", () => {
  it("reports the conv after an add in every mode: concat doubles it, the others keep it", () => {
    const g = loadGraph(addThenConv);
    const [m] = analyzeMerges(g);
    expect(m).toMatchObject({
      id: "sum",
      mode: "add",
      inputs: [
        { id: "a", shape: [14, 14, 256] },
        { id: "b", shape: [14, 14, 256] },
      ],
      output: [14, 14, 256],
      consumers: [{ id: "conv", kind: "conv2d" }],
      isOutput: false,
    });
    const same = { params: 590_080, macs: 115_605_504 };
    expect(m?.layers).toEqual([
      {
        id: "conv",
        kind: "conv2d",
        via: [],
        now: same,
        byMode: {
          add: same,
          concat: { params: 1_179_904, macs: 231_211_008 },
          weightedAdd: same,
          conv1x1Add: same,
        },
      },
    ]);
    const cost = Object.fromEntries((m?.modes ?? []).map((o) => [o.mode, o.feasible ? o.cost : null]));
    // weightedAdd: one weight per input; conv1x1Add at 256 channels projects nothing
    expect(cost).toEqual({
      add: { params: 0, macs: 0 },
      concat: { params: 0, macs: 0 },
      weightedAdd: { params: 2, macs: 0 },
      conv1x1Add: { params: 0, macs: 0 },
    });
  });

  it("follows pass-through ops to the conv, and prices conv1x1Add's projection", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "mixed",
      inputs: { a: [8, 8, 64], b: [8, 8, 32] },
      nodes: {
        cat: { merge: "concat", inputs: ["a", "b"] },
        bn: { op: "batchNorm", input: "cat" },
        act: { op: "activation", input: "bn", fn: "relu" },
        conv: { op: "conv2d", input: "act", filters: 16, kernelSize: 3, padding: "same" },
        flat: { op: "flatten", input: "cat" },
        fc: { op: "dense", input: "flat", units: 10 },
      },
      outputs: ["conv", "fc"],
    });
    const [m] = analyzeMerges(g);
    expect(m?.consumers.map((c) => c.id)).toEqual(["bn", "flat"]);
    const [conv, fc] = m?.layers ?? [];
    expect(conv).toMatchObject({ id: "conv", via: ["bn", "act"], now: { params: 9 * 96 * 16 + 16 } });
    expect(conv?.byMode.add).toBeNull();
    expect(conv?.byMode.weightedAdd).toBeNull();
    // conv1x1Add to the smallest input's 32 channels: the conv then reads 32 channels
    expect(conv?.byMode.conv1x1Add).toEqual({ params: 9 * 32 * 16 + 16, macs: 64 * 16 * 9 * 32 });
    expect(fc).toMatchObject({ id: "fc", via: ["flat"], now: { params: 64 * 96 * 10 + 10 } });
    expect(fc?.byMode.conv1x1Add).toEqual({ params: 64 * 32 * 10 + 10, macs: 64 * 32 * 10 });
    const c1 = m?.modes.find((o) => o.mode === "conv1x1Add");
    // input 1 (64 channels) is projected to 32: kernel 64*32 + bias 32, at 8*8 positions
    expect(c1).toMatchObject({
      feasible: true,
      output: [8, 8, 32],
      cost: { params: 64 * 32 + 32, macs: 64 * 64 * 32 },
    });
    const add = m?.modes.find((o) => o.mode === "add");
    expect(add?.feasible).toBe(false);
    if (add && !add.feasible) expect(add.issues[0]?.hint).toContain("conv1x1Add (channels: 32)");
  });

  it("counts no params for a layer that uses another's weights, as graphCost does", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "shared",
      inputs: { a: [4, 4, 2], b: [4, 4, 2] },
      nodes: {
        s1: { merge: "add", inputs: ["a", "b"] },
        s2: { merge: "add", inputs: ["a", "b"] },
        c1: { op: "conv2d", input: "s1", filters: 3, kernelSize: 1 },
        c2: { op: "conv2d", input: "s2", filters: 3, kernelSize: 1, shareWeights: "c1" },
        out: { merge: "concat", inputs: ["c1", "c2"] },
      },
      outputs: ["out"],
    });
    const [s1, s2] = analyzeMerges(g);
    expect(s1?.layers[0]?.now).toEqual({ params: 2 * 3 + 3, macs: 16 * 2 * 3 });
    expect(s2?.layers[0]).toMatchObject({ id: "c2", now: { params: 0, macs: 16 * 2 * 3 } });
    expect(s2?.layers[0]?.byMode.concat).toEqual({ params: 0, macs: 16 * 4 * 3 });
  });

  it("takes a caller's conv1x1Add channels, and flags merges that are outputs", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "out",
      inputs: { a: [4, 4, 8], b: [4, 4, 8] },
      nodes: { s: { merge: "add", inputs: ["a", "b"] } },
      outputs: ["s"],
    });
    const [m] = analyzeMerges(g, { channels: 4 });
    expect(m?.isOutput).toBe(true);
    expect(m?.layers).toEqual([]);
    expect(m?.modes.find((o) => o.mode === "conv1x1Add")).toMatchObject({
      output: [4, 4, 4],
      cost: { params: 2 * (8 * 4 + 4), macs: 2 * 16 * 8 * 4 },
    });
  });
});
