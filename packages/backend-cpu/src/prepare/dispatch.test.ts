import { type CoreKind, type Graph, initWeights, loadGraph, type WeightMap } from "@fusegraph/dsl";
import { describe, expect, it } from "vitest";
import type { Kernel, KernelArgs, KernelTable } from "../kernels/types.js";
import { kernels } from "../kernels.js";
import { prepare, prepareWith } from "../prepare.js";

/**
 * A residual block (conv-bn-relu, conv-bn + shortcut, relu), a conv1x1Add merge (its projection is a
 * conv-bn whose add can fuse), then dropout, flatten and a dense with a sigmoid.
 */
function net(): Graph {
  return loadGraph({
    fusegraph: 1,
    name: "dispatch",
    inputs: { x: [6, 6, 3], y: [6, 6, 5] },
    nodes: {
      c1: { op: "conv2d", input: "x", filters: 4, kernelSize: 3, padding: "same" },
      bn1: { op: "batchNorm", input: "c1" },
      r1: { op: "activation", input: "bn1", fn: "relu" },
      c2: { op: "conv2d", input: "r1", filters: 4, kernelSize: 1 },
      bn2: { op: "batchNorm", input: "c2" },
      s: { merge: "add", inputs: ["bn2", "r1"] },
      a2: { op: "activation", input: "s", fn: "relu" },
      m: { merge: "conv1x1Add", inputs: ["a2", "y"], channels: 4, norm: "batchNorm" },
      mr: { op: "activation", input: "m", fn: "relu" },
      dr: { op: "dropout", input: "mr", rate: 0.5 },
      fl: { op: "flatten", input: "dr" },
      d: { op: "dense", input: "fl", units: 7 },
      out: { op: "activation", input: "d", fn: "sigmoid" },
    },
    outputs: ["out"],
  });
}

/** Every node of `net()` after expansion, in order, with its kind. */
const EXPANDED: [string, CoreKind][] = [
  ["c1", "conv2d"],
  ["bn1", "batchNorm"],
  ["r1", "activation"],
  ["c2", "conv2d"],
  ["bn2", "batchNorm"],
  ["s", "add"],
  ["a2", "activation"],
  ["m/proj1", "conv2d"],
  ["m/proj1/bn", "batchNorm"],
  ["m", "add"],
  ["mr", "activation"],
  ["dr", "dropout"],
  ["fl", "flatten"],
  ["d", "dense"],
  ["out", "activation"],
];

/** Weights whose batchNorms are far from identity, so folding one away or dropping it shows. */
function weightsOf(graph: Graph): WeightMap {
  const w = initWeights(graph, { seed: 5 });
  const rules: [string, (i: number) => number][] = [
    ["movingMean", (i) => 0.3 * Math.sin(i + 1)],
    ["movingVariance", (i) => 0.5 + 0.25 * i],
    ["gamma", (i) => 1.5 - 0.2 * i],
    ["beta", (i) => 0.1 * (i - 1)],
    ["bias", (i) => 0.1 * (i - 1)],
  ];
  for (const [key, t] of w) {
    const rule = rules.find(([suffix]) => key.endsWith(suffix))?.[1];
    if (rule) for (let i = 0; i < t.data.length; i++) t.data[i] = rule(i);
  }
  return w;
}

const feed = {
  x: { shape: [2, 6, 6, 3], data: Float32Array.from({ length: 216 }, (_, i) => Math.sin(i * 0.37)) },
  y: { shape: [2, 6, 6, 5], data: Float32Array.from({ length: 360 }, (_, i) => Math.cos(i * 0.21)) },
};

interface Call {
  kind: CoreKind;
  args: KernelArgs<CoreKind>;
}

/**
 * The real kernel table with every entry wrapped to record its calls (entries in `replace` stand in for
 * the real ones); each wrapper keeps its entry's `fuses` unless `dropFuses` names the kind.
 */
function spyTable(
  calls: Call[],
  replace: Partial<Record<CoreKind, Kernel<CoreKind>>> = {},
  dropFuses: readonly CoreKind[] = [],
): KernelTable {
  const real: KernelTable = kernels;
  const table: Partial<Record<CoreKind, Kernel<CoreKind>>> = {};
  for (const kind of Object.keys(real) as CoreKind[]) {
    const entry = replace[kind] ?? (real[kind] as Kernel<CoreKind>);
    const spy = (args: KernelArgs<CoreKind>) => {
      calls.push({ kind, args });
      return entry(args);
    };
    const fuses = dropFuses.includes(kind) ? undefined : real[kind].fuses;
    table[kind] = fuses ? Object.assign(spy, { fuses }) : spy;
  }
  return table as KernelTable;
}

/** A kernel that ignores its inputs and writes zeros (never an alias). */
const zeros: Kernel<CoreKind> = () => ({ run: (_inputs, y) => y.fill(0) });

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const graph = net();
const weights = weightsOf(graph);
const reference = prepare(graph, weights, { threads: 1, kernel: "js", fuse: false }).run(feed).out!.data;

