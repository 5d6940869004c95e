import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("scaleBy", () => {
  it("keeps x's shape and costs one multiply per element", () => {
    const r = mustRun("scaleBy", [[5, 6, 3], [3]], { index: 2 });
    expect([r.shape, r.paramCount, r.flops]).toEqual([[5, 6, 3], 0, 90]);
  });

  it("rejects a missing or negative index", () => {
    expect(runOp("scaleBy", [[5], [3]], {}).ok).toBe(false);
    expect(runOp("scaleBy", [[5], [3]], { index: -1 }).ok).toBe(false);
  });

  it("reports an index past the weight vector, and a weight that is not a vector", () => {
    const r = runOp("scaleBy", [[5], [3]], { index: 3 }, { nodeId: "s3", inputIds: ["x", "w"] });
    expect(!r.ok && r.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["inputs", 1],
      received: "[3]",
    });
    expect(!r.ok && r.issues[0]?.message).toContain('node "s3" (scaleBy): input 2 "w"');
    expect(runOp("scaleBy", [[5], [3, 1]], { index: 0 }).ok).toBe(false);
  });
});
