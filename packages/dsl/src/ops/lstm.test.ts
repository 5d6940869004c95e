import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("lstm", () => {
  it("Keras LSTM(64) on 32 features has 24,832 params in Keras's layout and initialisers", () => {
    const r = mustRun("lstm", [[10, 32]], { units: 64 });
    expect(r.paramCount).toBe(24_832);
    expect(r.weights).toEqual([
      {
        name: "kernel",
        shape: [32, 256],
        trainable: true,
        init: { kind: "glorotUniform", fanIn: 32, fanOut: 256 },
      },
      { name: "recurrentKernel", shape: [64, 256], trainable: true, init: { kind: "orthogonal" } },
      { name: "bias", shape: [256], trainable: true, init: { kind: "lstmBias", units: 64 } },
    ]);
    expect(r.shape).toEqual([64]);
  });

  it("returnSequences gives [T, units]; unitForgetBias false gives a zero bias", () => {
    const r = mustRun("lstm", [[10, 32]], { units: 64, returnSequences: true, unitForgetBias: false });
    expect(r.shape).toEqual([10, 64]);
    expect(r.weights[2]?.init).toEqual({ kind: "zeros" });
  });

  it("MACs are T*(F*4u + u*4u); flops add 31 per step and unit", () => {
    const r = mustRun("lstm", [[10, 32]], { units: 64 });
    expect(r.macs).toBe(10 * (32 * 256 + 64 * 256));
    expect(r.flops).toBe(2 * 245_760 + 10 * 64 * 31);
  });

  it("rejects bad params and a non-sequence input", () => {
    expect(runOp("lstm", [[10, 32]], { units: 0 }).ok).toBe(false);
    expect(runOp("lstm", [[10, 32]], { units: 4, goBackwards: true }).ok).toBe(false);
    const r = runOp("lstm", [[5, 6, 3]], { units: 4 }, { nodeId: "rnn", inputIds: ["img"] });
    expect(!r.ok && r.issues[0]).toMatchObject({
      code: "shape_mismatch",
      path: ["input"],
      expected: "rank 2 [T,F]",
    });
    expect(!r.ok && r.issues[0]?.message).toContain('node "rnn" (lstm): input 1 "img"');
  });
});
