import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { lossFunction } from "./losses.js";
import type { LossKind } from "./types.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const value = (kind: LossKind, y: number[][], p: number[][]): number =>
  tf.tidy(() => lossFunction(kind)(tf.tensor2d(y), tf.tensor2d(p)).dataSync()[0]!);
const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const sig = (z: number) => 1 / (1 + Math.exp(-z));

describe("binary cross-entropy", () => {
  const y = [
    [1, 0],
    [0, 1],
  ];
  const p = [
    [0.8, 0.3],
    [0.1, 0.6],
  ];

  it("matches a hand computation and tfjs's logLoss and metrics.binaryCrossentropy", () => {
    const hand = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.9) + Math.log(0.6)) / 4;
    const ours = value("binaryCrossentropy", y, p);
    expect(ours).toBeCloseTo(hand, 5);
    expect(ours).toBeCloseTo(scalar(tf.losses.logLoss(tf.tensor2d(y), tf.tensor2d(p))), 5);
    expect(ours).toBeCloseTo(
      scalar(tf.mean(tf.metrics.binaryCrossentropy(tf.tensor2d(y), tf.tensor2d(p)))),
      5,
    );
  });

  it("from logits matches tfjs's sigmoidCrossEntropy and the probability form, and stays finite at ±100", () => {
    const z = p.map((r) => r.map((q) => Math.log(q / (1 - q))));
    const ours = value("binaryCrossentropyFromLogits", y, z);
    expect(ours).toBeCloseTo(scalar(tf.losses.sigmoidCrossEntropy(tf.tensor2d(y), tf.tensor2d(z))), 5);
    expect(ours).toBeCloseTo(value("binaryCrossentropy", y, p), 5);
    // A confident mistake costs |z|; a confident hit ~0. The probability form clips at 1e-7 instead.
    expect(value("binaryCrossentropyFromLogits", [[0, 1]], [[100, 100]])).toBeCloseTo(50, 4);
    expect(value("binaryCrossentropy", [[0]], [[1]])).toBeCloseTo(-Math.log(1e-7), 0);
  });
});

describe("class-balanced binary cross-entropy (HED)", () => {
  // Sample 1: 1 positive of 4 (beta = 3/4); sample 2: 2 of 4 (beta = 1/2).
  const y = [
    [1, 0, 0, 0],
    [1, 1, 0, 0],
  ];
  const p = [
    [0.6, 0.2, 0.1, 0.4],
    [0.7, 0.9, 0.3, 0.2],
  ];
  const bce = (t: number, q: number) => -(t * Math.log(q) + (1 - t) * Math.log(1 - q));

  it("weights positives by |Y-|/|Y| and negatives by |Y+|/|Y| per sample (hand computation)", () => {
    let sum = 0;
    y.forEach((row, k) => {
      const beta = 1 - row.reduce((a, b) => a + b, 0) / row.length;
      row.forEach((t, i) => {
        sum += (t ? beta : 1 - beta) * bce(t, p[k]![i]!);
      });
    });
    expect(value("balancedBinaryCrossentropy", y, p)).toBeCloseTo(sum / 8, 5);
  });

  it("equals tfjs's logLoss with the same weights, and differs from plain BCE (negative control)", () => {
    const w = [
      [3 / 4, 1 / 4, 1 / 4, 1 / 4],
      [1 / 2, 1 / 2, 1 / 2, 1 / 2],
    ];
    const ref = scalar(
      tf.losses.logLoss(
        tf.tensor2d(y),
        tf.tensor2d(p),
        tf.tensor2d(w),
        1e-7,
        tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
      ),
    );
    const ours = value("balancedBinaryCrossentropy", y, p);
    expect(ours).toBeCloseTo(ref, 5);
    expect(Math.abs(ours - value("binaryCrossentropy", y, p))).toBeGreaterThan(0.05);
  });

  it("from logits equals the probability form on sigmoid(z)", () => {
    const z = p.map((r) => r.map((q) => Math.log(q / (1 - q))));
    expect(value("balancedBinaryCrossentropyFromLogits", y, z)).toBeCloseTo(
      value("balancedBinaryCrossentropy", y, p),
      5,
    );
  });

  it("works on image-shaped [b, h, w, 1] batches", () => {
    const yt = tf.tensor4d([1, 0, 0, 0, 1, 1, 0, 0], [2, 2, 2, 1]);
    const pt = tf.tensor4d([0.6, 0.2, 0.1, 0.4, 0.7, 0.9, 0.3, 0.2], [2, 2, 2, 1]);
    expect(scalar(lossFunction("balancedBinaryCrossentropy")(yt, pt))).toBeCloseTo(
      value("balancedBinaryCrossentropy", y, p),
      5,
    );
    tf.dispose([yt, pt]);
  });
});

