import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("zeroPad", () => {
  it("adds [t,b,l,r] (Keras ZeroPadding2D(((1,2),(3,4)))) or one int on all sides", () => {
    expect(mustRun("zeroPad", [[5, 6, 3]], { padding: [1, 2, 3, 4] }).shape).toEqual([8, 13, 3]);
    expect(mustRun("zeroPad", [[5, 6, 3]], { padding: 1 }).shape).toEqual([7, 8, 3]);
    expect(mustRun("zeroPad", [[5, 6, 3]], { padding: 0 }).shape).toEqual([5, 6, 3]);
  });

  it("requires padding and rejects negative pads", () => {
    expect(runOp("zeroPad", [[5, 6, 3]], {}).ok).toBe(false);
    expect(runOp("zeroPad", [[5, 6, 3]], { padding: [1, -1, 0, 0] }).ok).toBe(false);
    expect(runOp("zeroPad", [[5, 6, 3]], { padding: [1, 1] }).ok).toBe(false);
  });

  it("reports a wrong rank", () => {
    const r = runOp("zeroPad", [[5, 6]], { padding: 1 });
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "shape_mismatch", expected: "rank 3 [H,W,C]" });
  });
});
