import {
  type Graph,
  initWeights,
  loadGraph,
  type Padding,
  transposeWindow2d,
  type WeightMap,
  window2d,
} from "@fusegraph/dsl";
import { randomData } from "@fusegraph/dsl/testing";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GemmKernel, prepare } from "./prepare.js";

// The WebAssembly fast paths (1x1 direct conv rows, batchNorm `affine`, concat `copyBlocks`, transposed
// conv GEMM + `col2im`) checked through the public executor against float64 loops or tfjs-cpu, and
// against the "js" kernels. The executor keeps every activation in the wasm arena, so with kernel "wasm"
// each of these nodes takes its fast path.

type Feeds = Record<string, { shape: number[]; data: Float32Array }>;

const TOL = 1e-5;

/** Max abs difference over max |expected|; a NaN on one side only counts as an infinite error. */
function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let scale = 1e-6;
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) !== Number.isNaN(e)) return Number.POSITIVE_INFINITY;
      continue;
    }
    scale = Math.max(scale, Math.abs(e));
    err = Math.max(err, Math.abs(a - e));
  }
  return err / scale;
}

/** Overwrites every weight with seeded values (variances kept positive), so zero-initialised biases count. */
function randomizeWeights(weights: WeightMap, seed: number): void {
  let k = 0;
  for (const [name, t] of weights) {
    const r = randomData(t.data.length, seed + 101 * ++k);
    if (name.endsWith("movingVariance")) t.data.set(r.map((v) => 0.3 + Math.abs(v)));
    else t.data.set(r);
  }
}

/** Runs `graph` on kernel "wasm" and "js" (same weights) and returns output `out` of each. */
function runBoth(graph: Graph, weights: WeightMap, feeds: Feeds, out: string, threads = 1, winograd = true) {
  const result = {} as Record<GemmKernel, { shape: number[]; data: Float32Array }>;
  for (const kernel of ["wasm", "js"] as const) {
    const exe = prepare(graph, weights, { threads, kernel, winograd });
    try {
      expect(exe.kernel).toBe(kernel);
      const o = exe.run(feeds)[out]!;
      result[kernel] = { shape: [...o.shape], data: o.data };
    } finally {
      exe.dispose();
    }
  }
  return result;
}

