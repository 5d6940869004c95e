import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("flatten", () => {
  it("any shape -> [numel], free", () => {
    expect(mustRun("flatten", [[5, 6, 3]]).shape).toEqual([90]);
    expect(mustRun("flatten", [[7, 7, 512]]).shape).toEqual([25088]);
    const r = mustRun("flatten", [[4]]);
    expect([r.shape, r.paramCount, r.macs, r.flops]).toEqual([[4], 0, 0, 0]);
  });

  it("takes no params", () => {
    expect(runOp("flatten", [[5, 6, 3]], { axis: 1 }).ok).toBe(false);
  });
});
