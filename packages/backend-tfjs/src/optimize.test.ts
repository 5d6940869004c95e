import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, loadGraph, weightKey } from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphOf, predictSync, randomInputs, relError } from "./__fixtures__/graph.js";
import { compareOptimized, layerCounts, nonTrivialWeights } from "./__fixtures__/optimize.js";
import { useBackend } from "./backend.js";
import { type CompileTarget, compile } from "./compile.js";
import { CompileError } from "./errors.js";
import { loadModel, modelDir, saveModel } from "./io.js";
import { inferenceRewrite } from "./optimize/rewrite.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** The bound: optimised outputs within 1e-4 of the unoptimised model's output scale. */
const TOLERANCE = 1e-4;
const TARGETS: readonly CompileTarget[] = ["trainable", "portable"];

function compileError(f: () => unknown): CompileError | undefined {
  try {
    const m = f();
    if (m instanceof tf.LayersModel) m.dispose();
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  return undefined;
}

describe("optimize: inference on every shared op case: same outputs as unoptimised", () => {
  for (const c of opCases) {
    it(c.name, () => {
      const graph = loadGraph(c.spec);
      const weights = nonTrivialWeights(graph, 17);
      for (const target of TARGETS) {
        // The portable target refuses some params (no built-in layer); optimising must refuse them too.
        const plainRefusal = compileError(() => compile(graph, { target, weights }));
        if (plainRefusal) {
          const optRefusal = compileError(() => compile(graph, { target, weights, optimize: "inference" }));
          expect(optRefusal?.code, `${c.name} (${target}) must be refused as unoptimised`).toBe(
            plainRefusal.code,
          );
          continue;
        }
        const r = compareOptimized(graph, weights, { target });
        expect(r.error, `${c.name} (${target})`).toBeLessThan(c.tolerance ?? TOLERANCE);
        // Total layers may grow: an edge-padded built-in pool is three layers, and faster than Pool2d.
        expect(r.optimized.removable, `${c.name} (${target}) layer count`).toBeLessThanOrEqual(
          r.plain.removable,
        );
      }
    });
  }
});

/** conv -> batchNorm -> relu, twice, then globalAvgPool -> dense -> dropout -> dense -> softmax. */
function convNet(outputs?: string[]): Graph {
  return graphOf(
    { x: [8, 8, 3] },
    [
      { id: "pad", kind: "zeroPad", inputs: ["x"], params: { padding: 1 } },
      { id: "c1", kind: "conv2d", inputs: ["pad"], params: { filters: 6, kernelSize: 3, useBias: false } },
      { id: "bn1", kind: "batchNorm", inputs: ["c1"] },
      { id: "r1", kind: "activation", inputs: ["bn1"], params: { fn: "relu" } },
      {
        id: "c2",
        kind: "conv2d",
        inputs: ["r1"],
        params: { filters: 4, kernelSize: 3, strides: 2, padding: "same" },
      },
      { id: "bn2", kind: "batchNorm", inputs: ["c2"] },
      { id: "t2", kind: "activation", inputs: ["bn2"], params: { fn: "tanh" } },
      {
        id: "up",
        kind: "conv2dTranspose",
        inputs: ["t2"],
        params: { filters: 3, kernelSize: 3, strides: 2, padding: "same" },
      },
      { id: "s3", kind: "activation", inputs: ["up"], params: { fn: "sigmoid" } },
      { id: "gap", kind: "globalAvgPool", inputs: ["s3"] },
      { id: "d1", kind: "dense", inputs: ["gap"], params: { units: 5 } },
      { id: "drop", kind: "dropout", inputs: ["d1"], params: { rate: 0.5 } },
      { id: "d2", kind: "dense", inputs: ["drop"], params: { units: 4 } },
      { id: "prob", kind: "activation", inputs: ["d2"], params: { fn: "softmax" } },
    ],
    outputs,
  );
}

describe("optimize: inference folds, fuses and drops", () => {
  for (const target of TARGETS) {
    it(`${target}: no BatchNormalization, Activation or Dropout layer is left, outputs equal`, () => {
      const graph = convNet();
      const r = compareOptimized(graph, nonTrivialWeights(graph, 3), { target });
      expect(r.plain.removable).toBeGreaterThanOrEqual(target === "portable" ? 5 : 7);
      expect(r.optimized.removable).toBe(0);
      // The zeroPad of padding 1 before a 3x3 valid conv is `same`: no ZeroPadding2D either.
      expect(r.optimized.byClass.ZeroPadding2D ?? 0).toBe(0);
      expect(r.error).toBeLessThan(TOLERANCE);
      // And against the reference executor directly, not only against the unoptimised tfjs model.
      const weights = nonTrivialWeights(graph, 3);
      const inputs = randomInputs(graph, 3, 2);
      const model = compile(graph, { target, weights, optimize: "inference" });
      const cpu = prepare(graph, weights, { threads: 1 });
      try {
        const want = cpu.run(inputs).prob!.data;
        expect(relError(predictSync(model, graph, inputs).prob!.data, want)).toBeLessThan(TOLERANCE);
      } finally {
        cpu.dispose();
        model.dispose();
      }
    });
  }

  it("a conv whose output another node also reads keeps its activation as a layer, and agrees", () => {
    // c feeds both the relu and the add: fusing relu into c would change what add reads.
    const graph = graphOf({ x: [6, 6, 4] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 3, padding: "same" } },
      { id: "r", kind: "activation", inputs: ["c"], params: { fn: "relu" } },
      { id: "sum", kind: "add", inputs: ["r", "c"] },
    ]);
    for (const target of TARGETS) {
      const r = compareOptimized(graph, nonTrivialWeights(graph, 5), { target });
      expect(r.optimized.byClass.Activation, target).toBe(1);
      expect(r.error, target).toBeLessThan(TOLERANCE);
    }
  });

  it("a conv that is itself a graph output keeps its batchNorm and activation, and agrees", () => {
    const graph = graphOf(
      { x: [6, 6, 3] },
      [
        { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 1 } },
        { id: "bn", kind: "batchNorm", inputs: ["c"] },
        { id: "r", kind: "activation", inputs: ["bn"], params: { fn: "relu" } },
      ],
      ["c", "r"],
    );
    for (const target of TARGETS) {
      const r = compareOptimized(graph, nonTrivialWeights(graph, 6), { target });
      expect(r.optimized.byClass.BatchNormalization, target).toBe(1);
      expect(r.optimized.byClass.Activation, target).toBe(1);
      expect(r.error, target).toBeLessThan(TOLERANCE);
    }
  });

  it("leakyRelu and a softmax over a non-last axis stay layers (no layer activation computes them)", () => {
    const graph = graphOf({ x: [5, 5, 3] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 1 } },
      { id: "lr", kind: "activation", inputs: ["c"], params: { fn: "leakyRelu", alpha: 0.2 } },
      { id: "c2", kind: "conv2d", inputs: ["lr"], params: { filters: 4, kernelSize: 1 } },
      { id: "sm", kind: "activation", inputs: ["c2"], params: { fn: "softmax", axis: 0 } },
    ]);
    const r = compareOptimized(graph, nonTrivialWeights(graph, 7));
    expect(r.optimized.byClass.LeakyReLU).toBe(1);
    expect(r.optimized.total).toBe(r.plain.total);
    expect(r.error).toBeLessThan(TOLERANCE);
  });

  it("a zeroPad that is not `same` for its conv stays a ZeroPadding2D inside the conv, and agrees", () => {
    // 10x10, 7x7 stride 2: `same` pads 2 before and 3 after, so [3, 3, 3, 3] is no `same`.
    const graph = graphOf({ x: [10, 10, 2] }, [
      { id: "pad", kind: "zeroPad", inputs: ["x"], params: { padding: [3, 3, 3, 3] } },
      { id: "c", kind: "conv2d", inputs: ["pad"], params: { filters: 3, kernelSize: 7, strides: 2 } },
    ]);
    const { graph: g } = inferenceRewrite(graph, nonTrivialWeights(graph, 8), { foldBatchNorm: true });
    expect(g.nodes.map((n) => n.id)).toEqual(["c"]);
    expect(g.nodes[0]?.params).toMatchObject({ padding: [3, 3, 3, 3] });
    const r = compareOptimized(graph, nonTrivialWeights(graph, 8));
    expect(r.optimized.byClass.ZeroPadding2D).toBe(1);
    expect(r.error).toBeLessThan(TOLERANCE);
  });

  it("trainable: a maxPool with explicit pads becomes a built-in MaxPooling2D, and agrees", () => {
    const graph = graphOf({ x: [9, 9, 3] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 4, kernelSize: 3, padding: "same" } },
      { id: "mp", kind: "maxPool", inputs: ["c"], params: { poolSize: 3, strides: 2, padding: 1 } },
      { id: "ap", kind: "avgPool", inputs: ["mp"], params: { poolSize: 2, padding: "same" } },
    ]);
    const r = compareOptimized(graph, nonTrivialWeights(graph, 12));
    expect(r.plain.byClass.FusegraphPool2D).toBeGreaterThanOrEqual(1);
    expect(r.optimized.byClass.FusegraphPool2D ?? 0).toBe(0);
    expect(r.optimized.byClass.MaxPooling2D).toBe(1);
    expect(r.error).toBeLessThan(TOLERANCE);
  });

  it("convs that share weights keep their layers in the trainable target; both targets agree", () => {
    const graph = loadGraph({
      fusegraph: 1,
      name: "shared",
      inputs: { x: [6, 6, 4] },
      nodes: {
        c1: { op: "conv2d", input: "x", filters: 4, kernelSize: 3, padding: "same" },
        r1: { op: "activation", input: "c1", fn: "relu" },
        c2: { op: "conv2d", input: "r1", filters: 4, kernelSize: 3, padding: "same", shareWeights: "c1" },
        bn2: { op: "batchNorm", input: "c2" },
        r2: { op: "activation", input: "bn2", fn: "sigmoid" },
      },
      outputs: ["r2"],
    });
    const trainable = compareOptimized(graph, nonTrivialWeights(graph, 13));
    // Folding bn2 into c2 would change c1's (shared) kernel; fusing r1 would put it on c2's path too.
    expect(trainable.optimized.byClass.BatchNormalization).toBe(1);
    expect(trainable.optimized.byClass.Activation).toBe(2);
    expect(trainable.error).toBeLessThan(TOLERANCE);
    // The portable model holds each node's weights itself, so everything folds and fuses.
    const portable = compareOptimized(graph, nonTrivialWeights(graph, 13), { target: "portable" });
    expect(portable.optimized.removable).toBe(0);
    expect(portable.error).toBeLessThan(TOLERANCE);
  });

  it("does not change the caller's graph or weights", () => {
    const graph = convNet();
    const weights = nonTrivialWeights(graph, 9);
    const before = JSON.stringify(graph);
    const kernel = Float32Array.from(weights.get(weightKey("c1", "kernel"))?.data ?? []);
    compile(graph, { weights, optimize: "inference" }).dispose();
    compile(graph, { weights, optimize: "inference", target: "portable" }).dispose();
    expect(JSON.stringify(graph)).toBe(before);
    expect(Array.from(weights.get(weightKey("c1", "kernel"))?.data ?? [])).toEqual(Array.from(kernel));
    expect(weights.has(weightKey("bn1", "gamma"))).toBe(true);
  });

  it("negative control: a perturbed batchNorm statistic is detected against the optimised model", () => {
    const graph = convNet(["t2", "prob"]);
    const weights = nonTrivialWeights(graph, 10);
    const inputs = randomInputs(graph, 4, 2);
    const optimized = compile(graph, { weights, optimize: "inference" });
    // One channel's variance x1.5: a small change, far above the tolerance at the tanh after it.
    const perturbed = new Map(weights);
    const v = weights.get(weightKey("bn2", "movingVariance"))!;
    perturbed.set(weightKey("bn2", "movingVariance"), {
      shape: v.shape,
      data: v.data.map((x, i) => (i === 0 ? x * 1.5 : x)),
    });
    const plain = compile(graph, { weights: perturbed });
    try {
      const want = predictSync(plain, graph, inputs).t2!.data;
      const got = predictSync(optimized, graph, inputs).t2!.data;
      expect(relError(got, want)).toBeGreaterThan(10 * TOLERANCE);
      // ...while the unperturbed weights agree, so the measure tells the two apart.
      expect(compareOptimized(graph, weights).error).toBeLessThan(TOLERANCE);
    } finally {
      plain.dispose();
      optimized.dispose();
    }
  });
});

describe("optimize: inference models save and load", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const target of TARGETS) {
    it(`${target}: saveModel then load gives the same outputs`, async () => {
      const graph = convNet();
      const weights = nonTrivialWeights(graph, 11);
      const inputs = randomInputs(graph, 2, 2);
      const model = compile(graph, { weights, target, optimize: "inference" });
      const dir = mkdtempSync(join(tmpdir(), "fusegraph-opt-"));
      dirs.push(dir);
      await saveModel(model, join(dir, "m"));
      // Portable: tf.loadLayersModel, every class a built-in; trainable: through loadModel.
      const back =
        target === "portable"
          ? await tf.loadLayersModel(modelDir(join(dir, "m")))
          : await loadModel(join(dir, "m"));
      try {
        expect(layerCounts(back).removable).toBe(0);
        if (target === "portable") {
          const custom = back.layers.map((l) => l.getClassName()).filter((c) => c.startsWith("Fusegraph"));
          expect(custom).toEqual([]);
        }
        const want = predictSync(model, graph, inputs).prob!.data;
        const got = predictSync(back, graph, inputs).prob!.data;
        expect(relError(got, want)).toBeLessThan(1e-6);
      } finally {
        model.dispose();
        back.dispose();
      }
    });
  }
});
