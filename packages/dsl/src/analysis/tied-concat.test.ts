import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fails, ok } from "../__fixtures__/analysis.js";
import type { SpecDocumentInput } from "../document/document.js";
import type { Graph, GraphNode } from "../graph/graph.js";
import { loadGraph } from "../load.js";
import { toPair } from "../ops/common.js";
import { createRng, initWeights } from "../weights/init.js";
import type { TensorData, WeightMap } from "../weights/tensor.js";
import { addToConcat, concatToAdd } from "./tied-concat.js";

/** Reference conv of one [H,W,C] example with symmetric integer padding, written from the definition. */
function naiveConv(
  x: TensorData,
  k: TensorData,
  bias: Float32Array,
  stride: number,
  pad: number,
): TensorData {
  const [h = 0, w = 0, c = 0] = x.shape;
  const [kh = 0, kw = 0, kc = 0, f = 0] = k.shape;
  expect(kc).toBe(c);
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - kw) / stride) + 1;
  const out = new Float32Array(oh * ow * f);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let o = 0; o < f; o++) {
        let s = bias[o] ?? 0;
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride + ky - pad;
            const ix = ox * stride + kx - pad;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++)
              s += x.data[(iy * w + ix) * c + ci]! * k.data[((ky * kw + kx) * c + ci) * f + o]!;
          }
        out[(oy * ow + ox) * f + o] = s;
      }
  return { shape: [oh, ow, f], data: out };
}

function naiveDense(x: TensorData, k: TensorData, bias: Float32Array): TensorData {
  const [fin = 0, units = 0] = k.shape;
  const rows = x.data.length / fin;
  const out = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++)
    for (let u = 0; u < units; u++) {
      let s = bias[u] ?? 0;
      for (let i = 0; i < fin; i++) s += x.data[r * fin + i]! * k.data[i * units + u]!;
      out[r * units + u] = s;
    }
  return { shape: [...x.shape.slice(0, -1), units], data: out };
}

const sum = (xs: TensorData[]): TensorData => ({
  shape: xs[0]!.shape,
  data: xs[0]!.data.map((_, i) => xs.reduce((s, x) => s + x.data[i]!, 0)),
});

/** Channel concat of equal-shaped tensors, written out index by index. */
function concatLast(xs: TensorData[]): TensorData {
  const c = xs[0]!.shape[xs[0]!.shape.length - 1]!;
  const rows = xs[0]!.data.length / c;
  const n = xs.length;
  const data = new Float32Array(rows * c * n);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < c; j++) data[r * c * n + i * c + j] = xs[i]!.data[r * c + j]!;
  return { shape: [...xs[0]!.shape.slice(0, -1), c * n], data };
}

/** Values in ±[0.5, 1]: never near zero, so a perturbed kernel entry always shows in the output. */
function randomTensor(shape: number[], rng: () => number): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (rng() < 0.5 ? -1 : 1) * (0.5 + rng() / 2);
  return { shape, data };
}

const maxDiff = (a: TensorData, b: TensorData) => {
  expect(a.shape).toEqual(b.shape);
  return a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
};

function addConvSpec(n: number, [h, w, c]: number[], conv: Record<string, unknown>): SpecDocumentInput {
  const inputs: Record<string, number[]> = {};
  for (let i = 0; i < n; i++) inputs[`x${i}`] = [h!, w!, c!];
  return {
    fusegraph: 1,
    name: "tied",
    inputs,
    nodes: {
      sum: { merge: "add", inputs: Object.keys(inputs) },
      conv: { op: "conv2d", input: "sum", ...conv },
    },
    outputs: ["conv"],
  };
}

const node = (g: Graph, id: string): GraphNode => g.nodes.find((n) => n.id === id)!;

