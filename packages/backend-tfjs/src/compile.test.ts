import { loadGraph, type WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf, predictOne } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";
import { layerNameFor, nodeIdForLayer } from "./names.js";
import { modelWeights } from "./weights.js";

beforeAll(async () => {
  await useBackend("cpu");
});

describe("compile", () => {
  it("lowers conv2d and add to named tfjs layers with the given weights (hand-computed)", () => {
    const graph = graphOf({ x: [2, 2, 1] }, [
      { id: "stem/conv", kind: "conv2d", inputs: ["x"], params: { filters: 1, kernelSize: 1 } },
      { id: "sum", kind: "add", inputs: ["x", "stem/conv"] },
    ]);
    const weights: WeightMap = new Map([
      ["stem/conv/kernel", { shape: [1, 1, 1, 1], data: Float32Array.of(3) }],
      ["stem/conv/bias", { shape: [1], data: Float32Array.of(0.5) }],
    ]);
    const model = compile(graph, { weights });
    expect(model.getLayer("stem__conv").getClassName()).toBe("Conv2D");
    expect(model.getLayer("sum").getClassName()).toBe("Add");
    const x = tf.tensor([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = model.predict(x) as tf.Tensor;
    // x + (3x + 0.5)
    expect(Array.from(y.dataSync())).toEqual([4.5, 8.5, 12.5, 16.5]);
    expect(modelWeights(model, graph)).toEqual(weights);
  });

  it("starts from initWeights(graph, { seed }) so the same seed gives the same model", () => {
    const graph = graphOf({ x: [4, 4, 2] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 3, kernelSize: 3 } },
    ]);
    const a = predictOne(compile(graph, { seed: 7 }), graph);
    const b = predictOne(compile(graph, { seed: 7 }), graph);
    const c = predictOne(compile(graph, { seed: 8 }), graph);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it("maps node ids to layer names reversibly", () => {
    for (const id of ["a", "layer1.0/conv1", "p4/proj0/bn", "x-y.z"]) {
      expect(nodeIdForLayer(layerNameFor(id))).toBe(id);
      expect(layerNameFor(id)).not.toContain("/");
    }
  });

  it("refuses ids that cannot become layer names, naming the node", () => {
    const graph = graphOf({ x: [2, 2, 1] }, [
      { id: "a__b", kind: "conv2d", inputs: ["x"], params: { filters: 1, kernelSize: 1 } },
    ]);
    expect(() => compile(graph)).toThrow(CompileError);
    expect(() => compile(graph)).toThrow(/node "a__b"/);
  });

  it("refuses conv2d with both strides and dilation with a CompileError naming the node", () => {
    const graph = graphOf({ x: [9, 9, 1] }, [
      {
        id: "c1",
        kind: "conv2d",
        inputs: ["x"],
        params: { filters: 1, kernelSize: 3, strides: 2, dilation: 2 },
      },
    ]);
    let err: unknown;
    try {
      compile(graph);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).nodeId).toBe("c1");
    expect((err as CompileError).code).toBe("unsupported_params");
    expect((err as CompileError).message).not.toMatch(/at .*\.js/);
  });

  it("reports a missing or misshapen weight by key", () => {
    const graph = graphOf({ x: [2, 2, 1] }, [
      { id: "c", kind: "conv2d", inputs: ["x"], params: { filters: 2, kernelSize: 1 } },
    ]);
    const kernel = { shape: [1, 1, 1, 2], data: new Float32Array(2) };
    expect(() => compile(graph, { weights: new Map([["c/kernel", kernel]]) })).toThrow(
      /weight "c\/bias" is missing/,
    );
    const bad = new Map([
      ["c/kernel", kernel],
      ["c/bias", { shape: [3], data: new Float32Array(3) }],
    ]);
    expect(() => compile(graph, { weights: bad })).toThrow(/"c\/bias" has shape \[3\].*expected \[2\]/);
  });

  it("gives a spec it cannot express a one-line error naming the node and a hint, not a tfjs trace", () => {
    const graph = loadGraph(`
fusegraph: 1
name: bad
inputs: { img: [16, 16, 3] }
nodes:
  stem: { op: conv2d, input: img, filters: 4, kernelSize: 3, padding: same }
  atrous: { op: conv2d, input: stem, filters: 4, kernelSize: 3, strides: 2, dilation: 2 }
outputs: [atrous]
`);
    let err: unknown;
    try {
      compile(graph);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    const { message, nodeId, hint } = err as CompileError;
    expect(nodeId).toBe("atrous");
    expect(message.split("\n")[0]).toBe(
      'node "atrous": conv2d with strides [2,2] and dilation [2,2]: tfjs convolutions take strides or dilation above 1, not both',
    );
    expect(hint).toMatch(/strides 1 with dilation/);
  });
});
