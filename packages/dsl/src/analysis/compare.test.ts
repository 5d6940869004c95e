import { describe, expect, it } from "vitest";
import { addThenConv, ok } from "../__fixtures__/analysis.js";
import type { Graph } from "../graph/graph.js";
import { loadGraph } from "../load.js";
import { compareMerges, summarizeGraph } from "./compare.js";

describe("compareMerges", () => {
  it("add -> concat before a 3x3/256 conv: params 590,080 -> 1,179,904, MACs doubled", () => {
    const g = loadGraph(addThenConv);
    const { comparison: c } = ok(compareMerges(g, { all: true }, "concat"));
    // 3*3*256*256 + 256 and 3*3*512*256 + 256
    expect(c.before.params).toEqual({ trainable: 590_080, nonTrainable: 0, total: 590_080 });
    expect(c.after.params).toEqual({ trainable: 1_179_904, nonTrainable: 0, total: 1_179_904 });
    // 14*14 positions * 256 filters * 3*3 * 256 (then 512) input channels
    expect(c.before.macs).toBe(115_605_504);
    expect(c.after.macs).toBe(231_211_008);
    expect(c.after.macs).toBe(2 * c.before.macs);
    expect(c.merges).toEqual([
      {
        id: "sum",
        from: "add",
        to: "concat",
        paramsDelta: 589_824,
        macsDelta: 115_605_504,
        // the sum's output grows from 256 to 512 channels of float32
        activationBytesDelta: 14 * 14 * 256 * 4,
      },
    ]);
    expect(c.delta).toEqual({ params: 589_824, macs: 115_605_504, activationBytes: 14 * 14 * 256 * 4 });
  });

  it("activation memory is every node's output elements times 4 bytes (inputs excluded)", () => {
    const s = summarizeGraph(loadGraph(addThenConv));
    expect(s.activations).toEqual({ elements: 2 * 14 * 14 * 256, bytes: 2 * 14 * 14 * 256 * 4 });
    const c = ok(compareMerges(loadGraph(addThenConv), { ids: ["sum"] }, "concat")).comparison;
    expect(c.after.activations.elements).toBe(14 * 14 * 512 + 14 * 14 * 256);
  });

  it("conv1x1Add with channels 128 projects both inputs and halves the conv", () => {
    const g = loadGraph(addThenConv);
    const c = ok(compareMerges(g, { ids: ["sum"] }, "conv1x1Add", { channels: 128 })).comparison;
    // two projections 256*128 + 128 each, then 3*3*128*256 + 256
    expect(c.after.params.total).toBe(2 * (256 * 128 + 128) + 3 * 3 * 128 * 256 + 256);
    expect(c.after.macs).toBe(2 * 14 * 14 * 256 * 128 + 14 * 14 * 256 * 9 * 128);
  });

  it("attributes each switched merge its own share; shares add up when the merges do not interact", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "two",
      inputs: { a: [8, 8, 16], b: [8, 8, 16] },
      nodes: {
        s1: { merge: "add", inputs: ["a", "b"] },
        c1: { op: "conv2d", input: "s1", filters: 4, kernelSize: 1 },
        s2: { merge: "add", inputs: ["a", "b"] },
        c2: { op: "conv2d", input: "s2", filters: 8, kernelSize: 3, padding: "same" },
        out: { merge: "concat", inputs: ["c1", "c2"] },
      },
      outputs: ["out"],
    });
    const c = ok(compareMerges(g, { mode: "add" }, "concat")).comparison;
    expect(c.merges).toEqual([
      {
        id: "s1",
        from: "add",
        to: "concat",
        paramsDelta: 16 * 4,
        macsDelta: 64 * 16 * 4,
        activationBytesDelta: 64 * 16 * 4,
      },
      {
        id: "s2",
        from: "add",
        to: "concat",
        paramsDelta: 9 * 16 * 8,
        macsDelta: 64 * 9 * 16 * 8,
        activationBytesDelta: 64 * 16 * 4,
      },
    ]);
    expect(c.delta.params).toBe(16 * 4 + 9 * 16 * 8);
  });

  it("a switch that breaks a later add fails with the downstream issue and what would work", () => {
    const g: Graph = loadGraph({
      fusegraph: 1,
      name: "residual",
      inputs: { x: [8, 8, 16] },
      nodes: {
        c1: { op: "conv2d", input: "x", filters: 16, kernelSize: 3, padding: "same" },
        r1: { merge: "add", inputs: ["c1", "x"] },
        c2: { op: "conv2d", input: "r1", filters: 16, kernelSize: 3, padding: "same" },
        r2: { merge: "add", inputs: ["c2", "r1"] },
      },
      outputs: ["r2"],
    });
    const r = compareMerges(g, { ids: ["r1"] }, "concat");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const [lead, ...rest] = r.issues;
    expect(lead?.nodeId).toBe("r1");
    expect(lead?.message).toContain('"r1" (add → concat: [8,8,16] → [8,8,32])');
    expect(lead?.message).toContain('"r2"');
    expect(lead?.hint).toContain("weightedAdd or conv1x1Add gives a valid graph");
    expect(rest.some((i) => i.nodeId === "r2" && i.code === "shape_mismatch")).toBe(true);
    // Switching both adds works: r2 then concatenates [8,8,16] and [8,8,32].
    const both = ok(compareMerges(g, { all: true }, "concat")).comparison;
    expect(both.after.params.total).toBe(both.before.params.total + 9 * 16 * 16);
    // r1 alone cannot be switched, so its share is unknown; r2 alone adds nothing (no conv reads it).
    expect(both.merges[0]).toMatchObject({
      id: "r1",
      paramsDelta: null,
      macsDelta: null,
      activationBytesDelta: null,
    });
    expect(both.merges[0]?.issues?.length).toBeGreaterThan(0);
    expect(both.merges[1]).toMatchObject({
      id: "r2",
      paramsDelta: 0,
      macsDelta: 0,
      // r2's own output doubles: [8,8,16] -> [8,8,32]
      activationBytesDelta: 64 * 16 * 4,
    });
  });
});
