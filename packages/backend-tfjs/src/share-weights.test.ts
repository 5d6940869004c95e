import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepare } from "@fusegraph/backend-cpu";
import {
  type Graph,
  initWeights,
  loadGraph,
  type SpecDocumentInput,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictSync, randomInputs, relError } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";
import { loadModel, saveModel } from "./io.js";
import { modelWeights, setModelWeights } from "./weights.js";

const work = mkdtempSync(join(tmpdir(), "fusegraph-tfjs-share-"));

beforeAll(async () => {
  await useBackend("cpu");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function graphOf(
  inputs: Record<string, number[]>,
  nodes: SpecDocumentInput["nodes"],
  outputs: string[],
): Graph {
  return loadGraph({ fusegraph: 1, name: "shared", inputs, nodes, outputs });
}

/** The model's outputs on the given inputs, in the graph's output order. */
function run(model: tf.LayersModel, graph: Graph, inputs: Record<string, TensorData>): Float32Array[] {
  const out = predictSync(model, graph, inputs);
  return graph.outputs.map((o) => out[o]!.data);
}

function cpuRun(graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>): Float32Array[] {
  const ex = prepare(graph, weights, { threads: 1 });
  try {
    const out = ex.run(inputs);
    return graph.outputs.map((o) => out[o]!.data);
  } finally {
    ex.dispose();
  }
}

/** Distinct weight variables of the model (a layer called twice still holds its variables once). */
const variableCount = (model: tf.LayersModel) => new Set(model.weights.map((w) => w.originalName)).size;

describe("shareWeights on the tfjs backend", () => {
  const dense = graphOf(
    { a: [3], b: [3] },
    {
      d1: { op: "dense", input: "a", units: 2 },
      d2: { op: "dense", input: "b", units: 2, shareWeights: "d1" },
      both: { merge: "concat", inputs: ["d1", "d2"] },
    },
    ["both"],
  );
  const handWeights: WeightMap = new Map([
    ["d1/kernel", { shape: [3, 2], data: Float32Array.of(1, 2, 0, 1, 1, 0) }],
    ["d1/bias", { shape: [2], data: Float32Array.of(0.5, -0.5) }],
  ]);

  it("calls one dense layer on both inputs: one set of weights, the cpu backend's (hand-computed) results", () => {
    const model = compile(dense, { weights: handWeights });
    expect(model.layers.map((l) => l.name)).not.toContain("d2");
    expect(model.getLayer("d1").inboundNodes.length).toBeGreaterThanOrEqual(2);
    expect(model.weights).toHaveLength(2);
    expect(model.countParams()).toBe(3 * 2 + 2);
    expect(modelWeights(model, dense)).toEqual(handWeights);
    const inputs = {
      a: { shape: [1, 3], data: Float32Array.of(1, 2, 3) },
      b: { shape: [1, 3], data: Float32Array.of(-1, 0, 2) },
    };
    // a·K + bias = [1+3+0.5, 2+2-0.5]; b·K + bias = [-1+2+0.5, -2+0-0.5]
    expect(Array.from(run(model, dense, inputs)[0]!)).toEqual([4.5, 3.5, 1.5, -2.5]);
    expect(Array.from(cpuRun(dense, handWeights, inputs)[0]!)).toEqual([4.5, 3.5, 1.5, -2.5]);
    model.dispose();
  });

  it("handles a sharing node written before its target", () => {
    const graph = graphOf(
      { a: [3], b: [3] },
      {
        d2: { op: "dense", input: "b", units: 2, shareWeights: "d1" },
        d1: { op: "dense", input: "a", units: 2 },
        both: { merge: "concat", inputs: ["d2", "d1"] },
      },
      ["both"],
    );
    expect(graph.nodes[0]!.id).toBe("d2");
    const model = compile(graph, { weights: handWeights });
    expect(model.weights).toHaveLength(2);
    const inputs = randomInputs(graph, 5);
    expect(relError(run(model, graph, inputs)[0]!, cpuRun(graph, handWeights, inputs)[0]!)).toBeLessThan(
      1e-6,
    );
    model.dispose();
  });

  it("agrees with backend-cpu on shared convs (own padding per input size), lstm and conv1x1Add", () => {
    const graph = graphOf(
      { x: [7, 7, 2], y: [6, 5, 2], s: [5, 3], t: [4, 3], p: [4, 4, 3], q: [2, 2, 5] },
      {
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
        g1: { op: "globalAvgPool", input: "c1" },
        g2: { op: "globalAvgPool", input: "c2" },
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
        g3: { op: "globalMaxPool", input: "f1" },
        g4: { op: "globalMaxPool", input: "f2" },
        out: { merge: "concat", inputs: ["g1", "g2", "l1", "l2", "g3", "g4"] },
      },
      ["out"],
    );
    const weights = initWeights(graph, { seed: 11 });
    expect([...weights.keys()].filter((k) => /^(c2|l2|f2)\//.test(k))).toEqual([]);
    const model = compile(graph, { weights });
    expect(variableCount(model)).toBe(weights.size);
    expect(model.countParams()).toBe([...weights.values()].reduce((s, w) => s + w.data.length, 0));
    // c2's padding is its own layer (its pads differ from c1's input); its conv is c1's.
    expect(model.layers.map((l) => l.name)).toEqual(expect.arrayContaining(["c1", "l1", "f1__proj0"]));
    expect(model.layers.map((l) => l.name)).not.toEqual(expect.arrayContaining(["c2"]));
    const inputs = randomInputs(graph, 2);
    const got = run(model, graph, inputs)[0]!;
    const want = cpuRun(graph, weights, inputs)[0]!;
    // Sharing nodes compiled with weights of their own (zeros) would not match cpu, which reads the target's.
    expect(relError(got, want)).toBeLessThan(1e-5);
    model.dispose();
  });

  it("saves and loads a model whose layers are called twice, keeping one set of weights", async () => {
    const model = compile(dense, { seed: 3 });
    const dir = join(work, "dense");
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(loaded.weights).toHaveLength(2);
    const inputs = randomInputs(dense, 8);
    expect(Array.from(run(loaded, dense, inputs)[0]!)).toEqual(Array.from(run(model, dense, inputs)[0]!));
    model.dispose();
    loaded.dispose();
  });

  it("trains the shared weights through the sharing node's use (hand-computed SGD step)", async () => {
    const model = compile(dense, { weights: handWeights });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const a = tf.tensor([[1, 0, 0]]);
    const b = tf.tensor([[0, 0, 1]]);
    // d1(a) = K[0] + bias = [1.5, 1.5] (on target); d2(b) = K[2] + bias = [1.5, -0.5] (target 0, 0).
    // MSE over 4 outputs: dL/dy = 2(y - t)/4 = [0, 0, 0.75, -0.25], all from d2's use with input b, so
    // only K[2] and the bias move: K[2] = [1, 0] - 0.1 * [0.75, -0.25], bias = [0.5, -0.5] - same.
    const target = tf.tensor([[1.5, 1.5, 0, 0]]);
    await model.trainOnBatch([a, b], target);
    const after = modelWeights(model, dense);
    const near = (got: Float32Array, want: number[]) =>
      expect(Math.max(...want.map((w, i) => Math.abs(w - got[i]!)))).toBeLessThan(1e-6);
    near(after.get("d1/kernel")!.data, [1, 2, 0, 1, 1 - 0.075, 0.025]);
    near(after.get("d1/bias")!.data, [0.5 - 0.075, -0.5 + 0.025]);
    tf.dispose([a, b, target]);
    model.dispose();
  });

  it("refuses weights given under a sharing node, naming the node it shares with", () => {
    const model = compile(dense);
    const weights = new Map(handWeights);
    weights.set("d2/kernel", { shape: [3, 2], data: new Float32Array(6) });
    expect(() => setModelWeights(model, dense, weights)).toThrow(CompileError);
    expect(() => setModelWeights(model, dense, weights)).toThrow(
      /node "d2": weight "d2\/kernel" is given, but the node shares the weights of "d1"/,
    );
    expect(() => compile(dense, { weights })).toThrow(/shares the weights of "d1"/);
    model.dispose();
  });
});
