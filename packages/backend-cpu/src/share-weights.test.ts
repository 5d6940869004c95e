import {
  type Graph,
  graphWeights,
  initWeights,
  loadGraph,
  type SpecDocumentInput,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExecutionError } from "./errors.js";
import { prepare } from "./prepare.js";

type Nodes = SpecDocumentInput["nodes"];

/** The same spec with and without `shareWeights` (the unshared twin gets its own copies of the weights). */
function twins(inputs: Record<string, number[]>, nodes: Nodes, outputs: string[]) {
  const plain: Nodes = {};
  for (const [id, n] of Object.entries(nodes)) {
    const { shareWeights: _, ...rest } = n;
    plain[id] = rest;
  }
  const doc = (name: string, ns: Nodes): SpecDocumentInput => ({
    fusegraph: 1,
    name,
    inputs,
    nodes: ns,
    outputs,
  });
  return { shared: loadGraph(doc("shared", nodes)), plain: loadGraph(doc("plain", plain)) };
}

/** The unshared twin's weights: the shared map plus a copy of each target's weights under each sharer. */
function copiedWeights(shared: Graph, weights: WeightMap): WeightMap {
  const out: WeightMap = new Map();
  for (const [k, t] of weights) out.set(k, { shape: [...t.shape], data: t.data.slice() });
  for (const n of shared.nodes) {
    if (n.shareWeights === undefined) continue;
    for (const { key, nodeId, spec } of graphWeights(shared)) {
      if (nodeId !== n.shareWeights) continue;
      const t = weights.get(key)!;
      out.set(`${n.id}/${spec.name}`, { shape: [...t.shape], data: t.data.slice() });
    }
  }
  return out;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Non-trivial values for every weight (batchNorm statistics in sensible ranges). */
function randomize(weights: WeightMap, seed: number): void {
  const rnd = lcg(seed);
  for (const [key, t] of weights) {
    for (let i = 0; i < t.data.length; i++) {
      if (key.endsWith("movingVariance")) t.data[i] = 0.2 + 2 * rnd();
      else if (key.endsWith("gamma")) t.data[i] = 0.5 + rnd();
      else t.data[i] = rnd() - 0.5;
    }
  }
}

function inputsFor(graph: Graph, seed: number): Record<string, TensorData> {
  const rnd = lcg(seed);
  const out: Record<string, TensorData> = {};
  for (const i of graph.inputs) {
    const data = new Float32Array(i.shape.reduce((a, b) => a * b, 1)).map(() => 2 * rnd() - 1);
    out[i.id] = { shape: [1, ...i.shape], data };
  }
  return out;
}

function runOnce(graph: Graph, weights: WeightMap, inputs: Record<string, TensorData>, fuse = true) {
  const ex = prepare(graph, weights, { threads: 1, fuse });
  try {
    return ex.run(inputs);
  } finally {
    ex.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("shareWeights on the cpu backend", () => {
  it("runs two dense nodes with one set of weights (hand-computed)", () => {
    const graph = loadGraph({
      fusegraph: 1,
      name: "tied",
      inputs: { a: [3], b: [3] },
      nodes: {
        d1: { op: "dense", input: "a", units: 2 },
        d2: { op: "dense", input: "b", units: 2, shareWeights: "d1" },
        both: { merge: "concat", inputs: ["d1", "d2"] },
      },
      outputs: ["both"],
    });
    expect([...initWeights(graph).keys()]).toEqual(["d1/kernel", "d1/bias"]);
    const weights: WeightMap = new Map([
      // kernel [F=3, units=2], row-major: [[1,2],[0,1],[1,0]]
      ["d1/kernel", { shape: [3, 2], data: Float32Array.of(1, 2, 0, 1, 1, 0) }],
      ["d1/bias", { shape: [2], data: Float32Array.of(0.5, -0.5) }],
    ]);
    const out = runOnce(graph, weights, {
      a: { shape: [1, 3], data: Float32Array.of(1, 2, 3) },
      b: { shape: [1, 3], data: Float32Array.of(-1, 0, 2) },
    });
    // a·K + bias = [1+3+0.5, 2+2-0.5]; b·K + bias = [-1+2+0.5, -2+0-0.5]
    expect(Array.from(out.both!.data)).toEqual([4.5, 3.5, 1.5, -2.5]);
  });

  it("folds a shared conv with a different batchNorm at each use, leaving the shared weights intact", () => {
    const { shared, plain } = twins(
      { x: [5, 5, 2], y: [5, 5, 2] },
      {
        c1: { op: "conv2d", input: "x", filters: 3, kernelSize: 3, padding: "same" },
        bn1: { op: "batchNorm", input: "c1" },
        r1: { op: "activation", input: "bn1", fn: "relu" },
        c2: { op: "conv2d", input: "y", filters: 3, kernelSize: 3, padding: "same", shareWeights: "c1" },
        bn2: { op: "batchNorm", input: "c2", epsilon: 1e-5 },
        sum: { merge: "add", inputs: ["r1", "bn2"] },
      },
      ["sum"],
    );
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (wSeed, xSeed) => {
        const weights = initWeights(shared, { seed: wSeed });
        randomize(weights, wSeed);
        const before = new Map([...weights].map(([k, t]) => [k, t.data.slice()]));
        const inputs = inputsFor(shared, xSeed);
        const fused = runOnce(shared, weights, inputs).sum!.data;
        const unfused = runOnce(shared, weights, inputs, false).sum!.data;
        const reference = runOnce(plain, copiedWeights(shared, weights), inputs, false).sum!.data;
        for (const [k, t] of weights) expect(Array.from(t.data)).toEqual(Array.from(before.get(k)!));
        const scale = Math.max(1, ...Array.from(reference, Math.abs));
        expect(maxAbsDiff(fused, reference) / scale).toBeLessThan(1e-5);
        expect(maxAbsDiff(unfused, reference) / scale).toBeLessThan(1e-5);
      }),
      { numRuns: 15 },
    );
  });

  it("shares composite weights (conv1x1Add with batchNorm, weightedAdd) through their expansion", () => {
    const { shared, plain } = twins(
      { a: [4, 4, 3], b: [2, 2, 5], c: [4, 4, 3], d: [2, 2, 5] },
      {
        f1: { merge: "conv1x1Add", inputs: ["a", "b"], channels: 4, project: "all", norm: "batchNorm" },
        f2: {
          merge: "conv1x1Add",
          inputs: ["c", "d"],
          channels: 4,
          project: "all",
          norm: "batchNorm",
          shareWeights: "f1",
        },
        w1: { merge: "weightedAdd", inputs: ["f1", "f2"], normalize: "relu", bias: true },
        w2: { merge: "weightedAdd", inputs: ["f2", "f1"], normalize: "relu", bias: true, shareWeights: "w1" },
        out: { merge: "concat", inputs: ["w1", "w2"] },
      },
      ["out"],
    );
    const weights = initWeights(shared, { seed: 3 });
    randomize(weights, 3);
    expect([...weights.keys()].some((k) => k.startsWith("f2/") || k.startsWith("w2/"))).toBe(false);
    const inputs = inputsFor(shared, 9);
    const got = runOnce(shared, weights, inputs).out!.data;
    const want = runOnce(plain, copiedWeights(shared, weights), inputs).out!.data;
    const scale = Math.max(1, ...Array.from(want, Math.abs));
    expect(maxAbsDiff(got, want) / scale).toBeLessThan(1e-6);
  });

  it("refuses weights given under a sharing node's id, naming the node it shares with", () => {
    const graph = loadGraph({
      fusegraph: 1,
      name: "tied",
      inputs: { a: [3], b: [3] },
      nodes: {
        "s/d1": { op: "dense", input: "a", units: 2 },
        "s/d2": { op: "dense", input: "b", units: 2, shareWeights: "s/d1" },
        both: { merge: "add", inputs: ["s/d1", "s/d2"] },
      },
      outputs: ["both"],
    });
    const weights = initWeights(graph);
    weights.set("s/d2/kernel", { shape: [3, 2], data: new Float32Array(6) });
    expect(() => prepare(graph, weights, { threads: 1 })).toThrow(ExecutionError);
    expect(() => prepare(graph, weights, { threads: 1 })).toThrow(
      /"s\/d2\/kernel" belongs to node "s\/d2", which shares the weights of "s\/d1"/,
    );
    const missing = initWeights(graph);
    missing.delete("s/d1/bias");
    expect(() => prepare(graph, missing, { threads: 1 })).toThrow(/weight "s\/d1\/bias" is missing/);
  });
});