describe("categorical cross-entropy", () => {
  const y = [
    [0, 1, 0],
    [1, 0, 0],
  ];
  const p = [
    [0.2, 0.7, 0.1],
    [0.5, 0.25, 0.25],
  ];

  it("matches a hand computation and tfjs's metrics.categoricalCrossentropy", () => {
    const ours = value("categoricalCrossentropy", y, p);
    expect(ours).toBeCloseTo(-(Math.log(0.7) + Math.log(0.5)) / 2, 5);
    expect(ours).toBeCloseTo(
      scalar(tf.mean(tf.metrics.categoricalCrossentropy(tf.tensor2d(y), tf.tensor2d(p)))),
      5,
    );
  });

  it("from logits matches tfjs's softmaxCrossEntropy and the probability form on softmax(z)", () => {
    const z = [
      [1, 3, -2],
      [50, -50, 0],
    ];
    const ours = value("categoricalCrossentropyFromLogits", y, z);
    expect(ours).toBeCloseTo(scalar(tf.losses.softmaxCrossEntropy(tf.tensor2d(y), tf.tensor2d(z))), 5);
    const probs = tf.tidy(() => tf.softmax(tf.tensor2d(z)).arraySync() as number[][]);
    expect(ours).toBeCloseTo(value("categoricalCrossentropy", y, probs), 4);
  });

  it("sparse labels give the same loss as their one-hot form, as [n] or [n, 1]", () => {
    const pt = tf.tensor2d(p);
    const flat = scalar(lossFunction("sparseCategoricalCrossentropy")(tf.tensor1d([1, 0]), pt));
    const column = scalar(lossFunction("sparseCategoricalCrossentropy")(tf.tensor2d([[1], [0]]), pt));
    const wrong = scalar(lossFunction("sparseCategoricalCrossentropy")(tf.tensor1d([2, 2]), pt));
    pt.dispose();
    expect(flat).toBeCloseTo(value("categoricalCrossentropy", y, p), 5);
    expect(column).toBeCloseTo(flat, 6);
    expect(wrong).toBeGreaterThan(flat + 0.5);
  });
});

describe("mean squared error", () => {
  it("matches a hand computation and tfjs's losses.meanSquaredError", () => {
    const y = [[0, 1, 0.5]];
    const p = [[0.5, 0.5, 0.5]];
    expect(value("meanSquaredError", y, p)).toBeCloseTo(0.5 / 3, 6);
    expect(value("meanSquaredError", y, p)).toBeCloseTo(
      scalar(tf.losses.meanSquaredError(tf.tensor2d(y), tf.tensor2d(p))),
      6,
    );
  });
});

describe("gradients", () => {
  // Closed-form gradients of the mean losses w.r.t. the prediction (N elements, R rows).
  const y = [
    [1, 0, 0],
    [0, 0, 1],
  ];
  const q = [
    [0.6, 0.3, 0.1],
    [0.2, 0.5, 0.3],
  ];
  const N = 6;
  const R = 2;
  const z = q.map((r) => r.map((v) => Math.log(v)));
  const softmaxRow = (r: number[]) => {
    const e = r.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const cases: [LossKind, number[][], (t: number, v: number, k: number, i: number) => number][] = [
    ["binaryCrossentropy", q, (t, v) => (v - t) / (v * (1 - v)) / N],
    ["binaryCrossentropyFromLogits", z, (t, v) => (sig(v) - t) / N],
    ["categoricalCrossentropyFromLogits", z, (t, _v, k, i) => (softmaxRow(z[k]!)[i]! - t) / R],
    ["meanSquaredError", q, (t, v) => (2 * (v - t)) / N],
  ];

  it.each(cases)(
    "%s: tf.grad equals the closed form; a 5 percent perturbation of it is caught",
    (kind, pred, closed) => {
      const g = tf.tidy(() => {
        const yt = tf.tensor2d(y);
        return tf
          .grad((pt: tf.Tensor) => lossFunction(kind)(yt, pt))(tf.tensor2d(pred))
          .arraySync() as number[][];
      });
      const diff = (scale: number) =>
        Math.max(
          ...g.flatMap((row, k) =>
            row.map((v, i) => Math.abs(v - scale * closed(y[k]![i]!, pred[k]![i]!, k, i))),
          ),
        );
      const largest = Math.max(...g.flat().map(Math.abs));
      expect(diff(1)).toBeLessThan(1e-5 * Math.max(1, largest));
      expect(diff(1.05)).toBeGreaterThan(1e-3 * largest);
    },
  );

  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    const yt = tf.tensor2d(y);
    const pt = tf.tensor2d(q);
    for (const kind of [
      "binaryCrossentropy",
      "balancedBinaryCrossentropy",
      "categoricalCrossentropy",
    ] as const) {
      lossFunction(kind)(yt, pt).dispose();
    }
    tf.dispose([yt, pt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
