import { OneShotConv } from "@fusegraph/backend-cpu/oneshot";
import { randomData, relError } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConvGradGeometry, filterGradByConv, filterGradIm2col, inputGrad } from "./conv-grads.js";
import { enableWasmTraining, type WasmTrainingHandle } from "./enable.js";

// Each kernel against tfjs-cpu's own kernel on the same seeded inputs, and against finite differences of
// an independent float64 convolution.

type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Pad;
}

const cases: Case[] = [
  { name: "3x3 same stride 1, batch 1", x: [1, 6, 7, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: "same" },
  {
    name: "3x3 valid stride 1, batch 3",
    x: [3, 7, 5, 2],
    filter: [3, 3, 2, 5],
    strides: [1, 1],
    pad: "valid",
  },
  {
    name: "3x3 same stride 2, odd size",
    x: [2, 9, 7, 3],
    filter: [3, 3, 3, 11],
    strides: [2, 2],
    pad: "same",
  },
  {
    name: "2x2 valid stride 2 (U-Net up)",
    x: [3, 8, 6, 4],
    filter: [2, 2, 4, 3],
    strides: [2, 2],
    pad: "valid",
  },
  { name: "5x3 valid strides 2x1", x: [1, 11, 6, 2], filter: [5, 3, 2, 9], strides: [2, 1], pad: "valid" },
  { name: "1x1 stride 1, 17 filters", x: [3, 5, 5, 6], filter: [1, 1, 6, 17], strides: [1, 1], pad: "valid" },
  { name: "4x4 stride 4 (HED side)", x: [1, 8, 8, 1], filter: [4, 4, 1, 1], strides: [4, 4], pad: "valid" },
  {
    name: "3x2 explicit pads stride 2",
    x: [2, 7, 8, 3],
    filter: [3, 2, 3, 4],
    strides: [2, 2],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    name: "larger: 3x3 same 16->16 at 24x24, batch 2 (worker threads)",
    x: [2, 24, 24, 16],
    filter: [3, 3, 16, 16],
    strides: [1, 1],
    pad: "same",
  },
];

let handle: WasmTrainingHandle;

async function on<T>(backend: "wasm" | "cpu", f: () => T): Promise<T> {
  await tf.setBackend(backend);
  // The plain arrays returned survive; every tensor made inside is disposed.
  tf.engine().startScope();
  try {
    return f();
  } finally {
    tf.engine().endScope();
  }
}

function outShape(c: Case): [number, number, number, number] {
  return tf.tidy(() => {
    const y = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad);
    return y.shape;
  });
}

/** The geometry tfjs derives for a case (what the kernels receive). */
function geometryOf(c: Case, dyShape: number[]): ConvGradGeometry {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  expect([info.outHeight, info.outWidth]).toEqual(dyShape.slice(1, 3));
  return {
    batch: c.x[0],
    inH: c.x[1],
    inW: c.x[2],
    inC: c.x[3],
    outH: info.outHeight,
    outW: info.outWidth,
    outC: c.filter[3],
    kh: c.filter[0],
    kw: c.filter[1],
    sh: c.strides[0],
    sw: c.strides[1],
    padT: info.padInfo.top,
    padL: info.padInfo.left,
  };
}

/** Both gradient kernels on the active backend, as plain arrays. */
function grads(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array, dyShape: number[]) {
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC" };
  const xt = tf.tensor(x, c.x);
  const wt = tf.tensor(w, c.filter);
  const dyt = tf.tensor(dy, dyShape);
  const dW = tf
    .engine()
    .runKernel("Conv2DBackpropFilter", { x: xt, dy: dyt }, { ...attrs, filterShape: c.filter });
  const dX = tf
    .engine()
    .runKernel("Conv2DBackpropInput", { dy: dyt, filter: wt }, { ...attrs, inputShape: c.x });
  return { dW: (dW as tf.Tensor).dataSync().slice(), dX: (dX as tf.Tensor).dataSync().slice() };
}

beforeAll(async () => {
  tf.env().set("PROD", true);
  await tf.setBackend("wasm");
  handle = enableWasmTraining();
});
afterAll(async () => {
  handle.dispose();
  await tf.setBackend("cpu");
});

