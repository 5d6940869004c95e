import { compile } from "@fusegraph/backend-tfjs";
import { loadGraph } from "@fusegraph/dsl";
import { opCases, randomData } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enableWasmTraining, trainingMemoryBytes } from "./enable.js";

// model.fit on tfjs-wasm: fails without the kernels (tfjs's own error), trains with them, fails again
// after dispose, and leaves tfjs's own kernels working.

const n = 8;

function specOf(name: string) {
  const c = opCases.find((o) => o.name === name);
  if (!c) throw new Error(`opCases has ${name}`);
  return loadGraph(c.spec);
}

/** tiny-unet-like: 12x12x1 -> 6x6x2 softmax; target: class 1 where the centre-cropped input is positive. */
function unetData() {
  const x = randomData(n * 144, 31);
  const y = new Float32Array(n * 36 * 2);
  for (let s = 0; s < n; s++)
    for (let r = 0; r < 6; r++)
      for (let c = 0; c < 6; c++) {
        const v = x[s * 144 + (r + 3) * 12 + (c + 3)]!;
        y[(s * 36 + r * 6 + c) * 2 + (v > 0 ? 1 : 0)] = 1;
      }
  return { x: tf.tensor(x, [n, 12, 12, 1]), y: tf.tensor(y, [n, 6, 6, 2]) };
}

/** tiny-hed-like: 8x8x3 -> edges (sigmoid) and side1 (logits); targets: where channel 0 exceeds channel 1. */
function hedData() {
  const x = randomData(n * 64 * 3, 32);
  const y = Float32Array.from({ length: n * 64 }, (_, i) => (x[i * 3]! > x[i * 3 + 1]! ? 1 : 0));
  return { x: tf.tensor(x, [n, 8, 8, 3]), ys: [tf.tensor(y, [n, 8, 8, 1]), tf.tensor(y, [n, 8, 8, 1])] };
}

async function fitUnet(epochs: number): Promise<number[]> {
  const model = compile(specOf("model/unet-like"), { seed: 3 });
  model.compile({ optimizer: tf.train.adam(0.03), loss: "categoricalCrossentropy" });
  const { x, y } = unetData();
  try {
    const h = await model.fit(x, y, { epochs, batchSize: 4, shuffle: false, verbose: 0 });
    return h.history.loss as number[];
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("wasm");
});
afterAll(async () => {
  await tf.setBackend("cpu");
});

describe("model.fit on tfjs-wasm", () => {
  it("without enableWasmTraining, fit fails with tfjs's missing-kernel error", async () => {
    await expect(fitUnet(1)).rejects.toThrow(
      /Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/,
    );
  });

  it("with it, tiny-unet-like trains (loss falls) and memory stays flat step after step", async () => {
    const handle = enableWasmTraining();
    try {
      await fitUnet(1);
      const bytes = trainingMemoryBytes();
      expect(bytes).toBeGreaterThan(0);
      const loss = await fitUnet(25);
      expect(loss[loss.length - 1]).toBeLessThan(0.7 * loss[0]!);
      expect(trainingMemoryBytes()).toBe(bytes);
    } finally {
      handle.dispose();
    }
  });

  it("with it, tiny-hed-like (bilinear upsample, 4x4 stride-4 transposed conv, weightedAdd) trains", async () => {
    const handle = enableWasmTraining();
    const model = compile(specOf("model/hed-like"), { seed: 3 });
    const { x, ys } = hedData();
    try {
      model.compile({ optimizer: tf.train.adam(0.03), loss: ["binaryCrossentropy", "meanSquaredError"] });
      const h = await model.fit(x, ys, { epochs: 25, batchSize: 4, shuffle: false, verbose: 0 });
      const loss = h.history.loss as number[];
      expect(loss[loss.length - 1]).toBeLessThan(0.7 * loss[0]!);
    } finally {
      tf.dispose([x, ...ys]);
      model.dispose();
      handle.dispose();
    }
  });

  it("is idempotent, and dispose() restores tfjs's registry (fit fails again, tfjs's kernels still run)", async () => {
    const own = tf.getKernel("Conv2DBackpropInput", "wasm");
    const a = enableWasmTraining();
    const b = enableWasmTraining({ threads: 1 });
    expect(b.kernels).toEqual(a.kernels);
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")).not.toBe(own);
    a.dispose();
    a.dispose(); // a second dispose of one handle changes nothing
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
    b.dispose();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
    expect(tf.getKernel("Conv2DBackpropInput", "wasm")).toBe(own);
    expect(trainingMemoryBytes()).toBe(0);
    await expect(fitUnet(1)).rejects.toThrow(
      /Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/,
    );
    // tfjs's own Conv2DBackpropInput (a conv2dTranspose forward) works again after the restore.
    const up = tf.tidy(() =>
      tf
        .conv2dTranspose(
          tf.ones([1, 2, 2, 1]) as tf.Tensor4D,
          tf.ones([2, 2, 1, 1]) as tf.Tensor4D,
          [1, 4, 4, 1],
          2,
          "valid",
        )
        .dataSync(),
    );
    expect(Array.from(up)).toEqual(Array(16).fill(1));
  });
});
