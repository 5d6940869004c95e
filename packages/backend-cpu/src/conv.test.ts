import { type Graph, initWeights, loadGraph, window2d } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type GemmKernel, prepare } from "./prepare.js";

interface ConvCase {
  batch: number;
  h: number;
  w: number;
  cinG: number;
  fG: number;
  groups: number;
  k: [number, number];
  s: [number, number];
  d: [number, number];
  pad: "same" | "valid" | [number, number, number, number];
  bias: boolean;
}

/** The textbook definition: out[b,y,x,f] = bias[f] + sum over taps and the group's channels. */
function naiveConv(x: Float32Array, kernel: Float32Array, bias: Float32Array | undefined, c: ConvCase) {
  const C = c.cinG * c.groups;
  const F = c.fG * c.groups;
  const { outH, outW, pads } = window2d([c.h, c.w], c.k, c.s, c.d, c.pad);
  const y = new Float64Array(c.batch * outH * outW * F);
  for (let b = 0; b < c.batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let f = 0; f < F; f++) {
          const g = Math.floor(f / c.fG);
          let acc = bias ? bias[f]! : 0;
          for (let ky = 0; ky < c.k[0]; ky++)
            for (let kx = 0; kx < c.k[1]; kx++) {
              const iy = oy * c.s[0] - pads.top + ky * c.d[0];
              const ix = ox * c.s[1] - pads.left + kx * c.d[1];
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (let ci = 0; ci < c.cinG; ci++) {
                const xv = x[((b * c.h + iy) * c.w + ix) * C + g * c.cinG + ci]!;
                acc += xv * kernel[((ky * c.k[1] + kx) * c.cinG + ci) * F + f]!;
              }
            }
          y[((b * outH + oy) * outW + ox) * F + f] = acc;
        }
  return { y, outH, outW };
}

function convGraph(c: ConvCase): Graph {
  return loadGraph({
    fusegraph: 1,
    name: "conv",
    inputs: { x: [c.h, c.w, c.cinG * c.groups] },
    nodes: {
      conv: {
        op: "conv2d",
        input: "x",
        filters: c.fG * c.groups,
        kernelSize: c.k,
        strides: c.s,
        dilation: c.d,
        padding: c.pad,
        groups: c.groups,
        useBias: c.bias,
      },
    },
    outputs: ["conv"],
  });
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function maxRelError(actual: Float32Array, expected: Float64Array): number {
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  return err / scale;
}

function check(c: ConvCase, threads: number, seed: number, kernel: GemmKernel): void {
  const graph = convGraph(c);
  const weights = initWeights(graph, { seed });
  const bias = weights.get("conv/bias");
  if (bias) bias.data.set(random(bias.data.length, seed + 7));
  const x = random(c.batch * c.h * c.w * c.cinG * c.groups, seed + 1);
  const exe = prepare(graph, weights, { threads, kernel });
  try {
    expect(exe.kernel).toBe(kernel);
    const out = exe.run({ x: { shape: [c.batch, c.h, c.w, c.cinG * c.groups], data: x } }).conv!;
    const ref = naiveConv(x, weights.get("conv/kernel")!.data, bias?.data, c);
    expect(out.shape).toEqual([c.batch, ref.outH, ref.outW, c.fG * c.groups]);
    expect(maxRelError(out.data, ref.y)).toBeLessThan(1e-5);
  } finally {
    exe.dispose();
  }
}

const pairArb = (max: number) => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

const caseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 11 }),
    w: fc.integer({ min: 1, max: 11 }),
    cinG: fc.integer({ min: 1, max: 6 }),
    fG: fc.integer({ min: 1, max: 9 }),
    groups: fc.integer({ min: 1, max: 3 }),
    k: pairArb(4),
    s: pairArb(3),
    d: pairArb(2),
    pad: fc.oneof(
      fc.constant("same" as const),
      fc.constant("valid" as const),
      fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    ),
    bias: fc.boolean(),
  })
  .filter((c) => {
    const { outH, outW } = window2d([c.h, c.w], c.k, c.s, c.d, c.pad);
    return outH >= 1 && outW >= 1;
  });

describe.each(["wasm", "js"] as const)("conv2d (im2col + packed GEMM, %s kernels)", (kernel) => {
  it("matches a naive direct convolution on random shapes, strides, pads, dilations and groups", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 1000 }), (c, seed) => check(c, 1, seed, kernel)),
      { numRuns: 150 },
    );
  });

  it("matches with K and M spanning several cache blocks", () => {
    // K = 3*3*40 = 360 > KC, M = 2*13*13 = 338 > MC; filters not a multiple of 4.
    check(
      {
        batch: 2,
        h: 13,
        w: 13,
        cinG: 40,
        fG: 7,
        groups: 1,
        k: [3, 3],
        s: [1, 1],
        d: [1, 1],
        pad: "same",
        bias: true,
      },
      1,
      3,
      kernel,
    );
  });

  it("gives the same result when the rows are split with a worker thread", () => {
    const c: ConvCase = {
      batch: 1,
      h: 28,
      w: 28,
      cinG: 32,
      fG: 33,
      groups: 1,
      k: [3, 3],
      s: [1, 1],
      d: [1, 1],
      pad: "same",
      bias: true,
    };
    expect(28 * 28 * 9 * 32 * 33).toBeGreaterThan(1 << 21);
    check(c, 2, 11, kernel);
  });

  it("uses TF's same rule: stride 2 on an even input pads one pixel at the end only", () => {
    const { pads } = window2d([4, 4], 3, 2, 1, "same");
    expect(pads).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    const c: ConvCase = {
      batch: 1,
      h: 4,
      w: 4,
      cinG: 1,
      fG: 1,
      groups: 1,
      k: [3, 3],
      s: [2, 2],
      d: [1, 1],
      pad: "same",
      bias: false,
    };
    const graph = convGraph(c);
    const weights = initWeights(graph);
    weights.get("conv/kernel")!.data.fill(1);
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const out = prepare(graph, weights, { threads: 1, kernel }).run({ x: { shape: [1, 4, 4, 1], data: x } })
      .conv!;
    // Windows start at rows/cols 0 and 2; the second one reaches into the single end pad:
    // (0,0) 0+1+2+4+5+6+8+9+10 = 45, (0,1) 2+3+6+7+10+11 = 39, (1,0) 8+9+10+12+13+14 = 66, (1,1) 10+11+14+15 = 50.
    expect([...out.data]).toEqual([45, 39, 66, 50]);
  });
});
