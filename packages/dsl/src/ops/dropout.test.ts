import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("dropout", () => {
  it("is the identity on shape, with no cost at inference", () => {
    const r = mustRun("dropout", [[5, 6, 3]], { rate: 0.5 });
    expect([r.shape, r.paramCount, r.flops]).toEqual([[5, 6, 3], 0, 0]);
    expect(mustRun("dropout", [[2]], { rate: 0 }).shape).toEqual([2]);
  });

  it("needs 0 <= rate < 1", () => {
    expect(runOp("dropout", [[2]], {}).ok).toBe(false);
    expect(runOp("dropout", [[2]], { rate: 1 }).ok).toBe(false);
    expect(runOp("dropout", [[2]], { rate: -0.1 }).ok).toBe(false);
  });
});
