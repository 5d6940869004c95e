import {
  type CoreKind,
  type Graph,
  graphCost,
  initWeights,
  loadGraph,
  type TensorData,
  type WeightMap,
} from "@fusegraph/dsl";
import { afterEach, describe, expect, it, vi } from "vitest";
import { prepare } from "./prepare.js";
import { type RunProfile, topNodes } from "./profile.js";

/**
 * conv-bn-relu, a pool, conv-bn plus the pooled shortcut, relu, global pool, dropout, flatten, dense:
 * with fusion the add and relus fold into the convs; `pool` picks the window pool, so a variant without
 * maxPool serves as a negative control.
 */
function net(pool: "maxPool" | "avgPool" = "maxPool", size = 12, width = 8): Graph {
  return loadGraph({
    fusegraph: 1,
    name: "profiled",
    inputs: { x: [size, size, 3] },
    nodes: {
      c1: { op: "conv2d", input: "x", filters: width, kernelSize: 3, padding: "same" },
      bn1: { op: "batchNorm", input: "c1" },
      r1: { op: "activation", input: "bn1", fn: "relu" },
      p: { op: pool, input: "r1", poolSize: 2 },
      c2: { op: "conv2d", input: "p", filters: width, kernelSize: 3, padding: "same" },
      bn2: { op: "batchNorm", input: "c2" },
      s: { merge: "add", inputs: ["bn2", "p"] },
      a: { op: "activation", input: "s", fn: "relu" },
      g: { op: "globalAvgPool", input: "a" },
      dr: { op: "dropout", input: "g", rate: 0.5 },
      fl: { op: "flatten", input: "dr" },
      d: { op: "dense", input: "fl", units: 5 },
    },
    outputs: ["d"],
  });
}

/** A conv1x1Add merge: its projection is an expanded conv2d, whose MACs the dsl counts on the merge. */
function mergeNet(): Graph {
  return loadGraph({
    fusegraph: 1,
    name: "merged",
    inputs: { x: [8, 8, 4], y: [8, 8, 6] },
    nodes: {
      c: { op: "conv2d", input: "x", filters: 4, kernelSize: 3, padding: "same" },
      m: { merge: "conv1x1Add", inputs: ["c", "y"], channels: 4 },
      out: { op: "activation", input: "m", fn: "relu" },
    },
    outputs: ["out"],
  });
}

function feedOf(graph: Graph, batch: number): Record<string, TensorData> {
  const feed: Record<string, TensorData> = {};
  graph.inputs.forEach((input, k) => {
    const shape = [batch, ...input.shape];
    const n = shape.reduce((a, b) => a * b, 1);
    feed[input.id] = { shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.31 + k)) };
  });
  return feed;
}

function profileOf(graph: Graph, weights: WeightMap, batch: number, fuse = true): RunProfile {
  const exe = prepare(graph, weights, { threads: 1, kernel: "js", fuse });
  try {
    return exe.profile(feedOf(graph, batch)).profile;
  } finally {
    exe.dispose();
  }
}

/** MACs of the dsl's cost model summed by node kind, for a batch. */
function costByKind(graph: Graph, batch: number): Map<string, number> {
  const sums = new Map<string, number>();
  for (const n of graphCost(graph).nodes) sums.set(n.kind, (sums.get(n.kind) ?? 0) + n.macs * batch);
  return sums;
}

const byKind = (p: RunProfile) => new Map(p.kinds.map((k) => [k.kind, k]));

