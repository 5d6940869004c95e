import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { didYouMean, editDistance } from "./suggest.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("imgae", "image")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("conv2d", "conv2d")).toBe(0);
  });

  it("is symmetric and gives up past the bound", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(editDistance(a, b, 1)).toBe(Math.min(d, 2));
      }),
    );
  });
});

describe("didYouMean", () => {
  it("suggests close names only", () => {
    expect(didYouMean("kernel_size", ["kernelSize", "filters"])).toBe("kernelSize");
    expect(didYouMean("conv2", ["conv2d", "concat"])).toBe("conv2d");
    expect(didYouMean("batchnorm", ["batchNorm"])).toBe("batchNorm");
    expect(didYouMean("zzz", ["conv2d", "add"])).toBeUndefined();
    expect(didYouMean("add", ["add"])).toBeUndefined();
  });
});
