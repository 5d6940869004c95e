import { prepare } from "@fusegraph/backend-cpu";
import type { MergeKind } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf, randomData, relError } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { modelWeights } from "./weights.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** Two conv branches (the second at half size for conv1x1Add) merged, then pooled to one number. */
function mergeGraph(merge: MergeKind) {
  const half = merge === "conv1x1Add";
  return graphOf({ x: [4, 4, 2] }, [
    { id: "a", kind: "conv2d", inputs: ["x"], params: { filters: 3, kernelSize: 3, padding: "same" } },
    {
      id: "b",
      kind: "conv2d",
      inputs: ["x"],
      params: { filters: half ? 2 : 3, kernelSize: 3, padding: "same", strides: half ? 2 : 1 },
    },
    {
      id: "m",
      kind: merge,
      inputs: ["a", "b"],
      params:
        merge === "conv1x1Add"
          ? { channels: 3 }
          : merge === "weightedAdd"
            ? { normalize: "relu", bias: true }
            : {},
    },
    { id: "r", kind: "activation", inputs: ["m"], params: { fn: "tanh" } },
    { id: "g", kind: "globalAvgPool", inputs: ["r"] },
    { id: "out", kind: "dense", inputs: ["g"], params: { units: 1 } },
  ]);
}

describe("training with model.fit", () => {
  // Target: the mean of channel 0 minus the mean of channel 1, a task every merge can learn.
  const n = 16;
  const xData = randomData(n * 32, 21);
  const yData = Array.from({ length: n }, (_, s) => {
    let d = 0;
    for (let p = 0; p < 16; p++) d += (xData[s * 32 + p * 2] ?? 0) - (xData[s * 32 + p * 2 + 1] ?? 0);
    return d / 16;
  });

  for (const merge of ["add", "concat", "weightedAdd", "conv1x1Add"] as const) {
    it(`${merge}: the loss falls, merge weights move, backend-cpu runs the trained weights`, async () => {
      const graph = mergeGraph(merge);
      const model = compile(graph, { seed: 4 });
      const before = modelWeights(model, graph);
      model.compile({ optimizer: tf.train.adam(0.03), loss: "meanSquaredError" });
      const x = tf.tensor(xData, [n, 4, 4, 2]);
      const y = tf.tensor(yData, [n, 1]);
      const h = await model.fit(x, y, { epochs: 25, batchSize: 8, shuffle: false, verbose: 0 });
      const loss = h.history.loss as number[];
      expect(loss[loss.length - 1]).toBeLessThan(0.5 * (loss[0] ?? 0));
      const after = modelWeights(model, graph);
      const moved = (key: string) => {
        const a = before.get(key)?.data ?? [];
        const b = after.get(key)?.data ?? [];
        return b.some((v, i) => v !== a[i]);
      };
      if (merge === "weightedAdd") {
        expect(moved("m/weights")).toBe(true);
        expect(moved("m/bias")).toBe(true);
      }
      if (merge === "conv1x1Add") {
        // Input 2 (channels 2 != 3) is projected: its 1x1 conv learns.
        expect([...after.keys()].filter((k) => k.startsWith("m/"))).toEqual([
          "m/proj1/kernel",
          "m/proj1/bias",
        ]);
        expect(moved("m/proj1/kernel")).toBe(true);
      }
      expect(moved("b/kernel")).toBe(true);
      // Trained weights carry back to backend-cpu, which then computes what tfjs does.
      const cpu = prepare(graph, after);
      try {
        const want = (model.predict(x) as tf.Tensor).dataSync();
        const got = cpu.run({ x: { shape: [n, 4, 4, 2], data: xData } }).out?.data ?? [];
        expect(relError(got, want)).toBeLessThan(1e-4);
      } finally {
        cpu.dispose();
      }
      tf.dispose([x, y]);
    });
  }

  it("gradients reach the conv inside conv1x1Add (non-zero, hand-checked by finite differences)", () => {
    const graph = mergeGraph("conv1x1Add");
    const model = compile(graph, { seed: 4 });
    const x = tf.tensor(xData.slice(0, 64), [2, 4, 4, 2]);
    const layer = model.getLayer("m__proj1");
    const kernel = layer.trainableWeights[0];
    if (!kernel) throw new Error("proj1 has a kernel");
    const f = () => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar;
    const { grads } = tf.variableGrads(f, [kernel.read() as tf.Variable]);
    const g = Object.values(grads)[0]?.dataSync() ?? new Float32Array();
    expect(g.some((v) => Math.abs(v) > 1e-6)).toBe(true);
    // Central difference on the first kernel entry.
    const k0 = kernel.read().dataSync().slice();
    const eps = 1e-2;
    const at = (d: number) => {
      const k = k0.slice();
      k[0] = (k[0] ?? 0) + d;
      kernel.write(tf.tensor(k, kernel.read().shape));
      return f().dataSync()[0] ?? 0;
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    expect(Math.abs(fd - (g[0] ?? 0))).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
  });
});
