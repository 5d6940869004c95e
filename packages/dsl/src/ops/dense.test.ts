import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("dense", () => {
  it("Keras Dense(64) on 32 inputs has 2,112 params", () => {
    const r = mustRun("dense", [[32]], { units: 64 });
    expect(r.paramCount).toBe(2112);
    expect(r.weights[0]).toMatchObject({
      name: "kernel",
      shape: [32, 64],
      init: { kind: "glorotUniform", fanIn: 32, fanOut: 64 },
    });
    expect(r.weights[1]).toMatchObject({ name: "bias", shape: [64], init: { kind: "zeros" } });
    expect(r.macs).toBe(2048);
    expect(r.flops).toBe(2 * 2048 + 64);
  });

  it("acts on the last axis: [5,6,3] -> [5,6,64], MACs prod(leading)*F*units", () => {
    const r = mustRun("dense", [[5, 6, 3]], { units: 64, useBias: false });
    expect(r.shape).toEqual([5, 6, 64]);
    expect([r.paramCount, r.macs, r.flops]).toEqual([192, 5760, 11520]);
  });

  it("VGG-16's fc6: 25088 -> 4096 has 102,764,544 params", () => {
    expect(mustRun("dense", [[25088]], { units: 4096 }).paramCount).toBe(102_764_544);
  });

  it("rejects bad params and a scalar input", () => {
    expect(runOp("dense", [[3]], {}).ok).toBe(false);
    expect(runOp("dense", [[3]], { units: 0 }).ok).toBe(false);
    const r = runOp("dense", [[]], { units: 2 });
    expect(!r.ok && r.issues[0]?.code).toBe("shape_mismatch");
  });
});
