import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("concat", () => {
  it("sums the axis, default channels", () => {
    expect(
      mustRun("concat", [
        [5, 6, 3],
        [5, 6, 4],
        [5, 6, 1],
      ]).shape,
    ).toEqual([5, 6, 8]);
    expect(
      mustRun(
        "concat",
        [
          [5, 6, 3],
          [2, 6, 3],
        ],
        { axis: 0 },
      ).shape,
    ).toEqual([7, 6, 3]);
    expect(
      mustRun(
        "concat",
        [
          [5, 6, 3],
          [5, 1, 3],
        ],
        { axis: -2 },
      ).shape,
    ).toEqual([5, 7, 3]);
  });

  it("DenseNet-121 block 1: 64 + 6*32 channels = 256, free", () => {
    const r = mustRun("concat", [[56, 56, 64], ...Array.from({ length: 6 }, () => [56, 56, 32])]);
    expect([r.shape, r.paramCount, r.macs, r.flops]).toEqual([[56, 56, 256], 0, 0, 0]);
  });

  it("rejects bad params and an axis outside the rank", () => {
    expect(runOp("concat", [[3], [3]], { axis: 0.5 }).ok).toBe(false);
    const r = runOp(
      "concat",
      [
        [5, 6, 3],
        [5, 6, 3],
      ],
      { axis: 3 },
    );
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "invalid_params", path: ["axis"] });
  });

  it("reports inputs that differ off the axis, naming node and input", () => {
    const r = runOp(
      "concat",
      [
        [28, 28, 256],
        [27, 27, 128],
      ],
      {},
      { nodeId: "up3", inputIds: ["up4.up", "c3"] },
    );
    expect(!r.ok && r.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["inputs", 1],
      expected: "[28,28,*]",
      received: "[27,27,128]",
    });
    expect(!r.ok && r.issues[0]?.message).toContain(
      'merge "up3" (concat): input 2 "c3" has shape [27,27,128]',
    );
    expect(!r.ok && r.issues[0]?.hint).toContain("crop or upsample");
    const rank = runOp("concat", [
      [5, 6, 3],
      [30, 3],
    ]);
    expect(!rank.ok && rank.issues[0]?.hint).toContain("same rank");
  });
});
