import { describe, expect, it } from "vitest";
import { nonFiniteWeights } from "./non-finite.js";

describe("nonFiniteWeights", () => {
  it("lists the weights holding NaN or ±Infinity with counts by kind and the first index", () => {
    const weights = new Map([
      ["a/kernel", { shape: [2, 2], data: new Float32Array([1, Number.NaN, -Infinity, Number.NaN]) }],
      ["a/bias", { shape: [2], data: new Float32Array([0, 1]) }],
      ["b/kernel", { shape: [3], data: new Float32Array([Infinity, 2, 3]) }],
    ]);
    expect(nonFiniteWeights(weights)).toEqual([
      { name: "a/kernel", shape: [2, 2], nan: 2, posInf: 0, negInf: 1, first: 1 },
      { name: "b/kernel", shape: [3], nan: 0, posInf: 1, negInf: 0, first: 0 },
    ]);
  });

  it("is empty when every value is finite, including the largest float32", () => {
    const weights = new Map([
      ["a/kernel", { shape: [2], data: new Float32Array([3.4028234663852886e38, -0]) }],
    ]);
    expect(nonFiniteWeights(weights)).toEqual([]);
  });
});
