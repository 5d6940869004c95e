import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("batchNorm", () => {
  it("Keras BatchNormalization on 64 channels: 128 trainable + 128 non-trainable", () => {
    const r = mustRun("batchNorm", [[5, 6, 64]]);
    expect(r.trainable).toBe(128);
    expect(r.paramCount - r.trainable).toBe(128);
    expect(r.weights.map((w) => [w.name, w.init.kind, w.trainable])).toEqual([
      ["gamma", "ones", true],
      ["beta", "zeros", true],
      ["movingMean", "zeros", false],
      ["movingVariance", "ones", false],
    ]);
    expect(r.params).toEqual({ epsilon: 1e-3, momentum: 0.99, center: true, scale: true });
  });

  it("drops gamma/beta with scale/center off and works on any rank", () => {
    expect(mustRun("batchNorm", [[7]], { scale: false }).weights.map((w) => w.name)).toEqual([
      "beta",
      "movingMean",
      "movingVariance",
    ]);
    expect(mustRun("batchNorm", [[3, 7]], { center: false, scale: false }).trainable).toBe(0);
    expect(mustRun("batchNorm", [[3, 7]]).shape).toEqual([3, 7]);
  });

  it("costs 0 MACs and 2 flops per element", () => {
    const r = mustRun("batchNorm", [[5, 6, 3]]);
    expect([r.macs, r.flops]).toEqual([0, 180]);
  });

  it("rejects bad params and a scalar input", () => {
    expect(runOp("batchNorm", [[4]], { epsilon: -1 }).ok).toBe(false);
    expect(runOp("batchNorm", [[4]], { axis: 1 }).ok).toBe(false);
    const r = runOp("batchNorm", [[]]);
    expect(!r.ok && r.issues[0]?.code).toBe("shape_mismatch");
  });
});