describe("Conv2DBackpropFilter / Conv2DBackpropInput on wasm vs tfjs-cpu", () => {
  it("registers the kernels tfjs-wasm lacks for training", () => {
    expect([...handle.kernels].sort()).toEqual([
      "AvgPoolGrad",
      "Conv2DBackpropFilter",
      "Conv2DBackpropInput",
      "MaxPoolGrad",
      "UnsortedSegmentSum",
    ]);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const dyShape = outShape(c);
      const x = randomData(
        c.x.reduce((a, b) => a * b),
        1,
      );
      const w = randomData(
        c.filter.reduce((a, b) => a * b),
        2,
      );
      const dy = randomData(
        dyShape.reduce((a, b) => a * b),
        3,
      );
      const got = await on("wasm", () => grads(c, x, w, dy, dyShape));
      const want = await on("cpu", () => grads(c, x, w, dy, dyShape));
      expect(relError(got.dW, want.dW)).toBeLessThan(1e-4);
      expect(relError(got.dX, want.dX)).toBeLessThan(1e-4);
      await tf.setBackend("wasm");
      // Both forms of the filter gradient, whichever the kernel picks for this size.
      const conv = new OneShotConv(1);
      try {
        for (const form of [filterGradByConv, filterGradIm2col]) {
          const out = new Float32Array(want.dW.length);
          form(conv, geometryOf(c, dyShape), x, dy, out);
          expect(relError(out, want.dW), form.name).toBeLessThan(1e-4);
        }
        // The GEMM dx, also on sizes the kernel hands to tfjs-wasm's own (below 64 pixels).
        const dX = new Float32Array(want.dX.length);
        inputGrad(conv, geometryOf(c, dyShape), dy, w, dX);
        expect(relError(dX, want.dX), "inputGrad").toBeLessThan(1e-4);
      } finally {
        conv.dispose();
      }
    });
  }

  it("negative control: gradients computed with an off-by-one stride or padding are caught", async () => {
    const c = cases[2]!;
    const dyShape = outShape(c);
    const x = randomData(
      c.x.reduce((a, b) => a * b),
      1,
    );
    const w = randomData(
      c.filter.reduce((a, b) => a * b),
      2,
    );
    const dy = randomData(
      dyShape.reduce((a, b) => a * b),
      3,
    );
    const want = await on("cpu", () => grads(c, x, w, dy, dyShape));
    await tf.setBackend("wasm");
    const d = geometryOf(c, dyShape);
    expect([d.sh, d.sw, d.padT, d.padL]).toEqual([2, 2, 1, 1]); // "same" on 9x7 with a 3x3 kernel
    const conv = new OneShotConv(1);
    try {
      for (const form of [filterGradByConv, filterGradIm2col]) {
        const run = (g: ConvGradGeometry) => {
          const out = new Float32Array(want.dW.length);
          form(conv, g, x, dy, out);
          return relError(out, want.dW);
        };
        expect(run(d)).toBeLessThan(1e-4);
        expect(run({ ...d, sh: 1 })).toBeGreaterThan(1e-2);
        expect(run({ ...d, sw: 3 })).toBeGreaterThan(1e-2);
        expect(run({ ...d, padL: 0 })).toBeGreaterThan(1e-2);
      }
      const dxWith = (g: ConvGradGeometry) => {
        const out = new Float32Array(want.dX.length);
        inputGrad(conv, g, dy, w, out);
        return relError(out, want.dX);
      };
      expect(dxWith(d)).toBeLessThan(1e-4);
      expect(dxWith({ ...d, sh: 1 })).toBeGreaterThan(1e-2);
      expect(dxWith({ ...d, padT: 0 })).toBeGreaterThan(1e-2);
    } finally {
      conv.dispose();
    }
  });
});

