import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("globalAvgPool", () => {
  it("[H,W,C] -> [C], or [1,1,C] with keepDims", () => {
    expect(mustRun("globalAvgPool", [[5, 7, 3]]).shape).toEqual([3]);
    expect(mustRun("globalAvgPool", [[5, 7, 3]], { keepDims: true }).shape).toEqual([1, 1, 3]);
  });

  it("costs H*W*C flops and nothing else", () => {
    const r = mustRun("globalAvgPool", [[7, 7, 2048]]);
    expect([r.paramCount, r.macs, r.flops]).toEqual([0, 0, 7 * 7 * 2048]);
  });

  it("rejects bad params and a non-image input", () => {
    expect(runOp("globalAvgPool", [[5, 7, 3]], { keepDims: "yes" }).ok).toBe(false);
    const r = runOp("globalAvgPool", [[21]], {}, { nodeId: "gap", inputIds: ["fc"] });
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["input"], received: "[21]" });
    expect(!r.ok && r.issues[0]?.message).toContain('"gap"');
  });
});
