import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("activation", () => {
  it.each([
    ["relu", 1],
    ["leakyRelu", 2],
    ["sigmoid", 3],
    ["tanh", 5],
    ["softmax", 5],
  ])("%s keeps the shape and costs %i flops per element", (fn, perElement) => {
    const r = mustRun("activation", [[5, 6, 3]], { fn });
    expect(r.shape).toEqual([5, 6, 3]);
    expect([r.paramCount, r.macs, r.flops]).toEqual([0, 0, 90 * perElement]);
  });

  it("applies the documented defaults only where they belong", () => {
    expect(mustRun("activation", [[3]], { fn: "leakyRelu" }).params).toEqual({
      fn: "leakyRelu",
      alpha: 0.01,
    });
    expect(mustRun("activation", [[3]], { fn: "softmax" }).params).toEqual({ fn: "softmax", axis: -1 });
    expect(mustRun("activation", [[3]], { fn: "relu" }).params).toEqual({ fn: "relu" });
  });

  it("rejects unknown functions and params of another function", () => {
    expect(runOp("activation", [[3]], { fn: "gelu" }).ok).toBe(false);
    expect(runOp("activation", [[3]], { fn: "relu", alpha: 0.2 }).ok).toBe(false);
    expect(runOp("activation", [[3]], {}).ok).toBe(false);
  });

  it("reports a softmax axis outside the input's rank", () => {
    const r = runOp("activation", [[5, 6, 3]], { fn: "softmax", axis: 3 }, { nodeId: "probs" });
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "invalid_params", path: ["axis"], received: "3" });
    expect(mustRun("activation", [[5, 6, 3]], { fn: "softmax", axis: -3 }).shape).toEqual([5, 6, 3]);
  });
});