describe.each(["wasm", "js"] as const)(
  "the executor runs every node through its kernel table (%s GEMM)",
  (kernel) => {
    it("calls conv2d for each fused conv+bn+add+relu, with the fusion and the context in its args", () => {
      const calls: Call[] = [];
      const exe = prepareWith(spyTable(calls), graph, weights, { threads: 1, kernel });
      expect(exe.kernel).toBe(kernel);
      const byNode = new Map(calls.map((c) => [c.args.node.id, c]));
      // Each step's head node is prepared exactly once; batchNorms, adds and activations it took over are not.
      expect(calls.map((c) => c.args.node.id)).toEqual(["c1", "c2", "m/proj1", "dr", "fl", "d"]);
      for (const id of ["c2", "m/proj1"]) {
        const { kind, args } = byNode.get(id)!;
        expect(kind).toBe("conv2d");
        expect(args.batchNorm?.scale).toHaveLength(4);
        expect(args.residual).toBe(true);
        expect(args.activation).toEqual({ code: 1, alpha: 0 });
        expect(args.wasm !== undefined).toBe(kernel === "wasm");
      }
      const c1 = byNode.get("c1")!.args;
      expect([c1.batchNorm !== undefined, c1.residual, c1.activation?.code]).toEqual([true, undefined, 1]);
      expect(byNode.get("d")!.args.activation?.code).toBe(3);
      // The folded batchNorm is the moving-statistics affine map of bn2's weights.
      const bn2 = (n: string) => weights.get(`bn2/${n}`)!.data;
      const scale = byNode.get("c2")!.args.batchNorm!.scale;
      for (let c = 0; c < 4; c++) {
        expect(scale[c]).toBeCloseTo(bn2("gamma")[c]! / Math.sqrt(bn2("movingVariance")[c]! + 1e-3), 5);
      }
      const out = exe.run(feed).out!.data;
      expect(maxAbsDiff(out, reference)).toBeLessThan(1e-5);
      exe.dispose();
    });

    it("with fusion off, calls every expanded node's own entry once, with no fusion in the args", () => {
      const calls: Call[] = [];
      const exe = prepareWith(spyTable(calls), graph, weights, { threads: 1, kernel, fuse: false });
      expect(calls.map((c) => [c.args.node.id, c.kind])).toEqual(EXPANDED);
      for (const { args } of calls)
        expect([args.batchNorm, args.residual, args.activation]).toEqual([undefined, undefined, undefined]);
      expect(maxAbsDiff(exe.run(feed).out!.data, reference)).toBeLessThan(1e-5);
      exe.dispose();
    });

    it("takes over only what an entry's `fuses` allows", () => {
      const calls: Call[] = [];
      const exe = prepareWith(spyTable(calls, {}, ["conv2d"]), graph, weights, { threads: 1, kernel });
      // Without conv2d's fuses the batchNorms run on their own entry, and take the following relus.
      expect(calls.map((c) => c.args.node.id)).toEqual([
        "c1",
        "bn1",
        "c2",
        "bn2",
        "s",
        "m/proj1",
        "m/proj1/bn",
        "m",
        "dr",
        "fl",
        "d",
      ]);
      expect(calls.find((c) => c.args.node.id === "bn1")!.args.activation?.code).toBe(1);
      expect(maxAbsDiff(exe.run(feed).out!.data, reference)).toBeLessThan(1e-5);
      exe.dispose();
    });
  },
);

describe("negative controls: a replaced table entry changes what runs", () => {
  const replaced = (kind: CoreKind, fuse: boolean) => {
    const calls: Call[] = [];
    const exe = prepareWith(spyTable(calls, { [kind]: zeros }), graph, weights, {
      threads: 1,
      kernel: "js",
      fuse,
    });
    const out = exe.run(feed).out!.data;
    exe.dispose();
    return { out, called: calls.filter((c) => c.kind === kind).length };
  };

  it.each(["conv2d", "dropout", "flatten", "dense"] as const)(
    "with fusion on, zeros for %s change the output",
    (kind) => {
      const { out, called } = replaced(kind, true);
      expect(called).toBeGreaterThan(0);
      expect(maxAbsDiff(out, reference)).toBeGreaterThan(1e-3);
    },
  );

  it.each(["conv2d", "batchNorm", "activation", "add", "dropout", "flatten", "dense"] as const)(
    "with fusion off, zeros for %s change the output",
    (kind) => {
      const { out } = replaced(kind, false);
      expect(maxAbsDiff(out, reference)).toBeGreaterThan(1e-3);
    },
  );

  it("the wrapped table itself changes nothing: the same values as `prepare`", () => {
    const fused = prepare(graph, weights, { threads: 1, kernel: "js" }).run(feed).out!.data;
    const spied = prepareWith(spyTable([]), graph, weights, { threads: 1, kernel: "js" }).run(feed).out!.data;
    expect(maxAbsDiff(spied, fused)).toBe(0);
  });
});
