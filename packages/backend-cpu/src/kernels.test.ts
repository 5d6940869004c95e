import { initWeights, loadGraph, type WeightMap } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";

type NodeSpec = Record<string, unknown>;

/** Runs one node on input `x` (batch first) and returns its output with the weights used. */
function runNode(node: NodeSpec, shape: number[], data: Float32Array, extra: Record<string, NodeSpec> = {}) {
  const graph = loadGraph({
    fusegraph: 1,
    name: "one",
    inputs: { x: shape.slice(1) },
    nodes: { ...extra, y: node },
    outputs: ["y"],
  });
  const weights = initWeights(graph, { seed: 3 });
  const out = prepare(graph, weights, { threads: 1 }).run({ x: { shape, data } }).y!;
  return { out, weights };
}

const ramp = (n: number, k = 0.37) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.1));

function close(actual: Float32Array, expected: ArrayLike<number>, tol = 1e-5) {
  expect(actual.length).toBe(expected.length);
  let err = 0;
  for (let i = 0; i < actual.length; i++) err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  expect(err).toBeLessThan(tol);
}

const w = (m: WeightMap, key: string) => {
  const t = m.get(key)!;
  return tf.tensor(t.data, t.shape);
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("kernels against hand-computed values", () => {
  it("upsample bilinear uses half-pixel centres (PyTorch align_corners=False)", () => {
    const { out } = runNode(
      { op: "upsample", input: "x", factor: 2, mode: "bilinear" },
      [1, 2, 2, 1],
      Float32Array.from([1, 2, 3, 4]),
    );
    // torch.nn.functional.interpolate([[1,2],[3,4]], scale_factor=2, mode="bilinear", align_corners=False)
    close(out.data, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });

  it("upsample nearest takes src = floor(dst * in / out)", () => {
    const { out } = runNode(
      { op: "upsample", input: "x", size: [3, 5] },
      [1, 2, 2, 1],
      Float32Array.from([1, 2, 3, 4]),
    );
    close(out.data, [1, 1, 1, 2, 2, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4]);
  });

  it("crop like centres with offset floor((H-h)/2)", () => {
    const x = Float32Array.from({ length: 25 }, (_, i) => i);
    const { out } = runNode({ op: "crop", input: "x", like: "small" }, [1, 5, 5, 1], x, {
      small: { op: "maxPool", input: "x", poolSize: 2 },
    });
    // 5x5 -> 2x2: offset floor(3/2) = 1 on both axes.
    close(out.data, [6, 7, 11, 12]);
  });

  it("zeroPad, concat and softmax", () => {
    const pad = runNode(
      { op: "zeroPad", input: "x", padding: [1, 0, 0, 1] },
      [1, 1, 2, 1],
      Float32Array.from([5, 6]),
    );
    close(pad.out.data, [0, 0, 0, 5, 6, 0]);
    const cat = runNode({ merge: "concat", inputs: ["x", "d"] }, [1, 1, 2, 1], Float32Array.from([5, 6]), {
      d: { op: "activation", input: "x", fn: "tanh" },
    });
    close(cat.out.data, [5, Math.tanh(5), 6, Math.tanh(6)]);
    const sm = runNode(
      { op: "activation", input: "x", fn: "softmax" },
      [1, 3],
      Float32Array.from([1000, 1001, 1002]),
    );
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0]! + e[1]! + e[2]!;
    close(
      sm.out.data,
      e.map((v) => v / s),
    );
  });

  it("maxPool: padding never wins, a NaN tap makes its windows NaN whatever comes after it", () => {
    // All negative: a zero from the padding would win if padding were read.
    const neg = runNode(
      { op: "maxPool", input: "x", poolSize: 3, strides: 1, padding: 1 },
      [1, 2, 2, 1],
      Float32Array.from([-4, -3, -2, -1]),
    );
    expect(Array.from(neg.out.data)).toEqual([-1, -1, -1, -1]);
    // NaN at (0,0), then larger values later in each window: windows holding it stay NaN, the others do not.
    const x = Float32Array.from([Number.NaN, 5, 7, 9, 1, 2, 3, 4, 6]);
    const r = runNode({ op: "maxPool", input: "x", poolSize: 2, strides: 1 }, [1, 3, 3, 1], x);
    expect(Array.from(r.out.data)).toEqual([Number.NaN, 7, 9, 6]);
  });

  it("avgPool excludes the padding from the divisor unless countIncludePad", () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const ex = runNode({ op: "avgPool", input: "x", poolSize: 3, strides: 1, padding: 1 }, [1, 2, 2, 1], x);
    close(ex.out.data, [2.5, 2.5, 2.5, 2.5]);
    const inc = runNode(
      { op: "avgPool", input: "x", poolSize: 3, strides: 1, padding: 1, countIncludePad: true },
      [1, 2, 2, 1],
      x,
    );
    close(inc.out.data, [10 / 9, 10 / 9, 10 / 9, 10 / 9]);
  });

  it("weightedAdd (through its expansion) with relu normalisation and a bias", () => {
    const { out, weights } = runNode(
      {
        merge: "weightedAdd",
        inputs: ["x", "n"],
        init: [2, -1],
        normalize: "relu",
        bias: true,
        biasInit: 0.5,
      },
      [1, 2],
      Float32Array.from([1, 3]),
      {
        n: { op: "activation", input: "x", fn: "sigmoid" },
      },
    );
    expect([...weights.keys()].sort()).toEqual(["y/bias", "y/weights"]);
    // w' = [2, 0] / (1e-4 + 2): only x counts.
    const k = 2 / (1e-4 + 2);
    close(out.data, [k * 1 + 0.5, k * 3 + 0.5]);
  });
});

