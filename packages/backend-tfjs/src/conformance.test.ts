import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, initWeights, loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { predictSync, randomData, randomInputs, relError } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { predict } from "./predict.js";
import { modelWeights } from "./weights.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** Random inputs, batch 2, keyed by input id. */
const inputsFor = (graph: Graph, seed: number) => randomInputs(graph, seed, 2);

describe("cross-backend conformance: cpu and tfjs agree within 1e-4 of the output scale", () => {
  for (const c of opCases) {
    it(c.name, async () => {
      const graph = loadGraph(c.spec);
      const weights = initWeights(graph, { seed: 17 });
      // Non-trivial values for the weights Keras starts at 0 or 1 (biases, batchNorm statistics).
      for (const [key, w] of weights) {
        if (/bias$|beta$|movingMean$/.test(key))
          w.data.set(randomData(w.data.length, key.length).map((v) => v * 0.5));
        if (/gamma$|movingVariance$/.test(key))
          w.data.set(randomData(w.data.length, key.length).map((v) => 1 + 0.5 * v));
      }
      const model = compile(graph, { weights });
      const inputs = inputsFor(graph, 5);
      const cpu = prepare(graph, weights);
      try {
        const want = cpu.run(inputs);
        const got = await predict(model, graph, inputs);
        graph.outputs.forEach((id) => {
          const w = want[id];
          const g = got[id];
          expect(g?.shape).toEqual(w?.shape);
          const err = relError(g?.data ?? [], w?.data ?? []);
          expect(err, `${c.name}: output "${id}"`).toBeLessThan(c.tolerance ?? 1e-4);
        });
      } finally {
        cpu.dispose();
      }
      // Weight interchange: what tfjs holds is exactly what it was given.
      const back = modelWeights(model, graph);
      expect([...back.keys()].sort()).toEqual([...weights.keys()].sort());
      for (const [key, w] of weights)
        expect(Array.from(back.get(key)?.data ?? []), key).toEqual(Array.from(w.data));
    });
  }
});

/** Builds the spec, runs both backends from the same seed and returns the largest relative error. */
function disagreement(spec: SpecDocumentInput, seed: number): number {
  const graph = loadGraph(spec);
  const weights = initWeights(graph, { seed });
  const inputs = inputsFor(graph, seed);
  const got = predictSync(compile(graph, { weights }), graph, inputs);
  const cpu = prepare(graph, weights);
  try {
    const want = cpu.run(inputs);
    return Math.max(...graph.outputs.map((id) => relError(got[id]?.data ?? [], want[id]?.data ?? [])));
  } finally {
    cpu.dispose();
  }
}

const dims = fc.tuple(
  fc.integer({ min: 1, max: 6 }),
  fc.integer({ min: 1, max: 6 }),
  fc.integer({ min: 1, max: 4 }),
);

describe("cross-backend conformance on random shapes", () => {
  it("weightedAdd: any input count, every normalise mode, with and without bias", () => {
    fc.assert(
      fc.property(
        dims,
        fc.integer({ min: 2, max: 4 }),
        fc.constantFrom("none", "softmax", "relu"),
        fc.boolean(),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.nat(1000),
        (shape, n, normalize, bias, init, seed) => {
          const ids = Array.from({ length: n }, (_, i) => `in${i}`);
          const spec: SpecDocumentInput = {
            fusegraph: 1,
            name: "wa",
            inputs: Object.fromEntries(ids.map((id) => [id, shape])),
            nodes: {
              y: {
                merge: "weightedAdd",
                inputs: ids,
                normalize,
                bias,
                init: init.slice(0, n),
                biasInit: 0.3,
              },
            },
            outputs: ["y"],
          };
          expect(disagreement(spec, seed)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 15, seed: 7 },
    );
  });

  it("conv1x1Add: mixed sizes and channels, every project/resize/norm option", () => {
    fc.assert(
      fc.property(
        fc.array(dims, { minLength: 2, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("mismatched", "all"),
        fc.constantFrom("nearest", "bilinear"),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom("none", "batchNorm"),
        fc.nat(1000),
        (shapes, channels, project, resize, alignCorners, resizeFirst, norm, seed) => {
          const ids = shapes.map((_, i) => `in${i}`);
          const spec: SpecDocumentInput = {
            fusegraph: 1,
            name: "c1a",
            inputs: Object.fromEntries(ids.map((id, i) => [id, shapes[i] ?? []])),
            nodes: {
              y: {
                merge: "conv1x1Add",
                inputs: ids,
                channels,
                project,
                resize,
                alignCorners: resize === "bilinear" && alignCorners,
                resizeFirst,
                norm,
              },
            },
            outputs: ["y"],
          };
          expect(disagreement(spec, seed)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 15, seed: 11 },
    );
  });

  it("concat on every axis, add and multiply", () => {
    fc.assert(
      fc.property(
        dims,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: -3, max: 2 }),
        fc.nat(1000),
        (shape, extra, axis, seed) => {
          const a = (axis + 3) % 3;
          const other = shape.map((d, i) => (i === a ? extra : d));
          const spec: SpecDocumentInput = {
            fusegraph: 1,
            name: "merges",
            inputs: { p: shape, q: other, r: shape },
            nodes: {
              cat: { merge: "concat", inputs: ["p", "q"], axis },
              sum: { merge: "add", inputs: ["p", "r"] },
              mul: { op: "multiply", inputs: ["p", "r"] },
            },
            outputs: ["cat", "sum", "mul"],
          };
          expect(disagreement(spec, seed)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 10, seed: 3 },
    );
  });

  it("lstm, dense, batchNorm, softmax and globals on random sizes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: -2, max: 1 }),
        fc.nat(1000),
        (t, f, units, returnSequences, unitForgetBias, axis, seed) => {
          const spec: SpecDocumentInput = {
            fusegraph: 1,
            name: "seq",
            inputs: { s: [t, f] },
            nodes: {
              bn: { op: "batchNorm", input: "s", epsilon: 0.01 },
              r: { op: "lstm", input: "bn", units, returnSequences, unitForgetBias },
              d: { op: "dense", input: "r", units: 3 },
              sm: { op: "activation", input: "s", fn: "softmax", axis },
            },
            outputs: ["d", "sm"],
          };
          expect(disagreement(spec, seed)).toBeLessThan(1e-4);
        },
      ),
      { numRuns: 10, seed: 5 },
    );
  });
});
