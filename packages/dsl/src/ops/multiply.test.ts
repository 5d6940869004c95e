import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("multiply", () => {
  it("multiplies identical shapes: (n-1)*size flops", () => {
    const r = mustRun("multiply", [
      [5, 6, 3],
      [5, 6, 3],
      [5, 6, 3],
    ]);
    expect([r.shape, r.macs, r.flops]).toEqual([[5, 6, 3], 0, 180]);
  });

  it("takes no params", () => {
    expect(runOp("multiply", [[3], [3]], { axis: 0 }).ok).toBe(false);
  });

  it("reports each mismatching input with its name and index", () => {
    const r = runOp(
      "multiply",
      [
        [5, 6, 3],
        [5, 6, 4],
        [5, 5, 3],
      ],
      {},
      { nodeId: "gate", inputIds: ["a", "b", "c"] },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path)).toEqual([
      ["inputs", 1],
      ["inputs", 2],
    ]);
    expect(r.issues[0]).toMatchObject({ code: "shape_mismatch", expected: "[5,6,3]", received: "[5,6,4]" });
    expect(r.issues[0]?.message).toBe(
      'node "gate" (multiply): input 2 "b" has shape [5,6,4], expected [5,6,3] like input 1 "a"',
    );
    expect(r.issues[0]?.hint).toContain("project the channels");
  });
});
