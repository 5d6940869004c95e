import { type Graph, type GraphNode, initWeights, ops, type WeightMap, weightedAdd } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf, predictOne, relError } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const x1 = [1, 2, 3, 4];
const x2 = [10, 20, 30, 40];

function run(graph: Graph, weights?: WeightMap): number[] {
  const m = compile(graph, weights ? { weights } : {});
  const y = m.predict([tf.tensor(x1, [1, 2, 2, 1]), tf.tensor(x2, [1, 2, 2, 1])]) as tf.Tensor;
  return Array.from(y.dataSync());
}

describe("weightedAdd", () => {
  const cases = [
    // w = [2, -1]: none -> 2a - b; relu -> (2a + 0b) / (eps + 2); softmax -> e^2 a + e^-1 b over e^2 + e^-1.
    { normalize: "none", w: (a: number, b: number) => 2 * a - b },
    { normalize: "relu", w: (a: number, _b: number) => (2 * a) / (1e-4 + 2) },
    {
      normalize: "softmax",
      w: (a: number, b: number) => (Math.exp(2) * a + Math.exp(-1) * b) / (Math.exp(2) + Math.exp(-1)),
    },
  ] as const;
  for (const { normalize, w } of cases) {
    for (const bias of [false, true]) {
      it(`normalize ${normalize}${bias ? " with bias" : ""} (hand-computed)`, () => {
        const g = graphOf({ a: [2, 2, 1], b: [2, 2, 1] }, [
          {
            id: "f",
            kind: "weightedAdd",
            inputs: ["a", "b"],
            params: { normalize, bias, init: [2, -1], biasInit: 0.25 },
          },
        ]);
        const got = run(g);
        const want = x1.map((a, i) => w(a, x2[i] ?? 0) + (bias ? 0.25 : 0));
        expect(relError(got, want)).toBeLessThan(1e-5);
      });
    }
  }

  it("equals its expansion into fusionWeights, scaleBy, add and biasAdd", () => {
    const params = weightedAdd.params.parse({
      normalize: "relu",
      bias: true,
      init: [0.7, 0.4],
      biasInit: -0.5,
    });
    const shape = [3, 3, 2];
    const native = graphOf({ a: shape, b: shape }, [
      { id: "f", kind: "weightedAdd", inputs: ["a", "b"], params },
    ]);
    const exp = weightedAdd.expand?.({ id: "f", inputs: ["a", "b"] }, params, [shape, shape]);
    if (!exp) throw new Error("weightedAdd has an expansion");
    const expanded = graphOf(
      { a: shape, b: shape },
      exp.nodes.map((n) => ({
        id: n.id,
        kind: n.kind as GraphNode["kind"],
        inputs: [...n.inputs],
        params: n.params,
      })),
    );
    expect(expanded.nodes.map((n) => n.kind)).toEqual(
      expect.arrayContaining(["fusionWeights", "scaleBy", "add", "biasAdd"]),
    );
    // The expansion's weights carry the same values as the composite's.
    const wNative = initWeights(native);
    const wExpanded: WeightMap = new Map();
    for (const [name, target] of Object.entries(exp.weights)) {
      const v = wNative.get(`f/${name}`);
      if (v) wExpanded.set(target, v);
    }
    const a = predictOne(compile(native, { weights: wNative }), native);
    const b = predictOne(compile(expanded, { weights: wExpanded }), expanded);
    expect(relError(a.data, b.data)).toBeLessThan(1e-6);
    expect(ops.weightedAdd.category).toBe("merge");
  });
});

