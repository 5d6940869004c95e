import { prepare } from "@fusegraph/backend-cpu";
import {
  addToConcat,
  type Graph,
  initWeights,
  loadGraph,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { predictSync, randomData } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";

beforeAll(async () => {
  await useBackend("cpu");
});

type Run = (graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>) => Float32Array;

const backends: Record<"cpu" | "tfjs", Run> = {
  cpu: (graph, weights, inputs) => {
    const ex = prepare(graph, weights, { threads: 1 });
    try {
      return ex.run(inputs).conv!.data;
    } finally {
      ex.dispose();
    }
  },
  tfjs: (graph, weights, inputs) => {
    const model = compile(graph, { weights });
    try {
      return predictSync(model, graph, inputs).conv!.data;
    } finally {
      model.dispose();
    }
  },
};

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const caseArb = fc.record({
  n: fc.integer({ min: 2, max: 3 }),
  c: fc.integer({ min: 1, max: 4 }),
  filters: fc.integer({ min: 1, max: 4 }),
  size: fc.integer({ min: 3, max: 6 }),
  kernelSize: fc.constantFrom(1, 3),
  strides: fc.constantFrom(1, 2),
  padding: fc.constantFrom("same", "valid"),
  seed: fc.integer({ min: 0, max: 1_000 }),
});

// The issue's identity: add then conv == concat then conv with the kernel stacked [K; K], checked on the
// real executors (the dsl's own test checks it against a naive conv). Untying one block must break it.
describe.each(["cpu", "tfjs"] as const)("addToConcat on backend %s", (backend) => {
  const run = backends[backend];
  it("add+conv equals concat+conv with the tied kernel within 1e-5, and not once untied", () => {
    fc.assert(
      fc.property(caseArb, ({ n, c, filters, size, kernelSize, strides, padding, seed }) => {
        const ids = Array.from({ length: n }, (_, k) => `x${k}`);
        const graph = loadGraph({
          fusegraph: 1,
          name: "add-conv",
          inputs: Object.fromEntries(ids.map((id) => [id, [size, size, c]])),
          nodes: {
            sum: { merge: "add", inputs: ids },
            conv: { op: "conv2d", input: "sum", filters, kernelSize, strides, padding },
          },
          outputs: ["conv"],
        });
        const weights = initWeights(graph, { seed });
        weights.set("conv/bias", { shape: [filters], data: randomData(filters, seed + 1) });
        const inputs = Object.fromEntries(
          ids.map((id, k) => [
            id,
            { shape: [1, size, size, c], data: randomData(size * size * c, seed * 7 + k) },
          ]),
        );
        const r = addToConcat(graph, weights, "sum");
        if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("; "));
        const viaAdd = run(graph, weights, inputs);
        expect(maxAbsDiff(viaAdd, run(r.graph, r.weights, inputs))).toBeLessThan(1e-5);

        // Untie: add 0.5 to the centre tap of input 2's first channel for filter 0.
        const tied = r.weights.get("conv/kernel")!;
        const untied = { shape: tied.shape, data: tied.data.slice() };
        const mid = Math.floor(kernelSize / 2);
        untied.data[((mid * kernelSize + mid) * n * c + c) * filters]! += 0.5;
        const perturbed = new Map(r.weights).set("conv/kernel", untied);
        expect(maxAbsDiff(viaAdd, run(r.graph, perturbed, inputs))).toBeGreaterThan(1e-3);
      }),
      { numRuns: 12, seed: 4242 },
    );
  });
});
