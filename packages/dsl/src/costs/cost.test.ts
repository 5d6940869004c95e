import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Graph } from "../graph/graph.js";
import { loadGraph } from "../load.js";
import { graphCost } from "./cost.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

function fuse(merge: "add" | "concat"): Graph {
  return loadGraph(
    lines(
      "fusegraph: 1",
      "name: fuse",
      "inputs: { a: [28, 28, 256], b: [28, 28, 256] }",
      "nodes:",
      `  m: { merge: ${merge}, inputs: [a, b] }`,
      "  conv: { op: conv2d, input: m, filters: 256, kernelSize: 3, padding: same }",
      "outputs: [conv]",
    ),
  );
}

describe("graphCost", () => {
  it("a 3x3 conv to 256 channels costs 590,080 params after an add of two 256-channel maps, 1,179,904 after concat", () => {
    const add = graphCost(fuse("add"));
    const concat = graphCost(fuse("concat"));
    // 3*3*256*256 + 256 and 3*3*512*256 + 256.
    expect(add.total.params.total).toBe(590_080);
    expect(concat.total.params.total).toBe(1_179_904);
    // Merge nodes are nodes, with no params of their own.
    expect(add.nodes.map((n) => [n.id, n.kind, n.params.total])).toEqual([
      ["m", "add", 0],
      ["conv", "conv2d", 590_080],
    ]);
    expect(add.nodes[1]!.weights.map((w) => [w.name, w.shape])).toEqual([
      ["kernel", [3, 3, 256, 256]],
      ["bias", [256]],
    ]);
    // MACs: 28*28 positions * 256 filters * 3*3*C_in.
    expect(add.nodes[1]!.macs).toBe(28 * 28 * 256 * 9 * 256);
    expect(concat.total.macs).toBe(28 * 28 * 256 * 9 * 512);
  });

  it("counts batchNorm's moving statistics as non-trainable and sums nodes into totals", () => {
    const g = loadGraph(
      lines(
        "fusegraph: 1",
        "name: t",
        "inputs: { x: [4, 4, 2] }",
        "nodes:",
        "  c: { op: conv2d, input: x, filters: 3, kernelSize: 3, padding: same }",
        "  bn: { op: batchNorm, input: c }",
        "outputs: [bn]",
      ),
    );
    const cost = graphCost(g);
    expect(cost.nodes.map((n) => [n.id, n.params])).toEqual([
      ["c", { trainable: 57, nonTrainable: 0, total: 57 }],
      ["bn", { trainable: 6, nonTrainable: 6, total: 12 }],
    ]);
    // conv: 4*4*3 outputs * 3*3*2 MACs each; flops 2 per MAC plus one bias add per output.
    expect(cost.nodes[0]).toMatchObject({ macs: 864, flops: 2 * 864 + 48 });
    expect(cost.total).toEqual({
      params: { trainable: 63, nonTrainable: 6, total: 69 },
      macs: cost.nodes.reduce((s, n) => s + n.macs, 0),
      flops: cost.nodes.reduce((s, n) => s + n.flops, 0),
    });
  });

  it("matches the published counts of ResNet-50 and DenseNet-121", () => {
    const load = (f: string) =>
      loadGraph(readFileSync(new URL(`../__fixtures__/${f}.yaml`, import.meta.url), "utf8"), {
        filename: `${f}.yaml`,
      });
    const resnet = graphCost(load("resnet50")).total;
    // torchvision: 25,557,032 params, 4.09 GFLOPS (MACs); Keras: 53,120 non-trainable.
    expect(resnet.params.trainable).toBe(25_557_032);
    expect(resnet.params.nonTrainable).toBe(53_120);
    expect(resnet.macs / 1e9).toBeCloseTo(4.09, 2);
    const densenet = graphCost(load("densenet121")).total;
    // torchvision: 7,978,856 params, 2.83 GFLOPS.
    expect(densenet.params.trainable).toBe(7_978_856);
    expect(densenet.macs / 1e9).toBeCloseTo(2.83, 2);
  });

  it("counts shared weights once: two lstm layers tied over two sequences cost one layer's params", () => {
    const g = loadGraph(
      lines(
        "fusegraph: 1",
        "name: tied",
        "inputs: { a: [10, 32], b: [10, 32] }",
        "nodes:",
        "  ra: { op: lstm, input: a, units: 64 }",
        "  rb: { op: lstm, input: b, units: 64, shareWeights: ra }",
        "  m: { merge: concat, inputs: [ra, rb] }",
        "outputs: [m]",
      ),
    );
    const cost = graphCost(g);
    // Keras LSTM: 4 * (units * (units + features) + units) = 4 * (64 * 96 + 64) = 24,832.
    expect(cost.total.params.total).toBe(24_832);
    const [ra, rb] = cost.nodes;
    expect(rb).toMatchObject({ id: "rb", sharedFrom: "ra", params: { total: 0 } });
    // Each node still does its own work on its own sequence, with the same weight shapes.
    expect(rb!.macs).toBe(ra!.macs);
    expect(rb!.macs).toBe(10 * 4 * 64 * 96);
    expect(rb!.weights.map((w) => w.shape)).toEqual(ra!.weights.map((w) => w.shape));
  });

  it("refuses a hand-made graph whose node reads an id it does not define", () => {
    const g = fuse("add");
    const broken: Graph = {
      ...g,
      nodes: g.nodes.map((n) => (n.id === "conv" ? { ...n, inputs: ["ghost"] } : n)),
    };
    expect(() => graphCost(broken)).toThrow(/"conv" reads "ghost"/);
  });
});