describe("other primitives (hand-computed)", () => {
  it("activation: leakyRelu alpha, softmax on a given axis", () => {
    const g = graphOf(
      { x: [2, 2] },
      [
        { id: "l", kind: "activation", inputs: ["x"], params: { fn: "leakyRelu", alpha: 0.5 } },
        { id: "s", kind: "activation", inputs: ["x"], params: { fn: "softmax", axis: 0 } },
      ],
      ["l", "s"],
    );
    const [l, s] = compile(g).predict(tf.tensor([-2, 1, 0, 3], [1, 2, 2])) as tf.Tensor[];
    expect(Array.from(l?.dataSync() ?? [])).toEqual([-1, 1, 0, 3]);
    const e = (a: number, b: number) => Math.exp(a) / (Math.exp(a) + Math.exp(b));
    expect(relError(s?.dataSync() ?? [], [e(-2, 0), e(1, 3), e(0, -2), e(3, 1)])).toBeLessThan(1e-6);
  });

  it("concat on a positive axis, multiply, globalAvgPool with keepDims, flatten, dense", () => {
    const g = graphOf(
      { a: [1, 2, 1], b: [1, 2, 1] },
      [
        { id: "c", kind: "concat", inputs: ["a", "b"], params: { axis: 1 } },
        { id: "m", kind: "multiply", inputs: ["a", "b"] },
        { id: "g", kind: "globalAvgPool", inputs: ["c"], params: { keepDims: true } },
        { id: "f", kind: "flatten", inputs: ["c"] },
        { id: "d", kind: "dense", inputs: ["f"], params: { units: 1 } },
      ],
      ["c", "m", "g", "d"],
    );
    const weights: WeightMap = new Map([
      ["d/kernel", { shape: [4, 1], data: Float32Array.of(1, 2, 3, 4) }],
      ["d/bias", { shape: [1], data: Float32Array.of(-1) }],
    ]);
    const out = compile(g, { weights }).predict([
      tf.tensor([1, 2], [1, 1, 2, 1]),
      tf.tensor([3, 4], [1, 1, 2, 1]),
    ]) as tf.Tensor[];
    const [c, m, gap, d] = out.map((t) => Array.from(t.dataSync()));
    expect(c).toEqual([1, 2, 3, 4]);
    expect(m).toEqual([3, 8]);
    expect(gap).toEqual([2.5]);
    expect(out[2]?.shape).toEqual([1, 1, 1, 1]);
    expect(d).toEqual([1 + 4 + 9 + 16 - 1]);
  });

  it("batchNorm at inference uses movingMean, movingVariance and epsilon", () => {
    const g = graphOf({ x: [2] }, [{ id: "bn", kind: "batchNorm", inputs: ["x"], params: { epsilon: 0.5 } }]);
    const weights: WeightMap = new Map([
      ["bn/gamma", { shape: [2], data: Float32Array.of(2, 1) }],
      ["bn/beta", { shape: [2], data: Float32Array.of(0, 1) }],
      ["bn/movingMean", { shape: [2], data: Float32Array.of(1, 0) }],
      ["bn/movingVariance", { shape: [2], data: Float32Array.of(1.5, 3.5) }],
    ]);
    const y = compile(g, { weights }).predict(tf.tensor([[3, 4]])) as tf.Tensor;
    // (3-1)/sqrt(2)*2 + 0, (4-0)/sqrt(4)*1 + 1
    expect(relError(y.dataSync(), [4 / Math.SQRT2, 3])).toBeLessThan(1e-6);
  });

  it("lstm uses sigmoid gates (not tfjs's hardSigmoid) in order i, f, c, o", () => {
    const g = graphOf({ x: [1, 1] }, [{ id: "r", kind: "lstm", inputs: ["x"], params: { units: 1 } }]);
    // kernel [1,4] for gates i, f, c, o; recurrent unused at the first step (h0 = 0).
    const k = [0.3, -0.2, 0.5, 0.9];
    const weights: WeightMap = new Map([
      ["r/kernel", { shape: [1, 4], data: Float32Array.from(k) }],
      ["r/recurrentKernel", { shape: [1, 4], data: Float32Array.of(0.1, 0.1, 0.1, 0.1) }],
      ["r/bias", { shape: [4], data: Float32Array.of(0, 1, 0, 0) }],
    ]);
    const x = 2;
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const [ki = 0, , kc = 0, ko = 0] = k;
    const cell = sig(ki * x) * Math.tanh(kc * x); // f * c0 = 0
    const want = sig(ko * x) * Math.tanh(cell);
    const y = compile(g, { weights }).predict(tf.tensor([[[x]]])) as tf.Tensor;
    expect(relError(y.dataSync(), [want])).toBeLessThan(1e-6);
  });
});
