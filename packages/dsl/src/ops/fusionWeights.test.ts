import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";
import { fusionInit, normalizeFlops } from "./fusionWeights.js";

describe("fusionWeights", () => {
  it("anchor -> [count], whatever the anchor's shape", () => {
    expect(mustRun("fusionWeights", [[5, 6, 3]], { count: 3 }).shape).toEqual([3]);
    expect(mustRun("fusionWeights", [[7]], { count: 2, init: [0.5, 2] }).weights).toEqual([
      { name: "weights", shape: [2], trainable: true, init: { kind: "values", values: [0.5, 2] } },
    ]);
  });

  it("starts at 1/n each without init", () => {
    expect(fusionInit(4, undefined)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(fusionInit(3, 0.2)).toEqual([0.2, 0.2, 0.2]);
    expect(mustRun("fusionWeights", [[1]], { count: 4 }).weights[0]?.init).toEqual({
      kind: "values",
      values: [0.25, 0.25, 0.25, 0.25],
    });
  });

  it("costs the normalisation only", () => {
    expect(normalizeFlops(3, "none")).toBe(0);
    expect(normalizeFlops(3, "softmax")).toBe(15);
    expect(normalizeFlops(3, "relu")).toBe(3 + 2 + 1 + 3);
    expect(mustRun("fusionWeights", [[1]], { count: 3, normalize: "relu" }).flops).toBe(9);
  });

  it("rejects bad params and an init of the wrong length", () => {
    expect(runOp("fusionWeights", [[1]], { count: 0 }).ok).toBe(false);
    expect(runOp("fusionWeights", [[1]], { count: 2, normalize: "l2" }).ok).toBe(false);
    const r = runOp("fusionWeights", [[1]], { count: 3, init: [1, 2] });
    expect(!r.ok && r.issues[0]).toMatchObject({
      code: "invalid_params",
      path: ["init"],
      received: "2 numbers",
    });
  });
});
