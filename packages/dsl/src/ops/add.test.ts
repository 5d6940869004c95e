import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("add", () => {
  it("sums identical shapes: (n-1)*size flops", () => {
    const r = mustRun("add", [
      [5, 6, 3],
      [5, 6, 3],
    ]);
    expect([r.shape, r.paramCount, r.macs, r.flops]).toEqual([[5, 6, 3], 0, 0, 90]);
  });

  it("names node and input and hints at conv1x1Add for a channel mismatch", () => {
    const r = runOp(
      "add",
      [
        [28, 28, 256],
        [28, 28, 512],
      ],
      {},
      { nodeId: "p4", inputIds: ["p5.up", "c3.lateral"] },
    );
    expect(!r.ok && r.issues[0]?.message).toBe(
      'merge "p4" (add): input 2 "c3.lateral" has shape [28,28,512], expected [28,28,256] like input 1 "p5.up"',
    );
    expect(!r.ok && r.issues[0]?.hint).toBe("use conv1x1Add to project channels, or concat");
    const spatial = runOp("add", [
      [28, 28, 256],
      [14, 14, 256],
    ]);
    expect(!spatial.ok && spatial.issues[0]?.hint).toContain("crop/upsample");
  });

  it("takes no params", () => {
    expect(runOp("add", [[3], [3]], { bias: true }).ok).toBe(false);
  });
});
