import { initWeights, loadGraph } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prepare } from "../prepare.js";
import { WasmHeap } from "./heap.js";

/** conv -> bn -> act, + a residual conv, -> dense: every epilogue the wasm kernels fuse. */
function net(fn: "relu" | "leakyRelu" | "sigmoid" | "tanh", filters: number) {
  return loadGraph({
    fusegraph: 1,
    name: "mix",
    inputs: { x: [6, 5, 3] },
    nodes: {
      a: { op: "conv2d", input: "x", filters, kernelSize: 3, padding: "same" },
      abn: { op: "batchNorm", input: "a" },
      act: { op: "activation", input: "abn", fn, ...(fn === "leakyRelu" ? { alpha: 0.2 } : {}) },
      b: { op: "conv2d", input: "act", filters, kernelSize: 1 },
      sum: { merge: "add", inputs: ["b", "act"] },
      fl: { op: "flatten", input: "sum" },
      d: { op: "dense", input: "fl", units: 11 },
      out: { op: "activation", input: "d", fn },
    },
    outputs: ["out"],
  });
}

describe("wasm kernels against the JS kernels", () => {
  it("agree on fused activations, residuals and dense, across batch sizes that grow the memory", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("relu", "leakyRelu", "sigmoid", "tanh"),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.integer(),
        (fn, filters, batches, seed) => {
          const graph = net(fn, filters);
          const weights = initWeights(graph, { seed });
          const wasm = prepare(graph, weights, { threads: 1, kernel: "wasm" });
          const js = prepare(graph, weights, { threads: 1, kernel: "js" });
          expect(wasm.kernel).toBe("wasm");
          for (const batch of batches) {
            const data = Float32Array.from({ length: batch * 90 }, (_, i) => Math.sin(i * 0.7 + seed));
            const x = { shape: [batch, 6, 5, 3], data };
            const a = wasm.run({ x }).out!.data;
            const b = js.run({ x }).out!.data;
            expect(a.length).toBe(batch * 11);
            for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
          }
          wasm.dispose();
          js.dispose();
        },
      ),
      { numRuns: 25 },
    );
  });

  it("splits a small-image conv by weight panels over two threads, groups and residual included", () => {
    // 7x7 rows (< 256) with 3.6M MACs: the threads split the filters, not the rows.
    const graph = loadGraph({
      fusegraph: 1,
      name: "late",
      inputs: { x: [7, 7, 128], r: [7, 7, 80] },
      nodes: {
        c: { op: "conv2d", input: "x", filters: 80, kernelSize: 3, padding: "same", groups: 2 },
        bn: { op: "batchNorm", input: "c" },
        sum: { merge: "add", inputs: ["bn", "r"] },
        out: { op: "activation", input: "sum", fn: "relu" },
      },
      outputs: ["out"],
    });
    expect(7 * 7 * 9 * 64 * 80).toBeGreaterThan(1 << 21);
    const weights = initWeights(graph, { seed: 4 });
    for (const [key, t] of weights) if (key.endsWith("beta")) t.data.fill(-0.05);
    const feed = {
      x: { shape: [1, 7, 7, 128], data: Float32Array.from({ length: 6272 }, (_, i) => Math.sin(i)) },
      r: { shape: [1, 7, 7, 80], data: Float32Array.from({ length: 3920 }, (_, i) => Math.cos(i) * 0.1) },
    };
    const two = prepare(graph, weights, { threads: 2, kernel: "wasm" });
    const one = prepare(graph, weights, { threads: 1, kernel: "js" });
    try {
      const a = two.run(feed).out!.data;
      const b = one.run(feed).out!.data;
      expect(b.some((v) => v === 0) && b.some((v) => v > 0)).toBe(true);
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    } finally {
      two.dispose();
      one.dispose();
    }
  });

  it("falls back to the JS kernels when asked", () => {
    const graph = net("relu", 4);
    expect(prepare(graph, initWeights(graph), { threads: 1, kernel: "js" }).kernel).toBe("js");
    expect(prepare(graph, initWeights(graph), { threads: 1 }).kernel).toBe("wasm");
  });
});

describe("WasmHeap", () => {
  it("hands out aligned, disjoint regions above the module's static data and grows the memory", () => {
    const heap = new WasmHeap();
    const a = heap.alloc(3);
    const b = heap.alloc(100_000);
    expect(a).toBeGreaterThanOrEqual(65536);
    expect(a % 16).toBe(0);
    expect(b).toBe(a + 16);
    expect(heap.memory.buffer.byteLength).toBeGreaterThanOrEqual(b + 400_000);
    heap.floats(b, 100_000).fill(2);
    heap.floats(a, 3).fill(1);
    expect(heap.floats(b, 1)[0]).toBe(2);
    expect(heap.floats(b + 399_996, 1)[0]).toBe(2);
  });

  it("refuses to grow past the module's maximum", () => {
    expect(() => new WasmHeap().alloc(2 ** 30)).toThrow(RangeError);
  });
});
