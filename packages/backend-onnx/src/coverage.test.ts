import { loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { randomInputs, runCpu, seededWeights, worstError } from "./__fixtures__/models.js";
import { runOrt } from "./__fixtures__/ort.js";
import { exportOnnx, onnxModel } from "./export.js";
import { DataType } from "./onnx-proto.js";

/** The brief's bound: max |onnxruntime - cpu| / max(1, max |cpu|). */
const TOLERANCE = 1e-4;

async function agreement(spec: SpecDocumentInput) {
  const graph = loadGraph(spec);
  const weights = seededWeights(graph, 23);
  const inputs = randomInputs(graph, 9, 2);
  const model = exportOnnx(graph, { weights });
  return {
    graph,
    weights,
    ...worstError(graph, await runOrt(model, inputs), runCpu(graph, weights, inputs)),
  };
}

describe("beyond the shared cases: onnxruntime agrees with backend-cpu", () => {
  it("shareWeights: a conv (other input size and pads), an lstm and a conv1x1Add reuse one initializer each", async () => {
    const { graph, weights, error, shapes } = await agreement({
      fusegraph: 1,
      name: "shared",
      inputs: { x: [7, 7, 2], y: [6, 5, 2], s: [5, 3], t: [4, 3], p: [4, 4, 3], q: [2, 2, 5] },
      nodes: {
        c1: { op: "conv2d", input: "x", filters: 4, kernelSize: 3, strides: 2, padding: [1, 0, 2, 1] },
        c2: {
          op: "conv2d",
          input: "y",
          filters: 4,
          kernelSize: 3,
          strides: 2,
          padding: [1, 0, 2, 1],
          shareWeights: "c1",
        },
        l1: { op: "lstm", input: "s", units: 4 },
        l2: { op: "lstm", input: "t", units: 4, shareWeights: "l1" },
        f1: { merge: "conv1x1Add", inputs: ["p", "q"], channels: 4, project: "all", norm: "batchNorm" },
        f2: {
          merge: "conv1x1Add",
          inputs: ["p", "q"],
          channels: 4,
          project: "all",
          norm: "batchNorm",
          resize: "bilinear",
          shareWeights: "f1",
        },
      },
      outputs: ["c1", "c2", "l1", "l2", "f1", "f2"],
    });
    expect(shapes).toBe(true);
    expect(error).toBeLessThan(TOLERANCE);
    // Weights (float initializers) appear once, under the target's names; only int64 constants are per node.
    const names = onnxModel(graph, { weights })
      .graph.initializers.filter((t) => t.dataType === DataType.FLOAT)
      .map((t) => t.name);
    expect(names.filter((n) => /^(c2|l2|f2)\//.test(n))).toEqual([]);
    expect(
      names.filter((n) => n === "c1/kernel:OIHW" || n === "l1/kernel:W_iofc" || n === "f1/proj1/kernel:OIHW"),
    ).toHaveLength(3);
  });

  it("upsample to every size from 1 to 12 (down and up), nearest, bilinear and alignCorners", async () => {
    for (const [h, w] of [
      [1, 1],
      [3, 2],
      [5, 7],
      [6, 4],
    ] as const) {
      const nodes: SpecDocumentInput["nodes"] = {};
      for (let m = 1; m <= 12; m++) {
        const size = [m, 13 - m];
        nodes[`n${m}`] = { op: "upsample", input: "x", size, mode: "nearest" };
        nodes[`b${m}`] = { op: "upsample", input: "x", size, mode: "bilinear" };
        nodes[`a${m}`] = { op: "upsample", input: "x", size, mode: "bilinear", alignCorners: true };
      }
      const { error, shapes } = await agreement({
        fusegraph: 1,
        name: "resize-sweep",
        inputs: { x: [h, w, 2] },
        nodes,
        outputs: Object.keys(nodes),
      });
      expect(shapes, `${h}x${w}`).toBe(true);
      expect(error, `${h}x${w}`).toBeLessThan(TOLERANCE);
    }
  });

  it("softmax and concat on every axis, batchNorm and dense on sequences, flatten of a dense-on-image", async () => {
    const { error, shapes } = await agreement({
      fusegraph: 1,
      name: "axes",
      inputs: { x: [4, 5, 3], s: [6, 3] },
      nodes: {
        c: { op: "conv2d", input: "x", filters: 3, kernelSize: 1 },
        s0: { op: "activation", input: "c", fn: "softmax", axis: 0 },
        s1: { op: "activation", input: "c", fn: "softmax", axis: 1 },
        s2: { op: "activation", input: "c", fn: "softmax", axis: -1 },
        k0: { merge: "concat", inputs: ["c", "x"], axis: 0 },
        k1: { merge: "concat", inputs: ["x", "c"], axis: -2 },
        bn: { op: "batchNorm", input: "s" },
        d: { op: "dense", input: "bn", units: 2 },
        di: { op: "dense", input: "c", units: 2 },
        f: { op: "flatten", input: "di" },
        m: { op: "multiply", inputs: ["x", "c", "s2"] },
      },
      outputs: ["s0", "s1", "s2", "k0", "k1", "d", "f", "m"],
    });
    expect(shapes).toBe(true);
    expect(error).toBeLessThan(TOLERANCE);
  });

  it("pools: ceilMode with counted pads, windows whose ceil pads would reach the window size, same with strides", async () => {
    const { error, shapes } = await agreement({
      fusegraph: 1,
      name: "pools",
      inputs: { x: [7, 9, 2] },
      nodes: {
        a: {
          op: "avgPool",
          input: "x",
          poolSize: 3,
          strides: 2,
          padding: 1,
          ceilMode: true,
          countIncludePad: true,
        },
        b: { op: "avgPool", input: "x", poolSize: 2, strides: 3, ceilMode: true },
        m: { op: "maxPool", input: "x", poolSize: 2, strides: 3, ceilMode: true },
        d: { op: "maxPool", input: "x", poolSize: 2, strides: 2, dilation: 2, ceilMode: true },
        s: { op: "avgPool", input: "x", poolSize: [3, 2], strides: [2, 3], padding: "same" },
        f: { op: "flatten", input: "x" },
      },
      outputs: ["a", "b", "m", "d", "s", "f"],
    });
    expect(shapes).toBe(true);
    expect(error).toBeLessThan(TOLERANCE);
  });
});
