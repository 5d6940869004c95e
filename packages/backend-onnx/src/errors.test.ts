import { loadGraph, type SpecDocumentInput } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import { seededWeights } from "./__fixtures__/models.js";
import { OnnxExportError } from "./errors.js";
import { exportOnnx, onnxModel } from "./export.js";

const convSpec: SpecDocumentInput = {
  fusegraph: 1,
  name: "errors",
  inputs: { x: [6, 6, 3] },
  nodes: {
    c: { op: "conv2d", input: "x", filters: 2, kernelSize: 3 },
    y: { op: "activation", input: "c", fn: "relu" },
  },
  outputs: ["y"],
};

/** The OnnxExportError `fn` throws (failing the test when it throws nothing or something else). */
function caught(fn: () => unknown): OnnxExportError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxExportError);
    return e as OnnxExportError;
  }
  throw new Error("expected an OnnxExportError");
}

describe("OnnxExportError: what the exporter refuses, naming the node and a way out", () => {
  const graph = loadGraph(convSpec);
  const weights = seededWeights(graph, 1);

  it("opsets other than 17-19", () => {
    for (const opset of [16, 20, 17.5]) {
      const e = caught(() => exportOnnx(graph, { weights, opset }));
      expect(e.code).toBe("unsupported_opset");
      expect(e.nodeId).toBeUndefined();
      expect(e.message).toContain(`opset ${opset} is not supported`);
      expect(e.hint).toContain("17");
    }
    expect(onnxModel(graph, { weights }).opset).toBe(17);
    expect(onnxModel(graph, { weights, opset: 19 })).toMatchObject({ opset: 19, irVersion: 9 });
  });

  it("a missing weight, naming the node and the key", () => {
    const partial = new Map(weights);
    partial.delete("c/bias");
    const e = caught(() => exportOnnx(graph, { weights: partial }));
    expect(e).toMatchObject({ code: "missing_weight", nodeId: "c" });
    expect(e.message).toMatch(/^node "c": \(conv2d\) weight "c\/bias" is missing/);
    expect(e.hint).toContain("initWeights");
  });

  it("a weight of the wrong shape or dtype", () => {
    const wrong = new Map(weights);
    wrong.set("c/kernel", { shape: [3, 3, 3, 3], data: new Float32Array(81) });
    const e = caught(() => exportOnnx(graph, { weights: wrong }));
    expect(e).toMatchObject({ code: "weight_shape", nodeId: "c" });
    expect(e.message).toContain("expected [3,3,3,2]");
    const f64 = new Map(weights);
    f64.set("c/bias", { shape: [2], data: new Float64Array(2) as unknown as Float32Array });
    expect(caught(() => exportOnnx(graph, { weights: f64 }))).toMatchObject({
      code: "weight_dtype",
      nodeId: "c",
    });
  });

  it("avgPool dilation before opset 19 (AveragePool has no dilations there), accepted at 19", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "dilated",
      inputs: { x: [7, 7, 2] },
      nodes: { p: { op: "avgPool", input: "x", poolSize: 2, strides: 1, dilation: 2 } },
      outputs: ["p"],
    });
    const e = caught(() => exportOnnx(g, { weights: new Map() }));
    expect(e).toMatchObject({ code: "unsupported_params", nodeId: "p" });
    expect(e.hint).toContain("--opset 19");
    const pool = onnxModel(g, { weights: new Map(), opset: 19 }).graph.nodes.find((n) => n.name === "p");
    expect(pool?.attributes?.dilations).toEqual({ kind: "ints", value: [2, 2] });
  });

  it("a graph input listed as an output", () => {
    const g = loadGraph({ ...convSpec, outputs: ["y", "x"] });
    const e = caught(() => exportOnnx(g, { weights }));
    expect(e).toMatchObject({ code: "output_is_input", nodeId: "x" });
  });
});
