import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("biasAdd", () => {
  it("adds one learnable scalar: bias [1], numel flops", () => {
    const r = mustRun("biasAdd", [[5, 6, 3]]);
    expect(r.shape).toEqual([5, 6, 3]);
    expect(r.weights).toEqual([{ name: "bias", shape: [1], trainable: true, init: { kind: "zeros" } }]);
    expect([r.macs, r.flops]).toEqual([0, 90]);
    expect(mustRun("biasAdd", [[2]], { init: 0.5 }).weights[0]?.init).toEqual({
      kind: "constant",
      value: 0.5,
    });
  });

  it("rejects bad params", () => {
    expect(runOp("biasAdd", [[2]], { init: "one" }).ok).toBe(false);
    expect(runOp("biasAdd", [[2]], { value: 1 }).ok).toBe(false);
  });
});
