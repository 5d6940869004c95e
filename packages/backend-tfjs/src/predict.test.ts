import type { WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf } from "./__fixtures__/graph.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";
import { CompileError } from "./errors.js";
import { predict } from "./predict.js";

beforeAll(async () => {
  await useBackend("cpu");
});

// Two inputs fed in the opposite order of the graph's, two outputs: y = 2a + b (1x1 conv, no bias), z = b.
const graph = graphOf(
  { a: [1, 2, 1], b: [1, 2, 1] },
  [
    { id: "twice", kind: "conv2d", inputs: ["a"], params: { filters: 1, kernelSize: 1, useBias: false } },
    { id: "y", kind: "add", inputs: ["twice", "b"] },
    { id: "z", kind: "activation", inputs: ["b"], params: { fn: "relu" } },
  ],
  ["y", "z"],
);
const weights: WeightMap = new Map([["twice/kernel", { shape: [1, 1, 1, 1], data: Float32Array.of(2) }]]);

describe("predict", () => {
  it("feeds inputs by id and returns outputs by id (hand-computed), disposing every tensor", async () => {
    const model = compile(graph, { weights });
    const before = tf.memory().numTensors;
    const out = await predict(model, graph, {
      b: { shape: [2, 1, 2, 1], data: Float32Array.of(1, -1, 2, -2) },
      a: { shape: [2, 1, 2, 1], data: Float32Array.of(10, 20, 30, 40) },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(out)).toEqual(["y", "z"]);
    expect(out.y).toEqual({ shape: [2, 1, 2, 1], data: Float32Array.of(21, 39, 62, 78) });
    expect(out.z).toEqual({ shape: [2, 1, 2, 1], data: Float32Array.of(1, 0, 2, 0) });
    model.dispose();
  });

  it("names a missing input and a misshapen one, leaking nothing", async () => {
    const model = compile(graph, { weights });
    const before = tf.memory().numTensors;
    const a = { shape: [1, 1, 2, 1], data: new Float32Array(2) };
    const missing = await predict(model, graph, { a }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(CompileError);
    expect(missing).toMatchObject({ code: "missing_input", nodeId: "b" });
    await expect(
      predict(model, graph, { a, b: { shape: [1, 2, 1, 1], data: new Float32Array(2) } }),
    ).rejects.toThrow('node "b": input tensor has shape [1,2,1,1] with 2 values, expected [N,1,2,1]');
    await expect(
      predict(model, graph, { a, b: { shape: [1, 1, 2, 1], data: new Float32Array(3) } }),
    ).rejects.toThrow(/with 3 values/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
