import { describe, expect, it } from "vitest";
import { mustRun, runOp } from "../testing/harness.js";
import { resizeSource, upsample } from "./upsample.js";

describe("upsample", () => {
  it.each([
    [{ factor: 2 }, [10, 12, 3]],
    [{ factor: [2, 3] }, [10, 18, 3]],
    [{ size: [7, 9] }, [7, 9, 3]],
    [{ size: [3, 3], mode: "bilinear" }, [3, 3, 3]],
    [{ factor: 2, mode: "bilinear", alignCorners: true }, [10, 12, 3]],
  ])("[5,6,3] with %j -> %j", (p, out) => {
    expect(mustRun("upsample", [[5, 6, 3]], p).shape).toEqual(out);
  });

  it("`like` takes the H,W of the ref's shape, given after the data input", () => {
    expect(
      mustRun(
        "upsample",
        [
          [5, 6, 3],
          [11, 13, 8],
        ],
        { like: "c3" },
      ).shape,
    ).toEqual([11, 13, 3]);
    expect(upsample.refs?.(upsample.params.parse({ like: "c3" }))).toEqual(["c3"]);
  });

  it("needs exactly one of factor / size / like, and alignCorners only with bilinear", () => {
    expect(runOp("upsample", [[5, 6, 3]], {}).ok).toBe(false);
    expect(runOp("upsample", [[5, 6, 3]], { factor: 2, size: [10, 12] }).ok).toBe(false);
    expect(runOp("upsample", [[5, 6, 3]], { factor: 2, alignCorners: true }).ok).toBe(false);
    expect(runOp("upsample", [[5, 6, 3]], { factor: 1.5 }).ok).toBe(false);
  });

  it("costs 7 flops per output element bilinear, 0 nearest", () => {
    expect(mustRun("upsample", [[5, 6, 3]], { factor: 2 }).flops).toBe(0);
    expect(mustRun("upsample", [[5, 6, 3]], { factor: 2, mode: "bilinear" }).flops).toBe(7 * 360);
  });

  it("source coordinates match PyTorch's interpolate", () => {
    // nearest: floor(d * n / m)
    expect([0, 1, 2, 3, 4, 5].map((d) => resizeSource(d, 3, 6, "nearest", false))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
    expect([0, 1, 2, 3].map((d) => resizeSource(d, 3, 4, "nearest", false))).toEqual([0, 0, 1, 2]);
    // bilinear [1,2] -> size 4 gives [1, 1.25, 1.75, 2] (align_corners=False) and [1, 4/3, 5/3, 2] (True)
    const lerp = (s: number) => 1 + s;
    expect([0, 1, 2, 3].map((d) => lerp(resizeSource(d, 2, 4, "bilinear", false)))).toEqual([
      1, 1.25, 1.75, 2,
    ]);
    const aligned = [0, 1, 2, 3].map((d) => lerp(resizeSource(d, 2, 4, "bilinear", true)));
    for (const [i, v] of aligned.entries()) expect(v).toBeCloseTo([1, 4 / 3, 5 / 3, 2][i] ?? Number.NaN, 12);
  });

  it("reports a non-image `like` at the like param", () => {
    const r = runOp("upsample", [[5, 6, 3], [10]], { like: "fc" });
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["like"] });
  });
});
