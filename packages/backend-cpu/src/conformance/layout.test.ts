import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { channelsFirst, channelsLast, compareTensors, permute, reshape } from "./layout.js";

const seq = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe("layout changes", () => {
  it("moves NCHW to NHWC: element (n,c,h,w) lands at (n,h,w,c)", () => {
    // [1, 2, 2, 3]: value = c*6 + h*3 + w
    const nhwc = channelsLast({ shape: [1, 2, 2, 3], data: seq(12) });
    expect(nhwc.shape).toEqual([1, 2, 3, 2]);
    expect(Array.from(nhwc.data)).toEqual([0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11]);
  });

  it("channelsFirst undoes channelsLast for any rank-4 shape", () => {
    const dim = fc.integer({ min: 1, max: 4 });
    fc.assert(
      fc.property(fc.tuple(dim, dim, dim, dim), (shape) => {
        const t = { shape, data: seq(shape.reduce((a, b) => a * b, 1)) };
        expect(channelsFirst(channelsLast(t))).toEqual(t);
      }),
    );
  });

  it("permutes a matrix into its transpose and refuses a bad permutation", () => {
    const t = permute({ shape: [2, 3], data: seq(6) }, [1, 0]);
    expect(t).toEqual({ shape: [3, 2], data: Float32Array.from([0, 3, 1, 4, 2, 5]) });
    expect(() => permute({ shape: [2, 3], data: seq(6) }, [0, 0])).toThrow(RangeError);
  });

  it("reshapes only when the element count is kept", () => {
    expect(reshape({ shape: [2, 3], data: seq(6) }, [3, 2]).shape).toEqual([3, 2]);
    expect(() => reshape({ shape: [2, 3], data: seq(6) }, [4, 2])).toThrow(/cannot reshape/);
  });
});

describe("compareTensors", () => {
  const tol = { atol: 1e-4, rtol: 1e-4 };
  const t = (data: number[]) => ({ shape: [data.length], data: Float32Array.from(data) });

  it("accepts |a-e| <= atol + rtol*|e| and reports the largest error", () => {
    const r = compareTensors(t([1000.05, 0.00005]), t([1000, 0]), tol);
    expect(r.withinTolerance).toBe(true);
    expect(r.maxAbsError).toBeCloseTo(0.05, 3);
  });

  it("rejects an error past the tolerance, NaN, and a shape mismatch", () => {
    expect(compareTensors(t([0.0003]), t([0]), tol).withinTolerance).toBe(false);
    expect(compareTensors(t([Number.NaN]), t([0]), tol).withinTolerance).toBe(false);
    const shape = compareTensors({ shape: [2, 1], data: seq(2) }, { shape: [1, 2], data: seq(2) }, tol);
    expect(shape.sameShape).toBe(false);
  });
});
