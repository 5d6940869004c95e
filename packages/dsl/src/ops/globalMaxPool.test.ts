import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("globalMaxPool", () => {
  it("[H,W,C] -> [C], or [1,1,C] with keepDims; (H*W-1)*C comparisons", () => {
    expect(mustRun("globalMaxPool", [[5, 7, 3]]).shape).toEqual([3]);
    const r = mustRun("globalMaxPool", [[5, 7, 3]], { keepDims: true });
    expect(r.shape).toEqual([1, 1, 3]);
    expect([r.macs, r.flops]).toEqual([0, 34 * 3]);
  });

  it("rejects bad params and a wrong rank", () => {
    expect(runOp("globalMaxPool", [[5, 7, 3]], { axis: 1 }).ok).toBe(false);
    const r = runOp("globalMaxPool", [[5, 7, 3, 1]]);
    expect(!r.ok && r.issues[0]?.code).toBe("shape_mismatch");
  });
});