describe("kernels against tfjs's own ops", () => {
  it("bilinear resize matches tf.image.resizeBilinear with half-pixel centres, and alignCorners", () => {
    const x = ramp(3 * 5 * 2);
    for (const alignCorners of [false, true]) {
      const { out } = runNode(
        { op: "upsample", input: "x", size: [7, 4], mode: "bilinear", alignCorners },
        [1, 3, 5, 2],
        x,
      );
      const ref = tf.image.resizeBilinear(tf.tensor4d(x, [1, 3, 5, 2]), [7, 4], alignCorners, !alignCorners);
      close(out.data, ref.dataSync());
    }
  });

  it("conv2dTranspose matches tf.conv2dTranspose (same and valid, stride 2)", () => {
    const x = ramp(4 * 3 * 3);
    for (const padding of ["same", "valid"] as const) {
      const { out, weights } = runNode(
        { op: "conv2dTranspose", input: "x", filters: 2, kernelSize: 3, strides: 2, padding },
        [1, 4, 3, 3],
        x,
      );
      const [, h, wd, f] = out.shape;
      const ref = tf
        .conv2dTranspose(
          tf.tensor4d(x, [1, 4, 3, 3]),
          w(weights, "y/kernel") as tf.Tensor4D,
          [1, h!, wd!, f!],
          2,
          padding,
        )
        .add(w(weights, "y/bias"));
      close(out.data, ref.dataSync());
    }
  });

  it("max and average pooling match tf.maxPool / tf.avgPool with same padding", () => {
    const x = ramp(2 * 5 * 6 * 3);
    const mp = runNode(
      { op: "maxPool", input: "x", poolSize: 3, strides: 2, padding: "same" },
      [2, 5, 6, 3],
      x,
    );
    close(mp.out.data, tf.maxPool(tf.tensor4d(x, [2, 5, 6, 3]), 3, 2, "same").dataSync());
    const ap = runNode(
      { op: "avgPool", input: "x", poolSize: 3, strides: 2, padding: "same" },
      [2, 5, 6, 3],
      x,
    );
    close(ap.out.data, tf.avgPool(tf.tensor4d(x, [2, 5, 6, 3]), 3, 2, "same").dataSync());
  });

  it("lstm matches tf.layers.lstm with the same weights (gates i, f, c, o)", () => {
    const x = ramp(2 * 5 * 3);
    for (const returnSequences of [false, true]) {
      const { out, weights } = runNode({ op: "lstm", input: "x", units: 4, returnSequences }, [2, 5, 3], x);
      // tfjs defaults to hardSigmoid gates; the op is specified with sigmoid gates.
      const layer = tf.layers.lstm({ units: 4, returnSequences, recurrentActivation: "sigmoid" });
      layer.apply(tf.input({ shape: [5, 3] }));
      layer.setWeights(["kernel", "recurrentKernel", "bias"].map((n) => w(weights, `y/${n}`)));
      const ref = layer.apply(tf.tensor3d(x, [2, 5, 3])) as tf.Tensor;
      expect(out.shape).toEqual(ref.shape);
      close(out.data, ref.dataSync());
    }
  });

  it("dense with a fused sigmoid and a multiply match tfjs", () => {
    const x = ramp(2 * 3 * 5);
    const { out, weights } = runNode({ op: "activation", input: "d", fn: "sigmoid" }, [2, 3, 5], x, {
      d: { op: "dense", input: "x", units: 6 },
    });
    const ref = tf.sigmoid(
      tf
        .tensor3d(x, [2, 3, 5])
        .matMul(w(weights, "d/kernel").expandDims(0).tile([2, 1, 1]) as tf.Tensor3D)
        .add(w(weights, "d/bias")),
    );
    close(out.data, ref.dataSync());
    const m = runNode({ op: "multiply", inputs: ["x", "x"] }, [2, 3, 5], x);
    close(m.out.data, tf.square(tf.tensor(x)).dataSync());
  });
});
