import { type Graph, initWeights, loadGraph, type WeightMap } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";

/** A ResNet bottleneck-like block: conv-bn-relu, conv-bn, + projected shortcut (conv-bn), relu. */
function block(cin: number, width: number, stride: number): Graph {
  return loadGraph({
    fusegraph: 1,
    name: "block",
    inputs: { x: [9, 9, cin] },
    nodes: {
      a: {
        op: "conv2d",
        input: "x",
        filters: width,
        kernelSize: 3,
        strides: stride,
        padding: "same",
        useBias: false,
      },
      abn: { op: "batchNorm", input: "a" },
      arelu: { op: "activation", input: "abn", fn: "relu" },
      b: { op: "conv2d", input: "arelu", filters: width, kernelSize: 1 },
      bbn: { op: "batchNorm", input: "b", epsilon: 1e-5 },
      p: { op: "conv2d", input: "x", filters: width, kernelSize: 1, strides: stride },
      pbn: { op: "batchNorm", input: "p", center: false },
      sum: { merge: "add", inputs: ["bbn", "pbn"] },
      out: { op: "activation", input: "sum", fn: "leakyRelu", alpha: 0.1 },
    },
    outputs: ["out"],
  });
}

function randomize(weights: WeightMap, seed: number): void {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (const [key, t] of weights) {
    for (let i = 0; i < t.data.length; i++) {
      if (key.endsWith("movingVariance")) t.data[i] = 0.2 + 2 * rnd();
      else if (key.endsWith("gamma")) t.data[i] = 0.5 + rnd();
      else if (!key.endsWith("kernel")) t.data[i] = rnd() - 0.5;
    }
  }
}

describe.each(["wasm", "js"] as const)("batchNorm folding and activation fusion (%s kernels)", (kernel) => {
  it("changes outputs by less than 1e-5 relative to the unfused graph", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(1, 2),
        fc.integer({ min: 1, max: 2 }),
        fc.integer(),
        (cin, width, stride, batch, seed) => {
          const graph = block(cin, width, stride);
          const weights = initWeights(graph, { seed });
          randomize(weights, seed);
          const n = batch * 9 * 9 * cin;
          const x = {
            shape: [batch, 9, 9, cin],
            data: Float32Array.from({ length: n }, (_, i) => Math.cos(i + seed)),
          };
          const fused = prepare(graph, weights, { threads: 1, kernel });
          const plain = prepare(graph, weights, { threads: 1, fuse: false, kernel });
          const a = fused.run({ x }).out!.data;
          const b = plain.run({ x }).out!.data;
          let scale = 1e-3;
          let err = 0;
          for (let i = 0; i < b.length; i++) {
            scale = Math.max(scale, Math.abs(b[i]!));
            err = Math.max(err, Math.abs(a[i]! - b[i]!));
          }
          expect(err / scale).toBeLessThan(1e-5);
          // Fusion removes intermediate buffers: the fused plan never needs more memory.
          expect(fused.arenaFloatsPerExample).toBeLessThanOrEqual(plain.arenaFloatsPerExample);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("uses the moving statistics at inference: y = gamma (x - mean) / sqrt(var + eps) + beta", () => {
    const graph = loadGraph({
      fusegraph: 1,
      name: "bn",
      inputs: { x: [2] },
      nodes: { bn: { op: "batchNorm", input: "x", epsilon: 0.25 } },
      outputs: ["bn"],
    });
    const w = initWeights(graph);
    w.get("bn/gamma")!.data.set([2, 1]);
    w.get("bn/beta")!.data.set([1, -1]);
    w.get("bn/movingMean")!.data.set([1, 0]);
    w.get("bn/movingVariance")!.data.set([4, 0.75]);
    const out = prepare(graph, w, { threads: 1, kernel }).run({
      x: { shape: [1, 2], data: Float32Array.from([4, 3]) },
    }).bn!;
    // (4-1)*2/sqrt(4.25)+1 and 3/sqrt(1)-1.
    expect(out.data[0]).toBeCloseTo((3 * 2) / Math.sqrt(4.25) + 1, 5);
    expect(out.data[1]).toBeCloseTo(2, 6);
  });
});