/** float64 conv2d (NHWC, [kh, kw, C, F]) with explicit top/left padding: an independent reference. */
function conv64(
  c: Case,
  pads: [number, number],
  x: Float64Array,
  w: Float64Array,
  dyShape: number[],
): Float64Array {
  const [B, H, W, C] = c.x;
  const [kh, kw, , F] = c.filter;
  const [, oh, ow] = dyShape as [number, number, number, number];
  const y = new Float64Array(B * oh * ow * F);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let f = 0; f < F; f++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * c.strides[0] - pads[0] + ky;
              const ix = ox * c.strides[1] - pads[1] + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let ch = 0; ch < C; ch++)
                s += x[((b * H + iy) * W + ix) * C + ch]! * w[((ky * kw + kx) * C + ch) * F + f]!;
            }
          y[((b * oh + oy) * ow + ox) * F + f] = s;
        }
  return y;
}

describe("finite differences of a float64 convolution", () => {
  const small: { c: Case; pads: [number, number] }[] = [
    {
      c: { name: "same stride 2", x: [2, 5, 4, 2], filter: [3, 3, 2, 3], strides: [2, 2], pad: "same" },
      pads: [1, 0],
    },
    {
      c: { name: "valid stride 1", x: [1, 4, 5, 3], filter: [2, 3, 3, 2], strides: [1, 1], pad: "valid" },
      pads: [0, 0],
    },
  ];
  for (const { c, pads } of small) {
    it(`${c.name}: d(sum(conv(x, w) * r))/dw and /dx`, async () => {
      const dyShape = outShape(c);
      const x = randomData(
        c.x.reduce((a, b) => a * b),
        11,
      );
      const w = randomData(
        c.filter.reduce((a, b) => a * b),
        12,
      );
      const r = randomData(
        dyShape.reduce((a, b) => a * b),
        13,
      );
      const got = await on("wasm", () => grads(c, x, w, r, dyShape));
      const loss = (xv: Float64Array, wv: Float64Array) =>
        conv64(c, pads, xv, wv, dyShape).reduce((s, v, i) => s + v * r[i]!, 0);
      const fd = (which: "x" | "w") => {
        const base = Float64Array.from(which === "x" ? x : w);
        const out = new Float64Array(base.length);
        const eps = 1e-3;
        for (let i = 0; i < base.length; i++) {
          const p = base.slice();
          p[i] = base[i]! + eps;
          const m = base.slice();
          m[i] = base[i]! - eps;
          const [lp, lm] =
            which === "x"
              ? [loss(p, Float64Array.from(w)), loss(m, Float64Array.from(w))]
              : [loss(Float64Array.from(x), p), loss(Float64Array.from(x), m)];
          out[i] = (lp - lm) / (2 * eps);
        }
        return out;
      };
      expect(relError(got.dW, fd("w"))).toBeLessThan(1e-4);
      expect(relError(got.dX, fd("x"))).toBeLessThan(1e-4);
      // Negative control: the same check notices a gradient perturbed in one entry.
      const bad = got.dW.slice();
      bad[bad.length >> 1]! += 1e-2;
      expect(relError(bad, fd("w"))).toBeGreaterThan(1e-4);
    });
  }
});

describe("UnsortedSegmentSum on wasm vs tfjs-cpu", () => {
  it("sums rows by segment, dropping ids out of range", async () => {
    const x = randomData(7 * 5, 4);
    const ids = Int32Array.from([2, 0, 2, -1, 3, 9, 0]);
    const run = () =>
      (
        tf
          .engine()
          .runKernel(
            "UnsortedSegmentSum",
            { x: tf.tensor(x, [7, 5]), segmentIds: tf.tensor(ids, [7], "int32") },
            { numSegments: 4 },
          ) as tf.Tensor
      )
        .dataSync()
        .slice();
    const got = await on("wasm", run);
    const want = await on("cpu", run);
    await tf.setBackend("wasm");
    expect(got.length).toBe(20);
    expect(relError(got, want)).toBeLessThan(1e-6);
    // Row 1 of the output is x[1] + x[6]: a direct check independent of tfjs.
    expect(
      relError(
        got.slice(0, 5),
        x.slice(5, 10).map((v, i) => v + x[30 + i]!),
      ),
    ).toBeLessThan(1e-6);
  });
});

