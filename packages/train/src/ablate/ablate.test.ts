import { compareMerges } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { twoAdds } from "../fit/__fixtures__/graphs.js";
import { TrainError } from "../fit/errors.js";
import { train } from "../fit/train.js";
import { type AblateOptions, ablate } from "./ablate.js";
import { meanStd } from "./stats.js";

describe("meanStd", () => {
  it("gives the mean and the sample (n − 1) standard deviation", () => {
    expect(meanStd([1, 3])).toEqual({ mean: 2, std: Math.SQRT2 });
    const s = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    // Sample std: sqrt(32 / 7); the population std of this classic set is exactly 2.
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.std).not.toBeCloseTo(2, 3);
    expect(meanStd([4])).toEqual({ mean: 4, std: 0 });
    expect(meanStd([])).toEqual({ mean: Number.NaN, std: Number.NaN });
  });
});

describe("ablate", () => {
  const graph = twoAdds();
  const options = {
    task: "shapes",
    merges: ["add", "concat", "weightedAdd", "conv1x1Add"],
    only: ["m1"],
    seeds: 2,
    seed: 5,
    epochs: 2,
    batchSize: 4,
    trainSamples: 8,
    valSamples: 8,
    lr: 1e-2,
    engine: "cpu",
  } satisfies AblateOptions;

  it("trains each feasible variant per seed, with compare's costs and compare's reasons", async () => {
    const seen: string[] = [];
    const report = await ablate(graph, {
      ...options,
      onVariant: (v) => seen.push(`${v.merge}@${v.seed} ${v.index + 1}/${v.total}`),
    });
    expect(report).toMatchObject({
      spec: "two-adds",
      task: "shapes",
      epochs: 2,
      batchSize: 4,
      lr: 1e-2,
      seeds: [5, 6],
    });
    expect(report.stopped).toBe(false);
    expect(report.variants.map((v) => [v.merge, v.feasible])).toEqual([
      ["add", true],
      ["concat", false],
      ["weightedAdd", true],
      ["conv1x1Add", true],
    ]);
    expect(seen).toEqual([
      "add@5 1/6",
      "add@6 2/6",
      "weightedAdd@5 3/6",
      "weightedAdd@6 4/6",
      "conv1x1Add@5 5/6",
      "conv1x1Add@6 6/6",
    ]);

    for (const v of report.variants) {
      const c = compareMerges(graph, { ids: ["m1"] }, v.merge);
      if (!v.feasible) {
        // concat doubles m1's channels, which the add m2 downstream refuses: compare's own issue.
        if (c.ok) throw new Error("compare switches concat");
        expect(v.reason).toContain(c.issues[0]!.message);
        expect(v.issues).toEqual(c.issues);
        expect(v.runs).toBe(0);
        expect(v.curves).toEqual([]);
        continue;
      }
      if (!c.ok) throw new Error(`compare refuses ${v.merge}`);
      expect(v.params).toBe(c.comparison.after.params.total);
      expect(v.macs).toBe(c.comparison.after.macs);
      expect(v.switched).toBe(c.comparison.merges.length);
      expect(v.runs).toBe(2);
      expect(v.curves).toHaveLength(2);
      for (const curve of v.curves) expect(curve).toHaveLength(2);
      // The row's statistics are those of its curves' last points.
      const finals = v.curves.map((c) => c.at(-1)!);
      expect(v.finalLoss.mean).toBeCloseTo((finals[0]! + finals[1]!) / 2, 12);
      expect(v.finalLoss.std).toBeCloseTo(Math.abs(finals[0]! - finals[1]!) / Math.SQRT2, 12);
      expect(v.trainMs.mean).toBeGreaterThan(0);
    }
    const [add, , weighted, projected] = report.variants;
    expect(add!.label).toBe("add (as in spec)");
    expect(add!.switched).toBe(0);
    expect(weighted!.label).toBe("weightedAdd");
    // Each variant trains its own graph: weightedAdd's fusion weights learn other curves than add's...
    expect(weighted!.params).toBeGreaterThan(add!.params);
    expect(weighted!.curves).not.toEqual(add!.curves);
    // ...while conv1x1Add of inputs that already have its channels projects nothing: it is add.
    expect(projected!.params).toBe(add!.params);
    expect(projected!.curves).toEqual(add!.curves);

    // The spec's own mode is the spec itself: its runs equal plain `train` with the same seeds.
    for (const [k, seed] of report.seeds.entries()) {
      const r = await train(graph, { ...options, seed });
      expect(add!.curves[k]).toEqual(r.history.map((h) => h.valLoss));
      expect(add!.initialLoss[k]).toBe(r.initial.valLoss);
    }
    // A switched variant is `train` on compare's switched graph, on the same seeded data.
    const switched = compareMerges(graph, { ids: ["m1"] }, "weightedAdd");
    if (!switched.ok) throw new Error("compare refuses weightedAdd");
    const r = await train(switched.graph, { ...options, seed: 6 });
    expect(weighted!.curves[1]).toEqual(r.history.map((h) => h.valLoss));
  });

  it("refuses unknown merge modes and merge ids, and specs without merges, as TrainErrors", async () => {
    const bad = async (o: Partial<AblateOptions>) => {
      const e = await ablate(graph, { ...options, ...o }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TrainError);
      return e as TrainError;
    };
    expect((await bad({ merges: [] })).code).toBe("invalid_options");
    expect((await bad({ merges: ["sum" as "add"] })).hint).toContain("concat");
    const id = await bad({ only: ["m3"] });
    expect(id.code).toBe("invalid_options");
    expect(id.issues[0]?.code).toBe("unknown_ref");
    expect((await bad({ seeds: 0 })).code).toBe("invalid_options");
  });

  it("stops on an aborted signal and reports the finished runs only", async () => {
    const ac = new AbortController();
    const report = await ablate(graph, {
      ...options,
      signal: ac.signal,
      onVariant: (v) => {
        if (v.index === 2) ac.abort();
      },
    });
    expect(report.stopped).toBe(true);
    expect(report.variants.map((v) => v.runs)).toEqual([2, 0, 0, 0]);
  });
});
