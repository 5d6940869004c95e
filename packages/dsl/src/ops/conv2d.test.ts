import { describe, expect, it } from "vitest";
import { conv2d } from "./conv2d.js";

describe("conv2d", () => {
  it("3x3 256->256 has 590,080 params with bias", () => {
    const params = conv2d.params.parse({ filters: 256, kernelSize: 3, padding: "same" });
    const output = [28, 28, 256];
    const n = conv2d
      .weights({ inputs: [[28, 28, 256]], params, output })
      .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(n).toBe(590_080);
  });
});
