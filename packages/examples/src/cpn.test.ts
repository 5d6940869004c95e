import { describe, expect, it } from "vitest";
import {
  bnParams,
  convParams,
  costOf,
  expectOptionError,
  graphOf,
  shapeAt,
  trainableUnder,
} from "./__fixtures__/graphs.js";
import { cpnResnet50 } from "./cpn.js";

const TRUNK = 25_557_032 - (2048 * 1000 + 1000); // torchvision's ResNet-50 without fc

/** GlobalNet by hand, after pytorch-cpn's globalNet.py (channel_settings [2048, 1024, 512, 256]). */
function globalNetParams(k: number): number {
  const laterals = [2048, 1024, 512, 256].reduce((s, c) => s + convParams(1, c, 256) + bnParams(256), 0);
  const upsamples = 3 * (convParams(1, 256, 256, true) + bnParams(256));
  const heads = 4 * (convParams(1, 256, 256) + bnParams(256) + convParams(3, 256, k) + bnParams(k));
  return laterals + upsamples + heads;
}

/** RefineNet by hand, after pytorch-cpn's refineNet.py (bottlenecks with planes 128, expansion 2). */
function refineNetParams(k: number): number {
  const bottleneck = (cin: number) =>
    convParams(1, cin, 128) +
    bnParams(128) +
    convParams(3, 128, 128) +
    bnParams(128) +
    convParams(1, 128, 256) +
    bnParams(256) +
    convParams(1, cin, 256) +
    bnParams(256);
  return (3 + 2 + 1) * bottleneck(256) + bottleneck(1024) + convParams(3, 256, k) + bnParams(k);
}

describe("cpn-resnet50", () => {
  it("counts GlobalNet and RefineNet by hand", () => {
    expect(globalNetParams(17)).toBe(1_605_000);
    expect(refineNetParams(17)).toBe(2_294_562);
    const cost = costOf(cpnResnet50());
    expect(trainableUnder(cost, "global/")).toBe(1_605_000);
    expect(trainableUnder(cost, "refine/")).toBe(2_294_562);
    expect(cost.total.params.trainable).toBe(TRUNK + 1_605_000 + 2_294_562);
    expect(costOf(cpnResnet50({ refineNet: false, keypoints: 14 })).total.params.trainable).toBe(
      TRUNK + globalNetParams(14),
    );
  });

  it("expresses the upsampling branch as conv1x1Add on the coarse input, resized first", () => {
    const g = graphOf(cpnResnet50());
    expect(g.nodes.find((n) => n.id === "global/merge4")).toMatchObject({
      kind: "conv1x1Add",
      inputs: ["global/lateral5/relu", "global/lateral4/relu"],
      params: {
        channels: 256,
        project: [0],
        resizeFirst: true,
        norm: "batchNorm",
        resize: "bilinear",
        useBias: true,
      },
      shape: [16, 12, 256],
    });
    expect(shapeAt(g, "global/merge2")).toEqual([64, 48, 256]);
  });

  it("outputs four GlobalNet heatmaps and RefineNet's, all 64x48x17 for a 256x192 input", () => {
    const g = graphOf(cpnResnet50());
    expect(g.inputs[0]?.shape).toEqual([256, 192, 3]);
    expect(g.outputs).toHaveLength(5);
    for (const id of g.outputs) expect(shapeAt(g, id)).toEqual([64, 48, 17]);
    expect(shapeAt(g, "refine/concat")).toEqual([64, 48, 1024]);
    const small = graphOf(cpnResnet50({ inputShape: [64, 64, 3] }));
    expect(shapeAt(small, "layer4.2/out")).toEqual([2, 2, 2048]);
  });

  it("rejects bad options", () => {
    expectOptionError(() => cpnResnet50({ keypoints: 0 }), "keypoints");
    expectOptionError(() => cpnResnet50({ inputShape: [250, 190, 3] }), "inputShape");
  });
});
