import { describe, expect, it } from "vitest";
import { maxRelError, median, roundRatios, spread } from "./stats.js";

describe("median and spread", () => {
  it("takes the middle value, or the mean of the two middle ones, without reordering the input", () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(spread([3, 9, 1, 7])).toEqual({ median: 5, min: 1, max: 9 });
  });

  it("is not the mean (negative control: an outlier moves the mean, not the median)", () => {
    const xs = [10, 10, 10, 10, 1000];
    expect(median(xs)).toBe(10);
    expect(xs.reduce((a, b) => a + b) / xs.length).not.toBe(10);
  });
});

describe("roundRatios", () => {
  it("divides round by round, so load both engines saw cancels", () => {
    // Round 2 is twice as slow for both engines: its ratio equals round 1's.
    const ours = [100, 200, 110];
    const base = [200, 400, 200];
    expect(roundRatios(ours, base)).toEqual([0.5, 0.5, 0.55]);
    expect(spread(roundRatios(ours, base))).toEqual({ median: 0.5, min: 0.5, max: 0.55 });
  });

  it("differs from the ratio of medians (negative control: pairing matters)", () => {
    const ours = [100, 300, 200];
    const base = [300, 100, 200];
    expect(median(roundRatios(ours, base))).toBe(1);
    const unpaired = roundRatios(ours, [...base].reverse());
    expect(median(unpaired)).not.toBe(median(roundRatios(ours, base)) + 1);
    expect(unpaired).not.toEqual(roundRatios(ours, base));
  });

  it("uses only the rounds both engines have", () => {
    expect(roundRatios([1, 2, 3], [1, 1])).toEqual([1, 2]);
  });
});

describe("maxRelError", () => {
  const ref = [Float32Array.from([1, -4, 2]), Float32Array.from([0.5, 0.25])];
  it("is zero for identical outputs and scales by each output's max |ref|", () => {
    expect(
      maxRelError(
        ref,
        ref.map((a) => a.slice()),
      ),
    ).toBe(0);
    const other = [Float32Array.from([1, -4, 2.004]), Float32Array.from([0.5, 0.25])];
    // |2.004 - 2| / 4, with float32 rounding of 2.004.
    expect(maxRelError(ref, other)).toBeCloseTo(0.001, 6);
  });

  it("catches a perturbed element above 1e-4 (negative control)", () => {
    const other = ref.map((a) => a.slice());
    (other[1] as Float32Array)[1] = 0.25 + 0.5 * 2e-4;
    expect(maxRelError(ref, other)).toBeGreaterThan(1e-4);
  });

  it("is NaN for a missing output, a length mismatch or a non-finite value", () => {
    expect(maxRelError(ref, ref.slice(0, 1))).toBeNaN();
    expect(maxRelError(ref, [Float32Array.from([1, -4]), ref[1] as Float32Array])).toBeNaN();
    expect(maxRelError(ref, [Float32Array.from([1, Number.NaN, 2]), ref[1] as Float32Array])).toBeNaN();
  });
});
