import { type Graph, loadGraph, type TensorData, type WeightMap } from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import { describe, expect, it } from "vitest";
import { randomInputs, runCpu, seededWeights, worstError } from "./__fixtures__/models.js";
import { runOrt } from "./__fixtures__/ort.js";
import { exportOnnx, onnxModel } from "./export.js";
import { encodeModel, type ModelProto } from "./onnx-proto.js";

/** The brief's bound: max |onnxruntime - cpu| / max(1, max |cpu|). */
const TOLERANCE = 1e-4;

interface Run {
  graph: Graph;
  weights: WeightMap;
  inputs: Record<string, TensorData>;
  want: Record<string, TensorData>;
}

/** A case's graph with seeded weights and inputs (batch 2, so batch handling is exercised), and the CPU result. */
function reference(spec: Parameters<typeof loadGraph>[0]): Run {
  const graph = loadGraph(spec);
  const weights = seededWeights(graph, 17);
  const inputs = randomInputs(graph, 5, 2);
  return { graph, weights, inputs, want: runCpu(graph, weights, inputs) };
}

async function disagreement(run: Run, model: Uint8Array) {
  return worstError(run.graph, await runOrt(model, run.inputs), run.want);
}

describe("onnxruntime-node runs every conformance case like backend-cpu (within 1e-4 of the output scale)", () => {
  it.for(opCases.map((c) => [c.name, c] as const))("%s", async ([, c]) => {
    const run = reference(c.spec);
    const { error, shapes } = await disagreement(run, exportOnnx(run.graph, { weights: run.weights }));
    expect(shapes, "output shapes").toBe(true);
    expect(error).toBeLessThan(Math.min(TOLERANCE, c.tolerance ?? TOLERANCE));
    // Netron shows the spec's names: every node of the graph names an ONNX node (composites through
    // their parts, whose last part carries the composite's id).
    const names = new Set(onnxModel(run.graph, { weights: run.weights }).graph.nodes.map((n) => n.name));
    for (const n of run.graph.nodes) expect(names.has(n.id), n.id).toBe(true);
  });

  it.for([18, 19])("opset %i: the model cases agree too", async (opset) => {
    for (const c of opCases.filter((x) => x.name.startsWith("model/"))) {
      const run = reference(c.spec);
      const model = exportOnnx(run.graph, { weights: run.weights, opset });
      const { error, shapes } = await disagreement(run, model);
      expect(shapes, c.name).toBe(true);
      expect(error, c.name).toBeLessThan(TOLERANCE);
    }
  });

  it("opset 19: avgPool with dilation (and ceilMode) agrees", async () => {
    const run = reference({
      fusegraph: 1,
      name: "dilated-avg",
      inputs: { x: [9, 8, 3] },
      nodes: {
        y: { op: "avgPool", input: "x", poolSize: 2, strides: 2, dilation: 2, padding: 1, ceilMode: true },
      },
      outputs: ["y"],
    });
    const { error, shapes } = await disagreement(
      run,
      exportOnnx(run.graph, { weights: run.weights, opset: 19 }),
    );
    expect(shapes).toBe(true);
    expect(error).toBeLessThan(TOLERANCE);
  });
});

describe("negative controls: the comparison detects a wrong export", () => {
  const base = () => {
    const c = opCases.find((x) => x.name === "model/unet-like");
    if (!c) throw new Error("model/unet-like case missing");
    return reference(c.spec);
  };

  it("a perturbed weight", async () => {
    const run = base();
    const perturbed = new Map(run.weights);
    const k = run.weights.get("d2/kernel");
    if (!k) throw new Error("d2/kernel missing");
    const data = k.data.slice();
    data[7] = (data[7] ?? 0) + 0.25;
    perturbed.set("d2/kernel", { shape: k.shape, data });
    const { error } = await disagreement(run, exportOnnx(run.graph, { weights: perturbed }));
    expect(error).toBeGreaterThan(TOLERANCE);
  });

  it("a kernel left in HWIO order (the transpose skipped)", async () => {
    const run = base();
    const model = onnxModel(run.graph, { weights: run.weights });
    const k = run.weights.get("d2/kernel");
    const initializers = model.graph.initializers.map((t) =>
      t.name === "d2/kernel:OIHW" ? { ...t, floats: k?.data } : t,
    );
    const broken: ModelProto = { ...model, graph: { ...model.graph, initializers } };
    const { error } = await disagreement(run, encodeModel(broken));
    expect(error).toBeGreaterThan(TOLERANCE);
  });

  it("a flatten without the transpose back to channels-last", async () => {
    const run = reference({
      fusegraph: 1,
      name: "conv-flatten",
      inputs: { x: [4, 5, 3] },
      nodes: {
        c: { op: "conv2d", input: "x", filters: 2, kernelSize: 3, padding: "same" },
        y: { op: "flatten", input: "c" },
      },
      outputs: ["y"],
    });
    const model = onnxModel(run.graph, { weights: run.weights });
    const good = await disagreement(run, encodeModel(model));
    expect(good.error).toBeLessThan(TOLERANCE);
    // Flatten the channels-first tensor directly: the same numbers in C, H, W order instead of H, W, C.
    const nodes = model.graph.nodes.map((n) => (n.opType === "Flatten" ? { ...n, inputs: ["c"] } : n));
    expect(model.graph.nodes.find((n) => n.name === "c")?.outputs).toEqual(["c"]);
    const { error, shapes } = await disagreement(
      run,
      encodeModel({ ...model, graph: { ...model.graph, nodes } }),
    );
    expect(shapes).toBe(true);
    expect(error).toBeGreaterThan(TOLERANCE);
  });
});
