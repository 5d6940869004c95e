import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("maxPool", () => {
  it.each([
    [{}, [2, 3, 3]],
    [{ padding: "same" }, [3, 3, 3]],
    [{ poolSize: 3, strides: 2 }, [2, 2, 3]],
    [{ poolSize: 3, strides: 2, ceilMode: true }, [2, 3, 3]],
    [{ poolSize: 3, strides: 1, padding: 1 }, [5, 6, 3]],
    [{ poolSize: [2, 3], strides: [1, 2], padding: [0, 1, 1, 1] }, [5, 3, 3]],
    [{ poolSize: 2, strides: 1, dilation: 2 }, [3, 4, 3]],
  ])("[5,6,3] with %j -> %j", (p, out) => {
    expect(mustRun("maxPool", [[5, 6, 3]], p).shape).toEqual(out);
  });

  it("defaults strides to poolSize (non-overlapping windows)", () => {
    expect(mustRun("maxPool", [[9, 9, 1]], { poolSize: 3 }).shape).toEqual([3, 3, 1]);
    expect(mustRun("maxPool", [[9, 9, 1]], { poolSize: 3 }).params.strides).toBeUndefined();
  });

  it("ResNet's stem pool: 112 -> 56 with k3 s2 same", () => {
    expect(mustRun("maxPool", [[112, 112, 64]], { poolSize: 3, strides: 2, padding: "same" }).shape).toEqual([
      56, 56, 64,
    ]);
  });

  it("has no weights, 0 MACs and kh*kw-1 comparisons per output", () => {
    const r = mustRun("maxPool", [[5, 6, 3]], { poolSize: 3, strides: 2 });
    expect([r.paramCount, r.macs, r.flops]).toEqual([0, 0, 2 * 2 * 3 * 8]);
  });

  it("rejects bad params", () => {
    expect(runOp("maxPool", [[5, 6, 3]], { poolSize: 0 }).ok).toBe(false);
    expect(runOp("maxPool", [[5, 6, 3]], { padding: "full" }).ok).toBe(false);
    expect(runOp("maxPool", [[5, 6, 3]], { countIncludePad: true }).ok).toBe(false);
  });

  it("reports a window larger than the input and a wrong rank", () => {
    const r = runOp("maxPool", [[2, 6, 3]], { poolSize: 3 }, { nodeId: "pool1", inputIds: ["relu1"] });
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["poolSize"] });
    expect(!r.ok && r.issues[0]?.message).toContain(
      'node "pool1" (maxPool): window 3x3 does not fit input 1 "relu1"',
    );
    const rank = runOp("maxPool", [[6, 3]]);
    expect(!rank.ok && rank.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["input"] });
  });
});
