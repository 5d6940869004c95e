import { describe, expect, it } from "vitest";
import {
  convParams,
  costOf,
  expectOptionError,
  graphOf,
  shapeAt,
  trainableUnder,
} from "./__fixtures__/graphs.js";
import { fpnResnet50, tinyFpn } from "./fpn.js";
import { resnet } from "./resnet.js";

describe("fpn-resnet50", () => {
  it("has 3,344,384 FPN params on top of ResNet-50's trunk (26,852,416 in all)", () => {
    const cost = costOf(fpnResnet50());
    // By hand: 1x1 laterals with bias from 2048/1024/512/256 channels, four 3x3 256->256 with bias.
    const byHand =
      [2048, 1024, 512, 256].reduce((s, c) => s + convParams(1, c, 256, true), 0) +
      4 * convParams(3, 256, 256, true);
    expect(byHand).toBe(3_344_384);
    expect(trainableUnder(cost, "fpn/")).toBe(3_344_384);
    expect(cost.total.params.trainable).toBe(26_852_416);
    // The trunk is ResNet-50 without its fc layer.
    expect(cost.total.params.trainable - 3_344_384).toBe(25_557_032 - (2048 * 1000 + 1000));
    expect(costOf(resnet({ depth: 50 })).total.params.trainable).toBe(25_557_032);
  });

  it("outputs P2-P5 at strides 4-32 with 256 channels, merging top-down with conv1x1Add", () => {
    const g = graphOf(fpnResnet50());
    expect(g.outputs).toEqual(["fpn/p2", "fpn/p3", "fpn/p4", "fpn/p5"]);
    expect(g.outputs.map((id) => shapeAt(g, id))).toEqual([
      [56, 56, 256],
      [28, 28, 256],
      [14, 14, 256],
      [7, 7, 256],
    ]);
    const merge4 = g.nodes.find((n) => n.id === "fpn/merge4");
    expect(merge4).toMatchObject({
      kind: "conv1x1Add",
      inputs: ["fpn/lateral5", "layer3.5/out"],
      params: { channels: 256, project: [1], resize: "nearest", useBias: true },
    });
  });

  it("keeps every level at least 2x2 at 64x64, and rejects sizes that are not multiples of 32", () => {
    expect(shapeAt(graphOf(fpnResnet50({ inputShape: [64, 64, 3] })), "fpn/p5")).toEqual([2, 2, 256]);
    expectOptionError(() => fpnResnet50({ inputShape: [100, 100, 3] }), "inputShape");
    expectOptionError(() => fpnResnet50({ channels: 0 }), "channels");
  });
});

describe("tiny-fpn", () => {
  it("counts by hand and outputs four levels", () => {
    const widths = [16, 32, 64, 128];
    let backbone = 0;
    let cin = 3;
    for (const w of widths) {
      backbone += convParams(3, cin, w) + 2 * w;
      cin = w;
    }
    const fpn = widths.reduce((s, c) => s + convParams(1, c, 32, true), 0) + 4 * convParams(3, 32, 32, true);
    const cost = costOf(tinyFpn());
    expect(trainableUnder(cost, "fpn/")).toBe(fpn);
    expect(cost.total.params.trainable).toBe(backbone + fpn);
    const g = graphOf(tinyFpn({ inputShape: [32, 48, 3], channels: 8 }));
    expect(g.outputs.map((id) => shapeAt(g, id))).toEqual([
      [16, 24, 8],
      [8, 12, 8],
      [4, 6, 8],
      [2, 3, 8],
    ]);
    expectOptionError(() => tinyFpn({ inputShape: [24, 24, 3] }), "inputShape");
  });
});
