import { prepare } from "@fusegraph/backend-cpu";
import { type Graph, initWeights, loadGraph, type TensorData } from "@fusegraph/dsl";
import { opCases } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { randomData, relError } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { modelWeights } from "./weights.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** Random inputs, batch 2, keyed by input id. */
function inputsFor(graph: Graph, seed: number): Record<string, TensorData> {
  return Object.fromEntries(
    graph.inputs.map((i, k) => {
      const shape = [2, ...i.shape];
      return [
        i.id,
        {
          shape,
          data: randomData(
            shape.reduce((a, b) => a * b, 1),
            seed + k,
          ),
        },
      ];
    }),
  );
}

function runTfjs(model: tf.LayersModel, graph: Graph, inputs: Record<string, TensorData>): TensorData[] {
  const xs = graph.inputs.map((i) => {
    const t = inputs[i.id];
    if (!t) throw new Error(`no input ${i.id}`);
    return tf.tensor(t.data, t.shape);
  });
  const ys = model.predict(xs.length === 1 ? (xs[0] as tf.Tensor) : xs);
  const out = (Array.isArray(ys) ? ys : [ys]).map((y) => ({
    shape: y.shape as number[],
    data: y.dataSync() as Float32Array,
  }));
  tf.dispose([...xs, ...(Array.isArray(ys) ? ys : [ys])]);
  return out;
}

describe("cross-backend conformance: cpu and tfjs agree within 1e-4 of the output scale", () => {
  for (const c of opCases) {
    it(c.name, () => {
      const graph = loadGraph(c.spec);
      const weights = initWeights(graph, { seed: 17 });
      // Non-trivial values for the weights Keras starts at 0 or 1 (biases, batchNorm statistics).
      for (const [key, w] of weights) {
        if (/bias$|beta$|movingMean$/.test(key))
          w.data.set(randomData(w.data.length, key.length).map((v) => v * 0.5));
        if (/gamma$|movingVariance$/.test(key))
          w.data.set(randomData(w.data.length, key.length).map((v) => 1 + 0.5 * v));
      }
      const model = compile(graph, { weights });
      const inputs = inputsFor(graph, 5);
      const cpu = prepare(graph, weights);
      try {
        const want = cpu.run(inputs);
        const got = runTfjs(model, graph, inputs);
        graph.outputs.forEach((id, k) => {
          const w = want[id];
          const g = got[k];
          expect(g?.shape).toEqual(w?.shape);
          const err = relError(g?.data ?? [], w?.data ?? []);
          expect(err, `${c.name}: output "${id}"`).toBeLessThan(c.tolerance ?? 1e-4);
        });
      } finally {
        cpu.dispose();
      }
      // Weight interchange: what tfjs holds is exactly what it was given.
      const back = modelWeights(model, graph);
      expect([...back.keys()].sort()).toEqual([...weights.keys()].sort());
      for (const [key, w] of weights)
        expect(Array.from(back.get(key)?.data ?? []), key).toEqual(Array.from(w.data));
    });
  }
});
