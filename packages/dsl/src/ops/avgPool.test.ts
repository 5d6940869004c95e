import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";

describe("avgPool", () => {
  it.each([
    [{}, [2, 3, 3]],
    [{ padding: "same" }, [3, 3, 3]],
    [{ poolSize: 3, strides: 2, padding: "same" }, [3, 3, 3]],
    [{ poolSize: 3, strides: 1, padding: 1, countIncludePad: true }, [5, 6, 3]],
    [{ poolSize: 2, strides: 2, ceilMode: true }, [3, 3, 3]],
  ])("[5,6,3] with %j -> %j", (p, out) => {
    expect(mustRun("avgPool", [[5, 6, 3]], p).shape).toEqual(out);
  });

  it("defaults countIncludePad to false and costs kh*kw flops per output, 0 MACs", () => {
    const r = mustRun("avgPool", [[5, 6, 3]]);
    expect(r.params.countIncludePad).toBe(false);
    expect([r.macs, r.flops]).toEqual([0, 2 * 3 * 3 * 4]);
  });

  it("rejects bad params and reports a window that does not fit", () => {
    expect(runOp("avgPool", [[5, 6, 3]], { strides: [1] }).ok).toBe(false);
    const r = runOp("avgPool", [[5, 1, 3]], { poolSize: 2 });
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "shape_mismatch", received: "2x0" });
  });
});