describe("MaxPoolGrad / AvgPoolGrad on wasm", () => {
  const pools: {
    name: string;
    x: [number, number, number, number];
    size: number;
    strides: number;
    pad: "same" | "valid";
  }[] = [
    { name: "2x2 valid stride 2, odd size", x: [2, 5, 7, 3], size: 2, strides: 2, pad: "valid" },
    { name: "3x3 same stride 2", x: [1, 7, 6, 4], size: 3, strides: 2, pad: "same" },
    { name: "3x3 valid stride 1, batch 3", x: [3, 6, 6, 2], size: 3, strides: 1, pad: "valid" },
  ];
  const run = (
    kernel: "MaxPoolGrad" | "AvgPoolGrad",
    p: (typeof pools)[number],
    x: Float32Array,
    seed: number,
  ) => {
    const xt = tf.tensor4d(x, p.x);
    const y =
      kernel === "MaxPoolGrad"
        ? tf.maxPool(xt, p.size, p.strides, p.pad)
        : tf.avgPool(xt, p.size, p.strides, p.pad);
    const dy = tf.tensor(randomData(y.size, seed), y.shape);
    const attrs = { filterSize: p.size, strides: p.strides, pad: p.pad };
    const inputs: tf.NamedTensorMap =
      kernel === "MaxPoolGrad" ? { dy, input: xt, output: y } : { dy, input: xt };
    return {
      dx: (tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor).dataSync().slice(),
      dy: dy.dataSync().slice(),
    };
  };

  for (const p of pools) {
    it(`MaxPoolGrad ${p.name}: equals tfjs-cpu's, windows of negative values included`, async () => {
      const x = randomData(
        p.x.reduce((a, b) => a * b),
        21,
      );
      const got = await on("wasm", () => run("MaxPoolGrad", p, x, 22).dx);
      const want = await on("cpu", () => run("MaxPoolGrad", p, x, 22).dx);
      await tf.setBackend("wasm");
      expect(relError(got, want)).toBeLessThan(1e-6);
    });
  }

  it("MaxPoolGrad negative control: tfjs-wasm's own kernel loses the gradient of negative windows", async () => {
    const p = pools[0]!;
    const x = randomData(
      p.x.reduce((a, b) => a * b),
      21,
    );
    const want = await on("cpu", () => run("MaxPoolGrad", p, x, 22).dx);
    await tf.setBackend("wasm");
    handle.dispose();
    try {
      const theirs = tf.tidy(() => run("MaxPoolGrad", p, x, 22).dx);
      expect(relError(theirs, want)).toBeGreaterThan(1e-2);
    } finally {
      handle = enableWasmTraining();
    }
  });

  it("AvgPoolGrad valid: equals tfjs-cpu's", async () => {
    const p = pools[2]!;
    const x = randomData(
      p.x.reduce((a, b) => a * b),
      23,
    );
    const got = await on("wasm", () => run("AvgPoolGrad", p, x, 24).dx);
    const want = await on("cpu", () => run("AvgPoolGrad", p, x, 24).dx);
    await tf.setBackend("wasm");
    expect(relError(got, want)).toBeLessThan(1e-6);
  });

  it("AvgPoolGrad same: the exact adjoint of the forward avgPool (which excludes padding); tfjs-cpu's is not", async () => {
    const p = pools[1]!;
    const x = randomData(
      p.x.reduce((a, b) => a * b),
      25,
    );
    // avgPool is linear, so <dx, e_i> = <dy, avgPool(e_i)>: probe each input entry with the forward op.
    const adjoint = async (backend: "wasm" | "cpu") => {
      const { dx, dy } = await on(backend, () => run("AvgPoolGrad", p, x, 26));
      const exact = await on(backend, () =>
        Float32Array.from(x, (_, i) => {
          const e = new Float32Array(x.length);
          e[i] = 1;
          const y = Float32Array.from(tf.avgPool(tf.tensor4d(e, p.x), p.size, p.strides, p.pad).dataSync());
          return y.reduce((s, v, j) => s + v * dy[j]!, 0);
        }),
      );
      return relError(dx, exact);
    };
    expect(await adjoint("wasm")).toBeLessThan(1e-6);
    expect(await adjoint("cpu")).toBeGreaterThan(1e-2);
    await tf.setBackend("wasm");
  });
});
