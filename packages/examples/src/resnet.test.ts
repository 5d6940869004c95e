import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bnParams, convParams, costOf, expectOptionError, graphOf, shapeAt } from "./__fixtures__/graphs.js";
import { RESNET_DEPTHS, type ResNetDepth, resnet } from "./resnet.js";

/**
 * torchvision's published figures (num_params and GFLOPS, which are multiply-accumulates), from each
 * model's page https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet<N>.html
 * (IMAGENET1K_V1 weights). resnet101's 7.80 also appears in lucid-dl's port card
 * (https://huggingface.co/lucid-dl/resnet-101: "44.5M 7.801 ... torchvision").
 */
const TORCHVISION: Record<ResNetDepth, { params: number; gmacs: number }> = {
  18: { params: 11_689_512, gmacs: 1.814 },
  34: { params: 21_797_672, gmacs: 3.66 },
  50: { params: 25_557_032, gmacs: 4.089 },
  101: { params: 44_549_160, gmacs: 7.8 },
  152: { params: 60_192_808, gmacs: 11.51 },
};

describe("resnet", () => {
  it.each(RESNET_DEPTHS)("resnet%i has torchvision's trainable params and MACs (within 0.5%%)", (depth) => {
    const cost = costOf(resnet({ depth }));
    expect(cost.total.params.trainable).toBe(TORCHVISION[depth].params);
    expect(Math.abs(cost.total.macs / 1e9 / TORCHVISION[depth].gmacs - 1)).toBeLessThan(0.005);
  });

  it("resnet50 with conv biases matches keras.applications.ResNet50's total (moving stats included)", () => {
    const cost = costOf(resnet({ depth: 50, convBias: true }));
    expect(cost.total.params.total).toBe(25_636_712);
    // Moving mean and variance of 53,120 BN channels / 2 (the same BNs as without biases).
    expect(cost.total.params.nonTrainable).toBe(costOf(resnet({ depth: 50 })).total.params.nonTrainable);
  });

  it("puts the stride on the 3x3 conv of the bottleneck (v1.5) and on the projection", () => {
    const g = graphOf(resnet({ depth: 50 }));
    expect(shapeAt(g, "layer2.0/conv1")).toEqual([56, 56, 128]);
    expect(shapeAt(g, "layer2.0/conv2")).toEqual([28, 28, 128]);
    expect(shapeAt(g, "layer2.0/downsample.0")).toEqual([28, 28, 512]);
    expect(shapeAt(g, "maxpool")).toEqual([56, 56, 64]);
    for (const [id, shape] of [
      ["layer1.2/out", [56, 56, 256]],
      ["layer2.3/out", [28, 28, 512]],
      ["layer3.5/out", [14, 14, 1024]],
      ["layer4.2/out", [7, 7, 2048]],
    ] as const) {
      expect(shapeAt(g, id)).toEqual(shape);
    }
  });

  it("projects the shortcut exactly where the shape changes, and merges every block by add", () => {
    const projections = (depth: ResNetDepth) =>
      graphOf(resnet({ depth }))
        .nodes.filter((n) => n.id.endsWith("/downsample.0"))
        .map((n) => n.id);
    // Basic blocks keep 64 channels in layer1, so only stages 2-4 project; bottlenecks always do.
    expect(projections(18)).toEqual([
      "layer2.0/downsample.0",
      "layer3.0/downsample.0",
      "layer4.0/downsample.0",
    ]);
    expect(projections(50)).toEqual([
      "layer1.0/downsample.0",
      "layer2.0/downsample.0",
      "layer3.0/downsample.0",
      "layer4.0/downsample.0",
    ]);
    const g = graphOf(resnet({ depth: 34 }));
    const adds = g.nodes.filter((n) => n.kind === "add");
    expect(adds).toHaveLength(3 + 4 + 6 + 3);
    expect(adds.find((n) => n.id === "layer1.1/add")?.inputs).toEqual(["layer1.1/bn2", "layer1.0/out"]);
  });

  it("counts the classifier from `classes` by hand", () => {
    const ten = costOf(resnet({ depth: 18, classes: 10 })).total.params.trainable;
    expect(ten).toBe(TORCHVISION[18].params - (512 * 1000 + 1000) + (512 * 10 + 10));
    // One basic block of layer1 by hand: two 3x3 convs 64->64 and two BNs.
    const cost = costOf(resnet({ depth: 18 }));
    const block = cost.nodes.filter((n) => n.id.startsWith("layer1.0/"));
    expect(block.reduce((s, n) => s + n.params.trainable, 0)).toBe(
      2 * convParams(3, 64, 64) + 2 * bnParams(64),
    );
  });

  it("has params independent of the input size (property)", () => {
    const base = costOf(resnet({ depth: 18 })).total.params.trainable;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), (a, b) => {
        const g = graphOf(resnet({ depth: 18, inputShape: [32 * a, 32 * b, 3] }));
        expect(shapeAt(g, "layer4.1/out")).toEqual([a, b, 512]);
        expect(costOf(resnet({ depth: 18, inputShape: [32 * a, 32 * b, 3] })).total.params.trainable).toBe(
          base,
        );
      }),
      { numRuns: 8 },
    );
  });

  it("rejects bad options with a SpecError naming the option", () => {
    expectOptionError(() => resnet({ depth: 20 as ResNetDepth }), "depth");
    expectOptionError(() => resnet({ depth: 18, inputShape: [224, 224] }), "inputShape");
    expectOptionError(() => resnet({ depth: 18, inputShape: [224, 0, 3] }), "inputShape");
    expectOptionError(() => resnet({ depth: 18, classes: 0 }), "classes");
  });
});
