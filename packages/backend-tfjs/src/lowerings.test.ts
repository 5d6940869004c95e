import { initWeights, type Padding, toPair, window2d } from "@fusegraph/dsl";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { graphOf, predictOne, randomData, relError } from "./__fixtures__/graph.js";
import * as naive from "./__fixtures__/naive.js";
import { useBackend } from "./backend.js";
import { compile } from "./compile.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const RUNS = { numRuns: 12, seed: 42 };
const explicit = (
  p: Padding,
  [h, w]: [number, number],
  k: [number, number],
  s: [number, number],
  d: [number, number],
  ceil = false,
) => {
  const r = window2d([h, w], k, s, d, p, ceil);
  return {
    pads: [r.pads.top, r.pads.bottom, r.pads.left, r.pads.right] as [number, number, number, number],
    out: [r.outH, r.outW] as [number, number],
  };
};
const paddingArb = fc.oneof(
  fc.constantFrom<Padding>("valid", "same"),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
);

describe("windowed lowerings against plain-loop references", () => {
  it("conv2d: padding (TF same, explicit), strides or dilation, groups", () => {
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 4, max: 7 }),
          w: fc.integer({ min: 4, max: 7 }),
          groups: fc.constantFrom(1, 2),
          k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
          stride: fc.integer({ min: 1, max: 2 }),
          dilated: fc.boolean(),
          padding: paddingArb,
        }),
        ({ h, w, groups, k, stride, dilated, padding }) => {
          const c = 2 * groups;
          const filters = 2 * groups;
          const s: [number, number] = [stride, stride];
          const d: [number, number] = dilated && stride === 1 ? [2, 1] : [1, 1];
          const { pads, out } = explicit(padding, [h, w], k, s, d);
          fc.pre(out[0] >= 1 && out[1] >= 1);
          const params = { filters, kernelSize: k, strides: s, dilation: d, padding, groups };
          const graph = graphOf({ x: [h, w, c] }, [{ id: "c", kind: "conv2d", inputs: ["x"], params }]);
          const weights = initWeights(graph, { seed: 3 });
          weights.set("c/bias", { shape: [filters], data: randomData(filters, 9) });
          const got = predictOne(compile(graph, { weights }), graph);
          const x = { h, w, c, data: randomData(h * w * c, 1) };
          const kernel = weights.get("c/kernel")?.data ?? new Float32Array();
          const want = naive.conv(x, kernel, k, filters, s, d, pads, groups, weights.get("c/bias")?.data);
          expect(got.shape).toEqual([want.h, want.w, want.c]);
          expect(relError(got.data, want.data)).toBeLessThan(1e-4);
        },
      ),
      RUNS,
    );
  });

  for (const kind of ["maxPool", "avgPool"] as const) {
    it(`${kind}: padding, strides, dilation, ceilMode${kind === "avgPool" ? ", countIncludePad" : ""}`, () => {
      fc.assert(
        fc.property(
          fc.record({
            h: fc.integer({ min: 4, max: 7 }),
            w: fc.integer({ min: 4, max: 7 }),
            k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
            strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
            dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
            padding: fc.oneof(
              fc.constantFrom<Padding>("valid", "same"),
              fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)),
            ),
            ceilMode: fc.boolean(),
            countIncludePad: fc.boolean(),
          }),
          ({ h, w, k, strides, dilation, padding, ceilMode, countIncludePad }) => {
            const { pads, out } = explicit(padding, [h, w], k, strides, dilation, ceilMode);
            fc.pre(out[0] >= 1 && out[1] >= 1);
            // A window lying wholly in padding has no defined max or mean (ONNX requires pads < kernel).
            const eff = [(k[0] - 1) * dilation[0] + 1, (k[1] - 1) * dilation[1] + 1];
            fc.pre(pads.every((q, i) => q < (eff[i < 2 ? 0 : 1] ?? 1)));
            const params = {
              poolSize: k,
              strides,
              dilation,
              padding,
              ceilMode,
              ...(kind === "avgPool" ? { countIncludePad } : {}),
            };
            const graph = graphOf({ x: [h, w, 2] }, [{ id: "p", kind, inputs: ["x"], params }]);
            const got = predictOne(compile(graph), graph);
            const x = { h, w, c: 2, data: randomData(h * w * 2, 1) };
            const want = naive.pool(
              x,
              kind === "maxPool" ? "max" : "avg",
              k,
              strides,
              dilation,
              pads,
              out,
              kind === "avgPool" && countIncludePad,
            );
            expect(got.shape).toEqual([want.h, want.w, 2]);
            expect(relError(got.data, want.data)).toBeLessThan(1e-4);
          },
        ),
        RUNS,
      );
    });
  }

  it("upsample: factor, size and like, nearest floor(d*n/m) and bilinear (half-pixel, alignCorners)", () => {
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 1, max: 5 }),
          w: fc.integer({ min: 1, max: 5 }),
          size: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })),
          mode: fc.constantFrom<"nearest" | "bilinear">("nearest", "bilinear"),
          alignCorners: fc.boolean(),
        }),
        ({ h, w, size, mode, alignCorners }) => {
          const ac = mode === "bilinear" && alignCorners;
          const graph = graphOf({ x: [h, w, 2] }, [
            { id: "u", kind: "upsample", inputs: ["x"], params: { size, mode, alignCorners: ac } },
          ]);
          const got = predictOne(compile(graph), graph);
          const want = naive.resize({ h, w, c: 2, data: randomData(h * w * 2, 1) }, size, mode, ac);
          expect(got.shape).toEqual([size[0], size[1], 2]);
          expect(relError(got.data, want.data)).toBeLessThan(1e-5);
        },
      ),
      RUNS,
    );
    // factor and like resolve to the same sizes.
    const g = graphOf(
      { x: [3, 2, 1], ref: [6, 6, 1] },
      [
        { id: "f", kind: "upsample", inputs: ["x"], params: { factor: [2, 3] } },
        { id: "l", kind: "upsample", inputs: ["x"], params: { like: "ref", mode: "bilinear" } },
      ],
      ["f", "l"],
    );
    const m = compile(g);
    expect(m.outputs.map((o) => o.shape)).toEqual([
      [null, 6, 6, 1],
      [null, 6, 6, 1],
    ]);
  });

  it("nearest upsample by 3 repeats each pixel (hand-computed)", () => {
    const g = graphOf({ x: [1, 2, 1] }, [
      { id: "u", kind: "upsample", inputs: ["x"], params: { factor: [1, 3] } },
    ]);
    const y = compile(g).predict(tf.tensor([1, 2], [1, 1, 2, 1])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it("crop: centre crop like another node (offset floor((H-h)/2)) and explicit cropping", () => {
    const g = graphOf(
      { x: [5, 4, 1], ref: [2, 2, 1] },
      [
        { id: "c", kind: "crop", inputs: ["x"], params: { like: "ref" } },
        { id: "e", kind: "crop", inputs: ["x"], params: { cropping: [0, 3, 1, 0] } },
      ],
      ["c", "e"],
    );
    const x = tf.tensor(
      Array.from({ length: 20 }, (_, i) => i),
      [1, 5, 4, 1],
    );
    const [c, e] = compile(g).predict([x, tf.zeros([1, 2, 2, 1])]) as tf.Tensor[];
    // rows 1..2 (floor(3/2)), cols 1..2 (floor(2/2))
    expect(Array.from(c?.dataSync() ?? [])).toEqual([5, 6, 9, 10]);
    expect(Array.from(e?.dataSync() ?? [])).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it("conv2dTranspose is the adjoint of conv2d for valid, same, explicit pads and dilation", () => {
    const cases: [number, number, Padding, number][] = [
      [3, 2, "valid", 1],
      [2, 3, "valid", 1],
      [3, 2, "same", 1],
      [1, 3, "same", 1],
      [3, 2, [1, 0, 1, 1], 1],
      [2, 1, "valid", 2],
      [3, 2, [1, 2, 0, 1], 2],
      [3, 2, "same", 2],
      [2, 3, "same", 2],
    ];
    for (const [k, s, padding, d] of cases) {
      const g = graphOf({ x: [3, 3, 2] }, [
        {
          id: "t",
          kind: "conv2dTranspose",
          inputs: ["x"],
          params: { filters: 1, kernelSize: k, strides: s, padding, dilation: d, useBias: false },
        },
      ]);
      const weights = initWeights(g, { seed: 5 });
      const got = predictOne(compile(g, { weights }), g);
      // <T(x), y> == <x, C(y)> with C the forward conv over the same window (independent of tfjs's transpose).
      const [oh = 0, ow = 0] = got.shape;
      const y = randomData(oh * ow, 77);
      const pads = window2d([oh, ow], k, s, d, padding);
      // The transposed kernel [k,k,filters=1,C=2] is, in memory, the forward kernel [k,k,in=1,out=2].
      const kernel = weights.get("t/kernel")?.data ?? new Float32Array();
      const { top, bottom, left, right } = pads.pads;
      const fwd = naive.conv(
        { h: oh, w: ow, c: 1, data: y },
        kernel,
        toPair(k),
        2,
        [s, s],
        [d, d],
        [top, bottom, left, right],
        1,
      );
      expect([fwd.h, fwd.w]).toEqual([3, 3]);
      const x = randomData(3 * 3 * 2, 1);
      const lhs = got.data.reduce((a, v, i) => a + v * (y[i] ?? 0), 0);
      const rhs = fwd.data.reduce((a, v, i) => a + v * (x[i] ?? 0), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rhs)));
    }
  });
});
