import { describe, expect, it } from "vitest";
import { bnParams, convParams, costOf, expectOptionError, graphOf, shapeAt } from "./__fixtures__/graphs.js";
import { DENSENET_DEPTHS, type DenseNetDepth, densenet } from "./densenet.js";

/**
 * torchvision's figures (num_params, GFLOPS = multiply-accumulates), from
 * https://pytorch.org/vision/stable/models/generated/torchvision.models.densenet<N>.html
 * (densenet169: 14149480 and 3.36; densenet201: 20013928 and 4.29; IMAGENET1K_V1).
 */
const TORCHVISION: Record<DenseNetDepth, { params: number; gmacs: number }> = {
  121: { params: 7_978_856, gmacs: 2.834 },
  169: { params: 14_149_480, gmacs: 3.36 },
  201: { params: 20_013_928, gmacs: 4.29 },
};

describe("densenet", () => {
  it.each(DENSENET_DEPTHS)(
    "densenet%i has torchvision's trainable params and MACs (within 0.5%%)",
    (depth) => {
      const cost = costOf(densenet({ depth }));
      expect(cost.total.params.trainable).toBe(TORCHVISION[depth].params);
      expect(Math.abs(cost.total.macs / 1e9 / TORCHVISION[depth].gmacs - 1)).toBeLessThan(0.005);
    },
  );

  it("densenet121's total with moving statistics is keras.applications.DenseNet121's", () => {
    expect(costOf(densenet({ depth: 121 })).total.params.total).toBe(8_062_504);
  });

  it("grows each block by 32 channels per layer and halves them at transitions", () => {
    const g = graphOf(densenet({ depth: 121 }));
    expect(shapeAt(g, "denseblock1.0/concat")).toEqual([56, 56, 64 + 32]);
    expect(shapeAt(g, "denseblock1.5/concat")).toEqual([56, 56, 256]);
    expect(shapeAt(g, "transition1/pool")).toEqual([28, 28, 128]);
    expect(shapeAt(g, "denseblock3.23/concat")).toEqual([14, 14, 1024]);
    expect(shapeAt(g, "denseblock4.15/concat")).toEqual([7, 7, 1024]);
    expect(g.nodes.filter((n) => n.kind === "concat")).toHaveLength(6 + 12 + 24 + 16);
    expect(g.nodes.find((n) => n.id === "denseblock2.0/concat")?.inputs).toEqual([
      "transition1/pool",
      "denseblock2.0/conv2",
    ]);
  });

  it("counts one dense layer by hand", () => {
    const cost = costOf(densenet({ depth: 121 }));
    // Layer 3 of block 1 sees 64 + 2*32 = 128 channels.
    const layer = cost.nodes.filter((n) => n.id.startsWith("denseblock1.2/"));
    expect(layer.reduce((s, n) => s + n.params.trainable, 0)).toBe(
      bnParams(128) + convParams(1, 128, 128) + bnParams(128) + convParams(3, 128, 32),
    );
  });

  it("follows growthRate, bnSize and compression", () => {
    const g = graphOf(densenet({ depth: 121, growthRate: 12, bnSize: 2, compression: 0.25 }));
    expect(shapeAt(g, "denseblock1.0/conv1")).toEqual([56, 56, 24]);
    expect(shapeAt(g, "transition1/conv")).toEqual([56, 56, Math.floor((64 + 6 * 12) * 0.25)]);
  });

  it("rejects bad options", () => {
    expectOptionError(() => densenet({ depth: 100 as DenseNetDepth }), "depth");
    expectOptionError(() => densenet({ depth: 121, growthRate: 0 }), "growthRate");
    expectOptionError(() => densenet({ depth: 121, compression: 0 }), "compression");
    expectOptionError(() => densenet({ depth: 121, inputShape: [1, 2, 3, 4] }), "inputShape");
  });
});
