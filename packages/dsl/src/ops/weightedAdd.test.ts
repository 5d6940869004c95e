import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numel } from "../shape.js";
import { mustRun, runExpansion, runOp } from "../testing/harness.js";

const five = Array.from({ length: 5 }, () => [5, 6, 1]);

describe("weightedAdd", () => {
  it("HED's fusion: 5 side outputs, init 0.2, bias -> 6 params", () => {
    const r = mustRun("weightedAdd", five, { init: 0.2, bias: true });
    expect(r.paramCount).toBe(6);
    expect(r.weights).toEqual([
      {
        name: "weights",
        shape: [5],
        trainable: true,
        init: { kind: "values", values: [0.2, 0.2, 0.2, 0.2, 0.2] },
      },
      { name: "bias", shape: [1], trainable: true, init: { kind: "zeros" } },
    ]);
    expect(r.shape).toEqual([5, 6, 1]);
  });

  it("defaults to 1/n each, no bias, no normalisation", () => {
    const r = mustRun("weightedAdd", [[4], [4]]);
    expect(r.weights).toEqual([
      { name: "weights", shape: [2], trainable: true, init: { kind: "values", values: [0.5, 0.5] } },
    ]);
    expect(r.params).toEqual({ normalize: "none", epsilon: 1e-4, bias: false, biasInit: 0 });
  });

  it("flops: normalisation + n scales + (n-1) adds per element (+ bias)", () => {
    const size = 30;
    expect(mustRun("weightedAdd", five, {}).flops).toBe(5 * size + 4 * size);
    expect(mustRun("weightedAdd", five, { normalize: "softmax", bias: true }).flops).toBe(25 + 10 * size);
    expect(mustRun("weightedAdd", five, { normalize: "relu" }).flops).toBe(5 + 4 + 1 + 5 + 9 * size);
  });

  it("rejects bad params and an init array of the wrong length (naming the node)", () => {
    expect(runOp("weightedAdd", [[4], [4]], { normalize: "l1" }).ok).toBe(false);
    expect(runOp("weightedAdd", [[4], [4]], { init: "half" }).ok).toBe(false);
    const r = runOp("weightedAdd", [[4], [4], [4]], { init: [1, 2] }, { nodeId: "fuse" });
    expect(!r.ok && r.issues[0]).toMatchObject({
      code: "invalid_params",
      path: ["init"],
      received: "2 numbers",
    });
    expect(!r.ok && r.issues[0]?.message).toContain('merge "fuse" (weightedAdd)');
  });

  it("reports mismatched shapes like add", () => {
    const r = runOp(
      "weightedAdd",
      [
        [8, 8, 64],
        [8, 8, 32],
      ],
      {},
      { nodeId: "p4td", inputIds: ["p4", "p5.up"] },
    );
    expect(!r.ok && r.issues[0]).toMatchObject({ code: "shape_mismatch", path: ["inputs", 1] });
    expect(!r.ok && r.issues[0]?.hint).toContain("conv1x1Add");
  });

  it("expands to fusionWeights -> scaleBy per input -> add, the add carrying the id", () => {
    const e = runExpansion(
      "weightedAdd",
      [
        [5, 6, 3],
        [5, 6, 3],
      ],
      { normalize: "relu", init: [1, 2] },
      {
        nodeId: "p4td",
        inputIds: ["a", "b"],
      },
    );
    expect(e.nodes.map((n) => [n.id, n.kind, n.inputs])).toEqual([
      ["p4td/weights", "fusionWeights", ["a"]],
      ["p4td/scale0", "scaleBy", ["a", "p4td/weights"]],
      ["p4td/scale1", "scaleBy", ["b", "p4td/weights"]],
      ["p4td", "add", ["p4td/scale0", "p4td/scale1"]],
    ]);
    expect(e.weightMap).toEqual({ weights: "p4td/weights/weights" });
    expect(e.weights.get("p4td/weights/weights")?.init).toEqual({ kind: "values", values: [1, 2] });
  });

  it("with bias, the add becomes <id>/sum and a biasAdd carries the id", () => {
    const e = runExpansion("weightedAdd", five, { init: 0.2, bias: true, biasInit: 0.1 }, { nodeId: "fuse" });
    expect(e.nodes.slice(-2).map((n) => [n.id, n.kind])).toEqual([
      ["fuse/sum", "add"],
      ["fuse", "biasAdd"],
    ]);
    expect(e.weightMap).toEqual({ weights: "fuse/weights/weights", bias: "fuse/bias" });
    expect(e.weights.get("fuse/bias")?.init).toEqual({ kind: "constant", value: 0.1 });
  });

  it("property: the expansion has the composite's shape, weights, weight count, MACs and flops", () => {
    const cfg = fc.record({
      n: fc.integer({ min: 2, max: 5 }),
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      normalize: fc.constantFrom("none", "softmax", "relu"),
      bias: fc.boolean(),
      init: fc.option(fc.double({ min: -2, max: 2, noNaN: true }), { nil: undefined }),
    });
    fc.assert(
      fc.property(cfg, ({ n, shape, normalize, bias, init }) => {
        const inputs = Array.from({ length: n }, () => shape);
        const params = { normalize, bias, ...(init === undefined ? {} : { init }) };
        const r = mustRun("weightedAdd", inputs, params);
        const e = runExpansion("weightedAdd", inputs, params, { nodeId: "w" });
        expect(e.nodes.at(-1)?.id).toBe("w");
        expect(e.nodes.at(-1)?.shape).toEqual(r.shape);
        let total = 0;
        for (const w of e.weights.values()) total += numel(w.shape);
        expect(total).toBe(r.paramCount);
        expect(e.nodes.reduce((s, n) => s + n.macs, 0)).toBe(r.macs);
        expect(e.nodes.reduce((s, n) => s + n.flops, 0)).toBe(r.flops);
        for (const w of r.weights) expect(e.weights.get(e.weightMap[w.name] ?? "")).toEqual(w);
      }),
      { numRuns: 60 },
    );
  });
});
