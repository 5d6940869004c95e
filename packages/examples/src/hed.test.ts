import { describe, expect, it } from "vitest";
import { convParams, costOf, expectOptionError, graphOf, shapeAt } from "./__fixtures__/graphs.js";
import { hed } from "./hed.js";

describe("hed", () => {
  it("has VGG16's 13 convs, five side outputs and a weighted fusion: 14,716,171 params", () => {
    const vgg =
      convParams(3, 3, 64, true) +
      convParams(3, 64, 64, true) +
      convParams(3, 64, 128, true) +
      convParams(3, 128, 128, true) +
      convParams(3, 128, 256, true) +
      2 * convParams(3, 256, 256, true) +
      convParams(3, 256, 512, true) +
      5 * convParams(3, 512, 512, true);
    expect(vgg).toBe(14_714_688);
    const sides = [64, 128, 256, 512, 512].reduce((s, c) => s + convParams(1, c, 1, true), 0);
    const cost = costOf(hed());
    expect(cost.total.params.trainable).toBe(vgg + sides + 5 + 1);
    expect(cost.total.params.trainable).toBe(14_716_171);
  });

  it("fuses side outputs upsampled to the input size with weights initialised to 0.2 and a bias", () => {
    const g = graphOf(hed({ inputShape: [321, 481, 3] }));
    for (const id of g.outputs) expect(shapeAt(g, id)).toEqual([321, 481, 1]);
    expect(g.outputs[0]).toBe("fuse");
    const fuse = costOf(hed({ inputShape: [64, 64, 3] })).nodes.find((n) => n.id === "fuse");
    expect(fuse?.weights.map((w) => w.shape)).toEqual([[5], [1]]);
    expect(fuse?.weights[0]?.init).toEqual({ kind: "values", values: [0.2, 0.2, 0.2, 0.2, 0.2] });
    expect(g.nodes.filter((n) => n.kind === "conv2d" && /^conv\d_\d$/.test(n.id))).toHaveLength(13);
  });

  it("rejects inputs too small for four pools", () => {
    expectOptionError(() => hed({ inputShape: [8, 64, 3] }), "inputShape");
  });
});
