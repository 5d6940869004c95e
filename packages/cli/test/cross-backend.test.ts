import { initWeights, validateSpec } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { loadTfjs } from "../src/backends.js";
import {
  compareOutputs,
  compareValues,
  describeNonFinite,
  verifyGraph,
  worstError,
} from "../src/cross-backend.js";
import { randomInputs } from "../src/tensors.js";
import { SMALL_ADD_NET } from "./helpers.js";

function graphOf(text: string) {
  const r = validateSpec(text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.graph;
}

const CLEAN = {
  ref: { nan: 0, posInf: 0, negInf: 0 },
  got: { nan: 0, posInf: 0, negInf: 0 },
  mismatched: 0,
  firstMismatch: null,
  shared: 0,
  firstShared: null,
};

describe("compareValues / compareOutputs", () => {
  const t = (data: number[], shape = [1, data.length]) => ({ shape, data: new Float32Array(data) });

  it("measures the error against the reference's scale (hand-computed)", () => {
    const g = graphOf(SMALL_ADD_NET);
    const errors = compareOutputs(
      g,
      { probs: t([1, -2, 0.5]), side: t([0, 0]) },
      { probs: t([1.5, -2, 0.5]), side: t([0, 0.25]) },
    );
    expect(errors).toEqual([
      { id: "probs", shape: [1, 3], maxAbsError: 0.5, maxRelError: 0.25, scale: 2, nonFinite: CLEAN },
      // An all-zero reference has no scale: the relative error is the absolute one.
      { id: "side", shape: [1, 2], maxAbsError: 0.25, maxRelError: 0.25, scale: 0, nonFinite: CLEAN },
    ]);
  });

  it("NaN on one side only is an infinite error, counted and located with both values", () => {
    const f = (xs: number[]) => new Float32Array(xs);
    const nan = Number.NaN;
    const r = compareValues(f([1, 2, 3, 4, 5, 6]), f([1, 2, 3, nan, 5, nan]), [2, 3]);
    expect(r.nonFinite).toEqual({
      ref: { nan: 0, posInf: 0, negInf: 0 },
      got: { nan: 2, posInf: 0, negInf: 0 },
      mismatched: 2,
      // flat index 3 of a [2,3] tensor is row 1, column 0
      firstMismatch: { index: [1, 0], ref: 4, got: nan },
      shared: 0,
      firstShared: null,
    });
    // The finite elements are still measured, not skipped: 6 vs 6 etc. agree exactly here.
    expect(r.maxAbs).toBe(0);
    const g = graphOf(SMALL_ADD_NET);
    const [probs] = compareOutputs(
      g,
      { probs: t([1, 2, 3]), side: t([0]) },
      { probs: t([1, nan, 3]), side: t([0]) },
    );
    expect(probs!.maxAbsError).toBe(Number.POSITIVE_INFINITY);
    expect(probs!.maxRelError).toBe(Number.POSITIVE_INFINITY);
    expect(describeNonFinite(probs!)).toBe(
      'output "probs": tfjs and cpu disagree on NaN/Infinity at 1 of 3 values, first at [0,1] (cpu 2, tfjs NaN); cpu has none, tfjs has 1 NaN',
    );
  });

  it("NaN against Infinity, and +Infinity against -Infinity, are mismatches too", () => {
    const f = (xs: number[]) => new Float32Array(xs);
    const r = compareValues(f([Number.NaN, Infinity, 1]), f([Infinity, -Infinity, 1]), [3]);
    expect(r.nonFinite.mismatched).toBe(2);
    expect(r.nonFinite.ref).toEqual({ nan: 1, posInf: 1, negInf: 0 });
    expect(r.nonFinite.got).toEqual({ nan: 0, posInf: 1, negInf: 1 });
  });

  it("NaN in both at the same places is reported as such, never as error 0", () => {
    const g = graphOf(SMALL_ADD_NET);
    const nan = Number.NaN;
    const [probs, side] = compareOutputs(
      g,
      { probs: t([nan, nan, nan]), side: t([1, 2]) },
      { probs: t([nan, nan, nan]), side: t([1, 2]) },
    );
    expect(probs!.nonFinite).toMatchObject({ shared: 3, mismatched: 0, firstShared: [0, 0] });
    expect(probs!.maxAbsError).toBeNaN();
    expect(probs!.maxRelError).toBeNaN();
    expect(describeNonFinite(probs!)).toBe(
      'both backends produce 3 NaN values in output "probs" (3 of 3, first at [0,0]); an output with NaN or Infinity is not verified',
    );
    // Negative control: the clean output next to it is measured as usual and has nothing to report.
    expect(side!.maxAbsError).toBe(0);
    expect(side!.nonFinite).toEqual(CLEAN);
    expect(describeNonFinite(side!)).toBeUndefined();
  });

  it("a shape mismatch is an infinite error", () => {
    const g = graphOf(SMALL_ADD_NET);
    const [probs] = compareOutputs(
      g,
      { probs: t([1, 2]), side: t([0]) },
      { probs: t([1, 2, 3]), side: t([0]) },
    );
    expect(probs!.maxAbsError).toBe(Number.POSITIVE_INFINITY);
    // Called directly with arrays of different lengths, it refuses rather than compare a prefix.
    expect(() => compareValues(new Float32Array(2), new Float32Array(3), [2])).toThrow(RangeError);
  });

  it("worstError: Infinity over NaN over numbers", () => {
    expect(worstError([1, Number.NaN, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(worstError([1, Number.NaN])).toBeNaN();
    expect(worstError([1, 3, 2])).toBe(3);
    expect(worstError([])).toBe(0);
  });
});

describe("randomInputs", () => {
  it("is seeded, batch first and within [-1, 1)", () => {
    const g = graphOf(SMALL_ADD_NET);
    const a = randomInputs(g, 2, 7).x!;
    expect(a.shape).toEqual([2, 6, 6, 3]);
    expect(a.data).toEqual(randomInputs(g, 2, 7).x!.data);
    expect(a.data).not.toEqual(randomInputs(g, 2, 8).x!.data);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a.data)).toBeLessThan(1);
  });
});

describe("verifyGraph", () => {
  it("finds backend-cpu and backend-tfjs agree on a small net with an add", async () => {
    const g = graphOf(SMALL_ADD_NET);
    const r = await verifyGraph(g, { seed: 3, batch: 2 });
    expect(r.ok).toBe(true);
    expect(r.outputs.map((o) => [o.id, o.shape])).toEqual([
      ["probs", [2, 6, 6, 5]],
      ["side", [2, 4]],
    ]);
    for (const o of r.outputs) {
      expect(o.scale).toBeGreaterThan(0);
      expect(o.maxRelError).toBeLessThan(1e-5);
    }
  });

  it("fails when the tfjs model has other weights than the cpu run", async () => {
    const g = graphOf(SMALL_ADD_NET);
    const tfjs = await loadTfjs("cpu");
    const other = tfjs.compile(g, { seed: 99 });
    try {
      const r = await verifyGraph(g, { seed: 0, runtime: "cpu", model: other });
      expect(r.ok).toBe(false);
      expect(r.runtime).toBe("cpu");
      expect(r.maxRelError).toBeGreaterThan(1e-2);
    } finally {
      other.dispose();
    }
  });

  it("fails, naming NaN, when the weights are all NaN on both backends", async () => {
    const g = graphOf(SMALL_ADD_NET);
    const weights = initWeights(g, { seed: 1 });
    for (const w of weights.values()) w.data.fill(Number.NaN);
    const r = await verifyGraph(g, { weights, runtime: "cpu" });
    expect(r.ok).toBe(false);
    expect(r.maxRelError).toBeNaN();
    for (const o of r.outputs) {
      const size = o.shape.reduce((a, b) => a * b, 1);
      expect(o.nonFinite).toMatchObject({
        shared: size,
        mismatched: 0,
        ref: { nan: size },
        got: { nan: size },
      });
      expect(describeNonFinite(o)).toMatch(
        new RegExp(`^both backends produce ${size} NaN values in output "${o.id}"`),
      );
    }
  });

  it("fails, saying where, when only tfjs produces NaN", async () => {
    const g = graphOf(SMALL_ADD_NET);
    const weights = initWeights(g, { seed: 1 });
    const poisoned = initWeights(g, { seed: 1 });
    // One NaN in the head's bias: every "probs" value of channel 2 becomes NaN; "side" (from "a") stays finite.
    poisoned.get("head/bias")!.data[2] = Number.NaN;
    const tfjs = await loadTfjs("cpu");
    const model = tfjs.compile(g, { weights: poisoned });
    try {
      const r = await verifyGraph(g, { weights, runtime: "cpu", model, batch: 2 });
      expect(r.ok).toBe(false);
      const [probs, side] = r.outputs;
      expect(probs!.nonFinite).toMatchObject({
        ref: { nan: 0 },
        got: { nan: 2 * 6 * 6 },
        mismatched: 2 * 6 * 6,
        firstMismatch: { index: [0, 0, 0, 2] },
      });
      expect(probs!.maxRelError).toBe(Number.POSITIVE_INFINITY);
      expect(describeNonFinite(probs!)).toMatch(
        /^output "probs": tfjs and cpu disagree on NaN\/Infinity at 72 of 360 values, first at \[0,0,0,2\]/,
      );
      // Negative control: the output the NaN does not reach passes.
      expect(side!.nonFinite).toEqual(CLEAN);
      expect(side!.maxRelError).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });
});
