import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convParams, costOf, expectOptionError, graphOf, shapeAt } from "./__fixtures__/graphs.js";
import { UNET_MIN_VALID_SIZE, unet, unetOutputSize } from "./unet.js";

/** U-Net's params by hand: two 3x3 convs per level, 2x2 up-convs, a 1x1 head (all with bias). */
function unetParams(merge: "concat" | "add"): number {
  const widths = [64, 128, 256, 512, 1024];
  let total = 0;
  let cin = 1;
  for (const w of widths) {
    total += convParams(3, cin, w, true) + convParams(3, w, w, true);
    cin = w;
  }
  for (const w of [512, 256, 128, 64]) {
    total += convParams(2, 2 * w, w, true); // up-conv halves the channels
    total += convParams(3, merge === "concat" ? 2 * w : w, w, true) + convParams(3, w, w, true);
  }
  return total + convParams(1, 64, 2, true);
}

describe("unet", () => {
  it("is the paper's network: 31,030,658 params, 572x572x1 in, 388x388x2 out", () => {
    expect(unetParams("concat")).toBe(31_030_658);
    const g = graphOf(unet());
    expect(costOf(unet()).total.params.trainable).toBe(31_030_658);
    expect(g.inputs).toEqual([{ id: "image", shape: [572, 572, 1] }]);
    expect(shapeAt(g, "head")).toEqual([388, 388, 2]);
    expect(shapeAt(g, "bottom/relu2")).toEqual([28, 28, 1024]);
    // The skip from the first level is centre-cropped from 568 to the up-conv's 392.
    expect(shapeAt(g, "down1/relu2")).toEqual([568, 568, 64]);
    expect(shapeAt(g, "up1/crop")).toEqual([392, 392, 64]);
    expect(shapeAt(g, "up1/merge")).toEqual([392, 392, 128]);
  });

  it("has 188 as its smallest valid input, and valid inputs are 188 + 16k (property)", () => {
    expect(UNET_MIN_VALID_SIZE).toBe(188);
    expect(unetOutputSize(188)).toBe(4);
    expect(unetOutputSize(572)).toBe(388);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (s) => {
        const out = unetOutputSize(s);
        if (s >= 188 && (s - 188) % 16 === 0) expect(out).toBe(s - 184);
        else expect(out).toBeUndefined();
      }),
    );
    expect(shapeAt(graphOf(unet({ inputShape: [188, 204, 1] })), "head")).toEqual([4, 20, 2]);
  });

  it("with padding same keeps the size and drops the crops", () => {
    const g = graphOf(unet({ padding: "same", inputShape: [64, 64, 3], classes: 5 }));
    expect(shapeAt(g, "head")).toEqual([64, 64, 5]);
    expect(g.nodes.some((n) => n.kind === "crop")).toBe(false);
    expect(unetOutputSize(64, "same")).toBe(64);
    expect(unetOutputSize(72, "same")).toBeUndefined();
  });

  it("merges skips by add or weightedAdd when asked (the up-conv already halves the channels)", () => {
    expect(costOf(unet({ merge: "add" })).total.params.trainable).toBe(unetParams("add"));
    const g = graphOf(unet({ merge: "weightedAdd", inputShape: [188, 188, 1] }));
    expect(g.nodes.filter((n) => n.kind === "weightedAdd").map((n) => n.id)).toEqual([
      "up4/merge",
      "up3/merge",
      "up2/merge",
      "up1/merge",
    ]);
    // Two fusion weights per merge on top of the add version.
    expect(costOf(unet({ merge: "weightedAdd" })).total.params.trainable).toBe(unetParams("add") + 4 * 2);
  });

  it("rejects bad options", () => {
    expectOptionError(() => unet({ inputShape: [570, 570, 1] }), "inputShape");
    expectOptionError(() => unet({ inputShape: [572, 572] }), "inputShape");
    expectOptionError(() => unet({ padding: "same", inputShape: [100, 100, 1] }), "inputShape");
    expectOptionError(() => unet({ merge: "mul" as "add" }), "merge");
    expectOptionError(() => unet({ padding: "full" as "same" }), "padding");
    expectOptionError(() => unet({ classes: 1.5 }), "classes");
  });
});
