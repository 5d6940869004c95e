import { validateSpec } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { loadTfjs } from "../src/backends.js";
import { randomInputs } from "../src/tensors.js";
import { compareOutputs, maxAbsDifference, verifyGraph } from "../src/verify.js";
import { SMALL_ADD_NET } from "./helpers.js";

function graphOf(text: string) {
  const r = validateSpec(text);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.graph;
}

describe("maxAbsDifference / compareOutputs", () => {
  it("measures the error against the reference's scale (hand-computed)", () => {
    const g = graphOf(SMALL_ADD_NET);
    const t = (data: number[]) => ({ shape: [1, data.length], data: new Float32Array(data) });
    const errors = compareOutputs(
      g,
      { probs: t([1, -2, 0.5]), side: t([0, 0]) },
      { probs: t([1.5, -2, 0.5]), side: t([0, 0.25]) },
    );
    expect(errors).toEqual([
      { id: "probs", shape: [1, 3], maxAbsError: 0.5, maxRelError: 0.25, scale: 2 },
      // An all-zero reference has no scale: the relative error is the absolute one.
      { id: "side", shape: [1, 2], maxAbsError: 0.25, maxRelError: 0.25, scale: 0 },
    ]);
  });

  it("counts NaN against a number as an infinite error, NaN against NaN as none", () => {
    const f = (xs: number[]) => new Float32Array(xs);
    expect(maxAbsDifference(f([1, Number.NaN]), f([1, 2])).maxAbs).toBe(Number.POSITIVE_INFINITY);
    expect(maxAbsDifference(f([1, Number.NaN]), f([1, Number.NaN])).maxAbs).toBe(0);
    expect(maxAbsDifference(f([1]), f([1, 2])).maxAbs).toBe(Number.POSITIVE_INFINITY);
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
});