/** The conv of a graph run by the reference on its input, with the graph's own params and weights. */
function runConv(g: Graph, weights: WeightMap, x: TensorData): TensorData {
  const conv = node(g, "conv");
  if (conv.kind !== "conv2d") throw new Error("conv is not a conv2d");
  const pad = conv.params.padding;
  if (typeof pad !== "number") throw new Error("the property uses integer padding");
  const out = naiveConv(
    x,
    weights.get("conv/kernel")!,
    weights.get("conv/bias")!.data,
    toPair(conv.params.strides)[0],
    pad,
  );
  // the reference and the dsl's shape rule agree on the output size
  expect(out.shape).toEqual([...conv.shape]);
  return out;
}

const convCase = fc.record({
  n: fc.integer({ min: 2, max: 3 }),
  c: fc.integer({ min: 1, max: 4 }),
  filters: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 3, max: 6 }),
  w: fc.integer({ min: 3, max: 6 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  pad: fc.integer({ min: 0, max: 1 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe("addToConcat: add then conv equals concat then conv with the kernel stacked [K; K]", () => {
  it("gives the same outputs for random shapes, and differs once one block is untied", () => {
    fc.assert(
      fc.property(convCase, ({ n, c, filters, h, w, k, stride, pad, seed }) => {
        const spec = addConvSpec(n, [h, w, c], { filters, kernelSize: k, strides: stride, padding: pad });
        const g = loadGraph(spec);
        const rng = createRng(seed);
        const weights = initWeights(g, { seed });
        // a non-zero bias, so "bias unchanged" is tested too
        weights.set("conv/bias", randomTensor([filters], rng));
        const xs = Array.from({ length: n }, () => randomTensor([h, w, c], rng));

        const r = ok(addToConcat(g, weights, "sum"));
        expect(node(r.graph, "sum")).toMatchObject({ kind: "concat", shape: [h, w, n * c] });
        expect(r.weights.get("conv/kernel")?.shape).toEqual([k, k, n * c, filters]);
        expect(r.weights.get("conv/bias")).toBe(weights.get("conv/bias"));

        const viaAdd = runConv(g, weights, sum(xs));
        const viaConcat = runConv(r.graph, r.weights, concatLast(xs));
        expect(maxDiff(viaAdd, viaConcat)).toBeLessThan(1e-5);

        // Untie: perturb the centre tap of block 2 (input 2's first channel, filter 0) by 0.5.
        const tied = r.weights.get("conv/kernel")!;
        const untied = { shape: tied.shape, data: tied.data.slice() };
        const mid = Math.floor(k / 2);
        untied.data[((mid * k + mid) * n * c + c) * filters]! += 0.5;
        const perturbed = new Map(r.weights).set("conv/kernel", untied);
        expect(maxDiff(viaAdd, runConv(r.graph, perturbed, concatLast(xs)))).toBeGreaterThan(0.2);

        // The inverse recovers the add graph and its exact kernel, and refuses the untied one.
        const back = ok(concatToAdd(r.graph, r.weights, "sum"));
        expect(node(back.graph, "sum")).toMatchObject({ kind: "add", shape: [h, w, c] });
        expect(back.weights.get("conv/kernel")).toEqual(weights.get("conv/kernel"));
        const refused = fails(concatToAdd(r.graph, perturbed, "sum"));
        expect(refused.issues[0]).toMatchObject({ code: "invalid_params", nodeId: "conv" });
        expect(refused.issues[0]?.message).toContain("differ by up to 0.500");
      }),
      { numRuns: 60 },
    );
  });

  it("holds for dense on [T,F] inputs too", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, f, units, t, seed) => {
          const inputs: Record<string, number[]> = {};
          for (let i = 0; i < n; i++) inputs[`x${i}`] = [t, f];
          const g = loadGraph({
            fusegraph: 1,
            name: "dense",
            inputs,
            nodes: {
              sum: { merge: "add", inputs: Object.keys(inputs) },
              fc: { op: "dense", input: "sum", units },
            },
            outputs: ["fc"],
          });
          const rng = createRng(seed);
          const weights = initWeights(g, { seed });
          const xs = Array.from({ length: n }, () => randomTensor([t, f], rng));
          const r = ok(addToConcat(g, weights, "sum"));
          expect(r.weights.get("fc/kernel")?.shape).toEqual([n * f, units]);
          const bias = weights.get("fc/bias")!.data;
          const a = naiveDense(sum(xs), weights.get("fc/kernel")!, bias);
          const b = naiveDense(concatLast(xs), r.weights.get("fc/kernel")!, bias);
          expect(b.shape).toEqual([...node(r.graph, "fc").shape]);
          expect(maxDiff(a, b)).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("tied-kernel rewrites refuse what they cannot carry", () => {
  const base = addConvSpec(2, [4, 4, 4], { filters: 4, kernelSize: 3, padding: "same", groups: 2 });

  it("a grouped conv", () => {
    const g = loadGraph(base);
    const i = fails(addToConcat(g, initWeights(g), "sum")).issues[0];
    expect(i).toMatchObject({ code: "invalid_spec", nodeId: "conv", received: "groups: 2" });
    expect(i?.message).toContain('conv2d "conv" has groups 2');
  });

  it("a reader that is not a conv or dense, and a merge that is an output", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "relu",
      inputs: { a: [4, 4, 2], b: [4, 4, 2] },
      nodes: {
        sum: { merge: "add", inputs: ["a", "b"] },
        act: { op: "activation", input: "sum", fn: "relu" },
        conv: { op: "conv2d", input: "sum", filters: 2, kernelSize: 1 },
      },
      outputs: ["act", "conv", "sum"],
    });
    const issues = fails(addToConcat(g, initWeights(g), "sum")).issues;
    expect(issues.map((i) => i.nodeId)).toEqual(["sum", "act"]);
    expect(issues[0]?.message).toContain("is an output of the graph");
    expect(issues[1]?.message).toContain('read by activation "act"');
  });

  it("a reader whose kernel is shared with another node", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "shared",
      inputs: { a: [4, 4, 2], b: [4, 4, 2] },
      nodes: {
        sum: { merge: "add", inputs: ["a", "b"] },
        c1: { op: "conv2d", input: "sum", filters: 2, kernelSize: 1 },
        c2: { op: "conv2d", input: "a", filters: 2, kernelSize: 1, shareWeights: "c1" },
        out: { merge: "concat", inputs: ["c1", "c2"] },
      },
      outputs: ["out"],
    });
    const i = fails(addToConcat(g, initWeights(g), "sum")).issues[0];
    expect(i).toMatchObject({ code: "invalid_spec", nodeId: "c1" });
    expect(i?.message).toContain('shares its weights with "c2"');
  });

  it("the wrong merge kind, an unknown id, and missing weights", () => {
    const g = loadGraph(addConvSpec(2, [4, 4, 2], { filters: 2, kernelSize: 1 }));
    const wrong = fails(concatToAdd(g, initWeights(g), "sum")).issues[0];
    expect(wrong).toMatchObject({
      expected: "concat",
      received: "add",
      hint: "addToConcat rewrites the other way",
    });
    expect(fails(addToConcat(g, initWeights(g), "summ")).issues[0]?.code).toBe("unknown_ref");
    const missing = fails(addToConcat(g, new Map(), "sum")).issues[0];
    expect(missing).toMatchObject({ code: "unknown_ref", nodeId: "conv" });
  });

  it("concatToAdd on inputs of different channels says which modes fit", () => {
    const g = loadGraph({
      fusegraph: 1,
      name: "cat",
      inputs: { a: [4, 4, 2], b: [4, 4, 3] },
      nodes: {
        cat: { merge: "concat", inputs: ["a", "b"] },
        conv: { op: "conv2d", input: "cat", filters: 2, kernelSize: 1 },
      },
      outputs: ["conv"],
    });
    const i = fails(concatToAdd(g, initWeights(g), "cat")).issues[0];
    expect(i?.message).toContain('input 2 "b" has shape [4,4,3], expected [4,4,2]');
    expect(i?.hint).toContain("conv1x1Add (channels: 2)");
  });
});