/** Asserts wasm and js both match `ref` (and each other) within `tol`. */
function expectBoth(r: ReturnType<typeof runBoth>, ref: ArrayLike<number>, tol = TOL): void {
  expect(relErr(r.wasm.data, ref)).toBeLessThan(tol);
  expect(relErr(r.js.data, ref)).toBeLessThan(tol);
  expect(relErr(r.wasm.data, r.js.data)).toBeLessThan(tol);
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

// ---------------------------------------------------------------- 1x1 convs

interface Conv1x1 {
  batch: number;
  h: number;
  w: number;
  cinG: number;
  fG: number;
  groups: number;
  s: [number, number];
  pad?: Padding;
  residual?: boolean;
}

function conv1x1Graph(c: Conv1x1): Graph {
  const { outH, outW } = window2d([c.h, c.w], 1, c.s, 1, c.pad ?? "valid");
  const F = c.fG * c.groups;
  const conv = {
    op: "conv2d",
    input: "x",
    filters: F,
    kernelSize: 1,
    strides: c.s,
    padding: c.pad ?? "valid",
    groups: c.groups,
    useBias: true,
  };
  return loadGraph({
    fusegraph: 1,
    name: "conv1x1",
    inputs: c.residual
      ? { x: [c.h, c.w, c.cinG * c.groups], r: [outH, outW, F] }
      : { x: [c.h, c.w, c.cinG * c.groups] },
    nodes: c.residual
      ? {
          conv,
          sum: { merge: "add", inputs: ["conv", "r"] },
          out: { op: "activation", input: "sum", fn: "relu" },
        }
      : { conv },
    outputs: [c.residual ? "out" : "conv"],
  });
}

/** Float64 grouped conv with any kernel size: out = bias + sum over taps and the group's channels (+ r, relu). */
function naiveConv(
  x: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  c: {
    batch: number;
    h: number;
    w: number;
    cinG: number;
    fG: number;
    groups: number;
    k: number;
    s: [number, number];
  },
  pad: Padding,
  residual?: Float32Array,
  readS: [number, number] = c.s,
): Float64Array {
  const C = c.cinG * c.groups;
  const F = c.fG * c.groups;
  const { outH, outW, pads } = window2d([c.h, c.w], c.k, c.s, 1, pad);
  const y = new Float64Array(c.batch * outH * outW * F);
  for (let b = 0; b < c.batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let f = 0; f < F; f++) {
          const g = Math.floor(f / c.fG);
          let acc = bias[f]!;
          for (let ky = 0; ky < c.k; ky++)
            for (let kx = 0; kx < c.k; kx++) {
              // readS (negative control): windows placed with another stride than the output size implies.
              const iy = oy * readS[0] - pads.top + ky;
              const ix = ox * readS[1] - pads.left + kx;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              const xb = ((b * c.h + iy) * c.w + ix) * C + g * c.cinG;
              const kb = (ky * c.k + kx) * c.cinG;
              for (let ci = 0; ci < c.cinG; ci++) acc += x[xb + ci]! * kernel[(kb + ci) * F + f]!;
            }
          const o = ((b * outH + oy) * outW + ox) * F + f;
          y[o] = residual ? Math.max(acc + residual[o]!, 0) : acc;
        }
  return y;
}

function check1x1(c: Conv1x1, threads: number, seed: number): void {
  const graph = conv1x1Graph(c);
  const weights = initWeights(graph, { seed });
  randomizeWeights(weights, seed);
  const pad = c.pad ?? "valid";
  const { outH, outW } = window2d([c.h, c.w], 1, c.s, 1, pad);
  const F = c.fG * c.groups;
  const x = randomData(c.batch * c.h * c.w * c.cinG * c.groups, seed + 1);
  const feeds: Feeds = { x: { shape: [c.batch, c.h, c.w, c.cinG * c.groups], data: x } };
  const r = c.residual ? randomData(c.batch * outH * outW * F, seed + 2) : undefined;
  if (r) feeds.r = { shape: [c.batch, outH, outW, F], data: r };
  const res = runBoth(graph, weights, feeds, c.residual ? "out" : "conv", threads);
  expect(res.wasm.shape).toEqual([c.batch, outH, outW, F]);
  const geom = { ...c, k: 1 };
  const kernel = weights.get("conv/kernel")!.data;
  const ref = naiveConv(x, kernel, weights.get("conv/bias")!.data, geom, pad, r);
  expectBoth(res, ref);
  // Negative controls: the same check rejects a reference with one weight changed, or with stride 1
  // read where the conv strides (both are real answers to a nearby question).
  const k2 = kernel.slice();
  k2[Math.floor(k2.length / 2)]! += 0.5;
  expect(
    relErr(res.wasm.data, naiveConv(x, k2, weights.get("conv/bias")!.data, geom, pad, r)),
  ).toBeGreaterThan(TOL);
  if (c.s[0] > 1 || c.s[1] > 1) {
    // Stride 1 over the top-left outH x outW pixels: same shape, wrong pixels.
    const wrong = naiveConv(x, kernel, weights.get("conv/bias")!.data, geom, pad, r, [1, 1]);
    expect(wrong.length).toBe(ref.length);
    expect(relErr(res.wasm.data, wrong)).toBeGreaterThan(TOL);
  }
}

describe("1x1 convs read their rows straight from the input (wasm `direct`)", () => {
  // K = cinG = 600: three 256-deep blocks; filters not a multiple of 8; rows not a multiple of 4.
  it("stride 1, batch 3, 147 rows, 20 filters", () => {
    check1x1({ batch: 3, h: 7, w: 7, cinG: 600, fG: 20, groups: 1, s: [1, 1] }, 1, 1);
  });

  it("stride 2 (even and odd input sizes), batch 2", () => {
    check1x1({ batch: 2, h: 9, w: 10, cinG: 600, fG: 13, groups: 1, s: [2, 2] }, 1, 2);
  });

  it("stride 2x1 and 'same' padding (no pads for a 1x1), batch 1", () => {
    check1x1({ batch: 1, h: 9, w: 6, cinG: 600, fG: 9, groups: 1, s: [2, 1], pad: "same" }, 1, 3);
  });

  it("groups 2 (K = 600 per group, 11 filters per group), batch 2", () => {
    check1x1({ batch: 2, h: 5, w: 5, cinG: 600, fG: 11, groups: 2, s: [1, 1] }, 1, 4);
  });

  it("fused residual add + relu", () => {
    check1x1({ batch: 2, h: 6, w: 5, cinG: 600, fG: 12, groups: 1, s: [1, 1], residual: true }, 1, 5);
  });

  it("explicit pads at the bottom/right only (top/left 0): the padded row and column are bias only", () => {
    check1x1({ batch: 2, h: 5, w: 4, cinG: 40, fG: 9, groups: 1, s: [1, 1], pad: [0, 1, 0, 2] }, 1, 6);
  });

  it("2 threads, 225 rows (< 256) and >= 2^21 MACs: the weight panels are split", () => {
    expect(225 < 256 && 225 * 600 * 60 >= 2 ** 21).toBe(true);
    check1x1({ batch: 1, h: 15, w: 15, cinG: 600, fG: 60, groups: 1, s: [1, 1] }, 2, 7);
  });

  it("2 threads, 450 rows (>= 256): the rows are split; with residual + relu", () => {
    expect(450 >= 256 && 450 * 600 * 60 >= 2 ** 21).toBe(true);
    check1x1({ batch: 2, h: 15, w: 15, cinG: 600, fG: 60, groups: 1, s: [1, 1], residual: true }, 2, 8);
  });

  it("2 threads, groups 2 and stride 2, 363 rows: row split", () => {
    expect(3 * 11 * 11 * 300 * 40 >= 2 ** 21).toBe(true);
    check1x1({ batch: 3, h: 21, w: 21, cinG: 300, fG: 20, groups: 2, s: [2, 2] }, 2, 9);
  });

  it("2 threads, a 3x3 stride-2 conv with 100 rows (64..255) splits rows too", () => {
    const c = { batch: 1, h: 19, w: 19, cinG: 64, fG: 40, groups: 1, k: 3, s: [2, 2] as [number, number] };
    expect(100 * 9 * 64 * 40 >= 2 ** 21).toBe(true);
    const graph = loadGraph({
      fusegraph: 1,
      name: "conv3",
      inputs: { x: [19, 19, 64] },
      nodes: { out: { op: "conv2d", input: "x", filters: 40, kernelSize: 3, strides: 2, padding: "same" } },
      outputs: ["out"],
    });
    const weights = initWeights(graph, { seed: 10 });
    randomizeWeights(weights, 10);
    const x = randomData(19 * 19 * 64, 11);
    const res = runBoth(graph, weights, { x: { shape: [1, 19, 19, 64], data: x } }, "out", 2);
    expect(res.wasm.shape).toEqual([1, 10, 10, 40]);
    const kernel = weights.get("out/kernel")!.data;
    const bias = weights.get("out/bias")!.data;
    expectBoth(res, naiveConv(x, kernel, bias, c, "same"));
    // Negative control: pads [0, 2, 0, 2] give the same 10x10 output with windows one pixel off.
    const shifted = naiveConv(x, kernel, bias, c, [0, 2, 0, 2]);
    expect(shifted.length).toBe(100 * 40);
    expect(relErr(res.wasm.data, shifted)).toBeGreaterThan(TOL);
  });
});

// ---------------------------------------------------------------- batchNorm

describe("batchNorm (+ relu / leakyRelu) on the wasm `affine` loop", () => {
  const fns = ["none", "relu", "leakyRelu"] as const;

  function bnGraph(shape: number[], fn: (typeof fns)[number]): Graph {
    const nodes: Record<string, Record<string, unknown>> = { bn: { op: "batchNorm", input: "x" } };
    if (fn !== "none")
      nodes.out = { op: "activation", input: "bn", fn, ...(fn === "leakyRelu" ? { alpha: 0.2 } : {}) };
    return loadGraph({
      fusegraph: 1,
      name: "bn",
      inputs: { x: shape },
      nodes,
      outputs: [fn === "none" ? "bn" : "out"],
    });
  }

  /** From the moving statistics, in float64: gamma * (x - mean) / sqrt(var + eps) + beta, then the activation. */
  function reference(
    x: Float32Array,
    w: WeightMap,
    fn: (typeof fns)[number],
    mean = "bn/movingMean",
  ): Float64Array {
    const g = w.get("bn/gamma")!.data;
    const b = w.get("bn/beta")!.data;
    const m = w.get(mean)!.data;
    const v = w.get("bn/movingVariance")!.data;
    const C = g.length;
    return Float64Array.from(x, (xv, i) => {
      const c = i % C;
      const y = (g[c]! * (xv - m[c]!)) / Math.sqrt(v[c]! + 1e-3) + b[c]!;
      if (fn === "relu") return Math.max(y, 0);
      if (fn === "leakyRelu") return y < 0 ? 0.2 * y : y;
      return y;
    });
  }

  for (const C of [1, 3, 4, 7, 64])
    for (const fn of fns)
      it(`${C} channels, ${fn}: matches the reference; a NaN input stays NaN`, () => {
        const shape = [3, 5, C];
        const graph = bnGraph(shape, fn);
        const weights = initWeights(graph, { seed: C });
        randomizeWeights(weights, C);
        const x = randomData(2 * 3 * 5 * C, C + 7);
        x[5 * C + (C >> 1)] = Number.NaN;
        const out = fn === "none" ? "bn" : "out";
        const res = runBoth(graph, weights, { x: { shape: [2, ...shape], data: x } }, out);
        expect(res.wasm.shape).toEqual([2, ...shape]);
        const ref = reference(x, weights, fn);
        expect(Number.isNaN(res.wasm.data[5 * C + (C >> 1)]!)).toBe(true);
        expect(res.wasm.data.filter(Number.isNaN).length).toBe(1);
        expectBoth(res, ref);
        // Negative control: reading beta as the mean gives a different affine map the check rejects.
        expect(relErr(res.wasm.data, reference(x, weights, fn, "bn/beta"))).toBeGreaterThan(TOL);
      });

  it("rank 2 input, batch 5, odd channel count: rows = batch x 1", () => {
    const graph = bnGraph([7], "leakyRelu");
    const weights = initWeights(graph, { seed: 40 });
    randomizeWeights(weights, 40);
    const x = randomData(5 * 7, 41);
    const res = runBoth(graph, weights, { x: { shape: [5, 7], data: x } }, "out");
    expectBoth(res, reference(x, weights, "leakyRelu"));
  });
});

// ---------------------------------------------------------------- concat

describe("concat on the wasm `copyBlocks`", () => {
  /** Naive concat of batch-first inputs along example axis `axis`. */
  function naiveConcat(xs: { shape: number[]; data: Float32Array }[], axis: number): Float64Array {
    const a = axis + 1;
    const outer = xs[0]!.shape.slice(0, a).reduce((p, d) => p * d, 1);
    const inner = (s: number[]) => s.slice(a).reduce((p, d) => p * d, 1);
    const out: number[] = [];
    for (let o = 0; o < outer; o++)
      for (const x of xs) {
        const n = inner(x.shape);
        for (let i = 0; i < n; i++) out.push(x.data[o * n + i]!);
      }
    return Float64Array.from(out);
  }

  function check(shapes: number[][], axis: number, seed: number) {
    const names = shapes.map((_, i) => `x${i}`);
    const graph = loadGraph({
      fusegraph: 1,
      name: "cat",
      inputs: Object.fromEntries(names.map((n, i) => [n, shapes[i]!])),
      nodes: { out: { merge: "concat", inputs: names, axis } },
      outputs: ["out"],
    });
    const feeds: Feeds = {};
    const xs = shapes.map((s, i) => {
      const shape = [2, ...s];
      const data = randomData(
        shape.reduce((p, d) => p * d, 1),
        seed + i,
      );
      feeds[names[i]!] = { shape, data };
      return { shape, data };
    });
    const res = runBoth(graph, initWeights(graph), feeds, "out");
    const ref = naiveConcat(xs, axis < 0 ? axis + shapes[0]!.length : axis);
    expect(res.wasm.data.length).toBe(ref.length);
    // A copy: exact.
    expect(Array.from(res.wasm.data)).toEqual(Array.from(ref));
    expect(Array.from(res.js.data)).toEqual(Array.from(ref));
    // Negative control: the inputs in another order are a different (same-size) answer.
    expect(Array.from(res.wasm.data)).not.toEqual(
      Array.from(naiveConcat([...xs].reverse(), axis < 0 ? axis + shapes[0]!.length : axis)),
    );
  }

  it("channels of 2 inputs (3 + 1), batch 2", () =>
    check(
      [
        [4, 5, 3],
        [4, 5, 1],
      ],
      -1,
      1,
    ));
  it("channels of 3 inputs (1 + 3 + 32), batch 2", () =>
    check(
      [
        [3, 2, 1],
        [3, 2, 3],
        [3, 2, 32],
      ],
      -1,
      2,
    ));
  it("channels of 4 inputs (32 + 1 + 3 + 1), batch 2", () =>
    check(
      [
        [2, 3, 32],
        [2, 3, 1],
        [2, 3, 3],
        [2, 3, 1],
      ],
      2,
      3,
    ));
  it("example axis 0 (rows: 2 + 3), batch 2", () =>
    check(
      [
        [2, 4, 3],
        [3, 4, 3],
      ],
      0,
      4,
    ));
  it("example axis 1 (columns: 1 + 4), batch 2", () =>
    check(
      [
        [3, 1, 5],
        [3, 4, 5],
      ],
      1,
      5,
    ));
});

// ---------------------------------------------------------------- conv2dTranspose

interface Tconv {
  batch: number;
  h: number;
  w: number;
  c: number;
  f: number;
  k: number;
  s: number;
  d?: number;
  pad: Padding;
  bias: boolean;
}

/** Float64 scatter definition: y[iy*s + ky*d - top, ix*s + kx*d - left, f] += x[iy, ix, c] * k[ky, kx, f, c]. */
function naiveTconv(
  x: Float32Array,
  k: Float32Array,
  bias: Float32Array | undefined,
  t: Tconv,
  flipTap = false,
) {
  const d = t.d ?? 1;
  const { outH, outW, pads } = transposeWindow2d([t.h, t.w], t.k, t.s, d, t.pad);
  const y = new Float64Array(t.batch * outH * outW * t.f);
  for (let i = 0; i < y.length; i++) y[i] = bias ? bias[i % t.f]! : 0;
  for (let b = 0; b < t.batch; b++)
    for (let iy = 0; iy < t.h; iy++)
      for (let ix = 0; ix < t.w; ix++)
        for (let ky = 0; ky < t.k; ky++)
          for (let kx = 0; kx < t.k; kx++) {
            const oy = iy * t.s + ky * d - pads.top;
            const ox = ix * t.s + kx * d - pads.left;
            if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
            // flipTap (negative control): read tap (0, 0) as tap (k-1, k-1).
            const tap = flipTap && ky === 0 && kx === 0 ? t.k * t.k - 1 : ky * t.k + kx;
            for (let f = 0; f < t.f; f++) {
              let acc = 0;
              for (let c = 0; c < t.c; c++)
                acc += x[((b * t.h + iy) * t.w + ix) * t.c + c]! * k[(tap * t.f + f) * t.c + c]!;
              y[((b * outH + oy) * outW + ox) * t.f + f]! += acc;
            }
          }
  return { y, outH, outW };
}

function checkTconv(t: Tconv, threads: number, seed: number): void {
  const graph = loadGraph({
    fusegraph: 1,
    name: "tconv",
    inputs: { x: [t.h, t.w, t.c] },
    nodes: {
      out: {
        op: "conv2dTranspose",
        input: "x",
        filters: t.f,
        kernelSize: t.k,
        strides: t.s,
        dilation: t.d ?? 1,
        padding: t.pad,
        useBias: t.bias,
      },
    },
    outputs: ["out"],
  });
  const weights = initWeights(graph, { seed });
  randomizeWeights(weights, seed);
  const x = randomData(t.batch * t.h * t.w * t.c, seed + 1);
  const res = runBoth(graph, weights, { x: { shape: [t.batch, t.h, t.w, t.c], data: x } }, "out", threads);
  const kernel = weights.get("out/kernel")!.data;
  const bias = t.bias ? weights.get("out/bias")!.data : undefined;
  const ref = naiveTconv(x, kernel, bias, t);
  expect(res.wasm.shape).toEqual([t.batch, ref.outH, ref.outW, t.f]);
  expectBoth(res, ref.y);
  if ((t.d ?? 1) === 1 && typeof t.pad === "string") {
    // Independent of the naive loops: tfjs-cpu's own transposed conv (+ bias).
    const tfOut = tf.tidy(() => {
      const k = tf.tensor4d(kernel, [t.k, t.k, t.f, t.c]);
      let o: tf.Tensor = tf.conv2dTranspose(
        tf.tensor4d(x, [t.batch, t.h, t.w, t.c]),
        k,
        [t.batch, ref.outH, ref.outW, t.f],
        t.s,
        t.pad as "same" | "valid",
      );
      if (bias) o = o.add(tf.tensor1d(bias));
      return o.dataSync();
    });
    expect(relErr(res.wasm.data, tfOut)).toBeLessThan(TOL);
  }
  // Negative control: the reference with one kernel tap read from the wrong place.
  expect(relErr(res.wasm.data, naiveTconv(x, kernel, bias, t, true).y)).toBeGreaterThan(TOL);
}

/** One executor run repeatedly with new inputs and batch sizes: the arena and temp region are reused or regrown. */
function checkTconvReuse(t: Tconv, threads: number, seed: number): void {
  const graph = loadGraph({
    fusegraph: 1,
    name: "tconv",
    inputs: { x: [t.h, t.w, t.c] },
    nodes: {
      out: {
        op: "conv2dTranspose",
        input: "x",
        filters: t.f,
        kernelSize: t.k,
        strides: t.s,
        padding: t.pad,
        useBias: t.bias,
      },
    },
    outputs: ["out"],
  });
  const weights = initWeights(graph, { seed });
  randomizeWeights(weights, seed);
  const kernel = weights.get("out/kernel")!.data;
  const bias = t.bias ? weights.get("out/bias")!.data : undefined;
  const exe = prepare(graph, weights, { threads, kernel: "wasm" });
  try {
    // Same batch twice (the arena keeps the last outputs), then larger and smaller batches.
    for (const [i, batch] of [2, 2, 3, 1].entries()) {
      const x = randomData(batch * t.h * t.w * t.c, seed + 10 * i);
      const out = exe.run({ x: { shape: [batch, t.h, t.w, t.c], data: x } }).out!;
      expect(relErr(out.data, naiveTconv(x, kernel, bias, { ...t, batch }).y)).toBeLessThan(TOL);
    }
  } finally {
    exe.dispose();
  }
}

describe("conv2dTranspose: GEMM on the wasm kernels, col2im in wasm", () => {
  for (const threads of [1, 2])
    describe(`${threads} thread(s)`, () => {
      it("kernel 2 stride 2 (tiled), with and without bias, filters 16 and 5", () => {
        checkTconv({ batch: 2, h: 5, w: 6, c: 7, f: 16, k: 2, s: 2, pad: "valid", bias: true }, threads, 1);
        checkTconv({ batch: 2, h: 5, w: 6, c: 7, f: 5, k: 2, s: 2, pad: "same", bias: false }, threads, 2);
        checkTconv({ batch: 2, h: 4, w: 3, c: 3, f: 5, k: 2, s: 2, pad: "valid", bias: true }, threads, 3);
      });

      it("kernel 3 stride 2, same and valid, filters 16 and 5", () => {
        checkTconv({ batch: 2, h: 5, w: 4, c: 6, f: 16, k: 3, s: 2, pad: "same", bias: true }, threads, 4);
        checkTconv({ batch: 2, h: 5, w: 4, c: 6, f: 5, k: 3, s: 2, pad: "valid", bias: true }, threads, 5);
        checkTconv({ batch: 2, h: 3, w: 3, c: 4, f: 5, k: 3, s: 2, pad: "same", bias: false }, threads, 6);
      });

      it("kernel 2 stride 3: the gaps get only the bias (valid and same)", () => {
        checkTconv({ batch: 2, h: 4, w: 3, c: 5, f: 16, k: 2, s: 3, pad: "valid", bias: true }, threads, 7);
        checkTconv({ batch: 2, h: 4, w: 3, c: 5, f: 5, k: 2, s: 3, pad: "same", bias: true }, threads, 8);
      });

      it("dilation 2 (stride 1 and 2) and explicit pads", () => {
        checkTconv(
          { batch: 2, h: 4, w: 5, c: 3, f: 5, k: 3, s: 1, d: 2, pad: "valid", bias: true },
          threads,
          9,
        );
        checkTconv(
          { batch: 2, h: 4, w: 5, c: 3, f: 16, k: 2, s: 2, d: 2, pad: "same", bias: true },
          threads,
          10,
        );
        checkTconv(
          { batch: 2, h: 4, w: 4, c: 3, f: 5, k: 2, s: 2, pad: [1, 0, 0, 1], bias: true },
          threads,
          11,
        );
      });

      it("a GEMM large enough for the worker threads (>= 2^21 MACs)", () => {
        expect(2 * 16 * 16 * 64 * 9 * 16 >= 2 ** 21).toBe(true);
        checkTconv(
          { batch: 2, h: 16, w: 16, c: 64, f: 16, k: 3, s: 2, pad: "same", bias: true },
          threads,
          12,
        );
      });

      it("one executor over several runs and batch sizes (tiled without bias, and k3 s2)", () => {
        checkTconvReuse(
          { batch: 0, h: 5, w: 4, c: 6, f: 5, k: 2, s: 2, pad: "valid", bias: false },
          threads,
          13,
        );
        checkTconvReuse(
          { batch: 0, h: 5, w: 4, c: 6, f: 16, k: 3, s: 2, pad: "same", bias: true },
          threads,
          14,
        );
      });
    });
});

afterAll(() => {
  tf.disposeVariables();
});