describe("Executor.profile: one row per kernel kind that ran", () => {
  const graph = net();
  const weights = initWeights(graph, { seed: 3 });

  it("with fusion, lists the kernels that ran and what they took over", () => {
    const p = profileOf(graph, weights, 2);
    const rows = byKind(p);
    expect([...rows.keys()].sort()).toEqual(["conv2d", "dense", "globalAvgPool", "maxPool"]);
    expect(rows.get("conv2d")!.calls).toBe(2);
    // c1 takes bn1 and r1; c2 takes bn2, the add of the shortcut and the relu after it.
    expect(rows.get("conv2d")!.fused).toEqual({ batchNorm: 2, activation: 2, add: 1 });
    expect(rows.get("maxPool")!.fused).toEqual({});
    expect(p.nodes.map((n) => [n.id, n.kind, n.fused])).toEqual([
      ["c1", "conv2d", ["bn1", "r1"]],
      ["p", "maxPool", []],
      ["c2", "conv2d", ["bn2", "s", "a"]],
      ["g", "globalAvgPool", []],
      ["d", "dense", []],
    ]);
  });

  it("without fusion, has one call per node of each kind; aliasing dropout and flatten have no row", () => {
    const p = profileOf(graph, weights, 1, false);
    const counts = new Map<string, number>();
    for (const n of graph.nodes) {
      if (n.kind !== "dropout" && n.kind !== "flatten") counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
    }
    expect(new Map(p.kinds.map((k) => [k.kind, k.calls]))).toEqual(counts);
    for (const k of p.kinds) expect(k.fused).toEqual({});
  });

  it("negative control: a graph without maxPool has no maxPool row", () => {
    const other = net("avgPool");
    const rows = byKind(profileOf(other, initWeights(other, { seed: 3 }), 1));
    expect(rows.has("maxPool")).toBe(false);
    expect(rows.get("avgPool")?.calls).toBe(1);
  });

  it("the kinds' and the nodes' times sum to the kernel time, within the run's total", () => {
    const p = profileOf(graph, weights, 2);
    const kinds = p.kinds.reduce((a, k) => a + k.ms, 0);
    const nodes = p.nodes.reduce((a, n) => a + n.ms, 0);
    expect(kinds).toBeCloseTo(p.kernelMs, 9);
    expect(nodes).toBeCloseTo(p.kernelMs, 9);
    expect(p.kernelMs).toBeGreaterThan(0);
    expect(p.kernelMs).toBeLessThanOrEqual(p.totalMs);
    const shares = p.kinds.reduce((a, k) => a + k.share, 0);
    expect(shares).toBeCloseTo(p.kernelMs / p.totalMs, 9);
    for (let i = 1; i < p.kinds.length; i++)
      expect(p.kinds[i - 1]!.ms).toBeGreaterThanOrEqual(p.kinds[i]!.ms);
  });

  it("MACs per kind are the dsl cost model's per-node MACs summed, times the batch", () => {
    for (const [batch, fuse] of [
      [1, false],
      [3, false],
      [3, true],
    ] as const) {
      const p = profileOf(graph, weights, batch, fuse);
      const expected = costByKind(graph, batch);
      for (const k of p.kinds) {
        // Fused batchNorms, adds and activations have no MACs, so a fused row keeps its head kind's.
        expect(k.macs, `${k.kind} batch ${batch} fuse ${fuse}`).toBe(expected.get(k.kind) ?? 0);
        expect(k.gmacPerSecond === null).toBe(k.macs === 0 || k.ms === 0);
      }
      expect(p.kinds.reduce((a, k) => a + k.macs, 0)).toBe(graphCost(graph).total.macs * batch);
    }
    // The per-node MACs of the convs, as the cost model counts them.
    const p = profileOf(graph, weights, 1);
    const cost = new Map(graphCost(graph).nodes.map((n) => [n.id, n.macs]));
    expect(p.nodes.find((n) => n.id === "c2")!.macs).toBe(cost.get("c2"));
    expect(cost.get("c2")).toBe(6 * 6 * 8 * 3 * 3 * 8);
  });

  it("a composite's MACs show under the core kind it expands to", () => {
    const g = mergeNet();
    const p = profileOf(g, initWeights(g, { seed: 1 }), 2);
    const cost = graphCost(g);
    const merge = cost.nodes.find((n) => n.id === "m")!.macs;
    expect(merge).toBe(8 * 8 * 6 * 4);
    expect(byKind(p).get("conv2d")!.macs).toBe((cost.nodes.find((n) => n.id === "c")!.macs + merge) * 2);
    expect(byKind(p).has("conv1x1Add" as CoreKind)).toBe(false);
    expect(p.kinds.reduce((a, k) => a + k.macs, 0)).toBe(cost.total.macs * 2);
  });

  it("topNodes gives the slowest steps first", () => {
    const p = profileOf(graph, weights, 1);
    const top = topNodes(p, 3);
    expect(top).toHaveLength(3);
    const sorted = [...p.nodes].map((n) => n.ms).sort((a, b) => b - a);
    expect(top.map((n) => n.ms)).toEqual(sorted.slice(0, 3));
    expect(topNodes(p, 99)).toHaveLength(p.nodes.length);
  });
});

describe("profiling changes nothing but the clock reads", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(["wasm", "js"] as const)(
    "profile's outputs equal run's bit for bit (%s GEMM, 2 threads)",
    (kernel) => {
      // NOTE: wide enough that c2 (16*16*32*288 MACs per example) splits across the worker thread.
      const graph = net("maxPool", 32, 32);
      const weights = initWeights(graph, { seed: 9 });
      const feed = feedOf(graph, 4);
      const a = prepare(graph, weights, { threads: 2, kernel });
      const b = prepare(graph, weights, { threads: 2, kernel });
      try {
        const plain = a.run(feed).d!;
        const profiled = b.profile(feed).outputs.d!;
        expect(profiled.shape).toEqual(plain.shape);
        expect(Buffer.from(profiled.data.buffer)).toEqual(Buffer.from(plain.data.buffer));
        // Same executor, profile then run: the arena reuse does not leak between them either.
        expect(Buffer.from(b.run(feed).d!.data.buffer)).toEqual(Buffer.from(plain.data.buffer));
      } finally {
        a.dispose();
        b.dispose();
      }
    },
  );

  it("run reads no clock; profile reads it once per step plus the run's ends", () => {
    const graph = net();
    const exe = prepare(graph, initWeights(graph, { seed: 2 }), { threads: 1, kernel: "js" });
    const feed = feedOf(graph, 1);
    const now = vi.spyOn(performance, "now");
    try {
      exe.run(feed);
      expect(now).not.toHaveBeenCalled();
      const { profile } = exe.profile(feed);
      expect(now).toHaveBeenCalledTimes(profile.nodes.length + 3);
    } finally {
      exe.dispose();
    }
  });
});
