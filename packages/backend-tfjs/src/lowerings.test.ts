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

/**
 * The reference's own window rule along one axis, written from the documents and not from the dsl's
 * `window2d` (the rule under test). TF's SAME (tf.nn.convolution docs): out = ceil(in/stride),
 * pad_total = max((out-1)*stride + (k-1)*d + 1 - in, 0), pad_before = floor(pad_total/2).
 * Explicit pads and VALID: out = floor((in + before + after - eff)/stride) + 1; with ceilMode
 * (PyTorch's MaxPool2d docs) ceil instead of floor, minus one when the last window would start at or
 * past the input's end plus the left pad.
 */
function referenceAxis(
  size: number,
  k: number,
  stride: number,
  d: number,
  pad: "same" | "valid" | [number, number],
  ceilMode: boolean,
): { out: number; before: number; after: number } {
  const eff = (k - 1) * d + 1;
  if (pad === "same") {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + eff - size, 0);
    return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
  }
  const [before, after] = pad === "valid" ? [0, 0] : pad;
  const span = size + before + after - eff;
  if (!ceilMode) return { out: Math.floor(span / stride) + 1, before, after };
  const out = Math.ceil(span / stride) + 1;
  return { out: (out - 1) * stride >= size + before ? out - 1 : out, before, after };
}

const explicit = (
  p: Padding,
  [h, w]: [number, number],
  k: [number, number],
  s: [number, number],
  d: [number, number],
  ceil = false,
) => {
  const [t, b, l, r] = typeof p === "number" ? [p, p, p, p] : typeof p === "string" ? [] : p;
  const rowPads = typeof p === "string" ? p : ([t ?? 0, b ?? 0] as [number, number]);
  const colPads = typeof p === "string" ? p : ([l ?? 0, r ?? 0] as [number, number]);
  const rows = referenceAxis(h, k[0], s[0], d[0], rowPads, ceil);
  const cols = referenceAxis(w, k[1], s[1], d[1], colPads, ceil);
  return {
    pads: [rows.before, rows.after, cols.before, cols.after] as [number, number, number, number],
    out: [rows.out, cols.out] as [number, number],
  };
};
const paddingArb = fc.oneof(
  fc.constantFrom<Padding>("valid", "same"),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
);

describe("the reference's window rule", () => {
  it("matches tfjs's own conv2d, maxPool and avgPool with padding same (a third witness)", () => {
    // Even and odd kernels, stride 2 over even and odd sizes: where TF puts the extra pixel matters.
    const shapes: [number, number, [number, number], number, number][] = [
      [5, 6, [2, 2], 1, 1],
      [6, 7, [2, 4], 2, 1],
      [7, 8, [3, 2], 2, 1],
      [8, 5, [4, 3], 2, 1],
      [6, 6, [1, 3], 2, 1],
      [5, 7, [3, 3], 1, 2],
      [7, 6, [2, 3], 3, 1],
    ];
    let checked = 0;
    for (const [h, w, k, stride, dil] of shapes) {
      const s: [number, number] = [stride, stride];
      const d: [number, number] = [dil, dil];
      const { pads, out } = explicit("same", [h, w], k, s, d);
      const x = { h, w, c: 2, data: randomData(h * w * 2, h * 10 + w) };
      const kernel = randomData(k[0] * k[1] * 2 * 3, 7);
      const xt = tf.tensor4d(x.data, [1, h, w, 2]);
      const want = naive.conv(x, kernel, k, 3, s, d, pads, 1);
      const got = tf.conv2d(xt, tf.tensor4d(kernel, [k[0], k[1], 2, 3]), s, "same", "NHWC", d);
      expect(got.shape, `conv ${[h, w, k, stride, dil]}`).toEqual([1, want.h, want.w, 3]);
      expect(relError(got.dataSync(), want.data), `conv ${[h, w, k, stride, dil]}`).toBeLessThan(1e-5);
      if (dil === 1) {
        for (const [kind, f] of [
          ["max", tf.maxPool],
          ["avg", tf.avgPool],
        ] as const) {
          const p = naive.pool(x, kind, k, s, d, pads, out, false);
          const t = f(xt, k, s, "same");
          expect(t.shape, `${kind} ${[h, w, k, stride]}`).toEqual([1, p.h, p.w, 2]);
          expect(relError(t.dataSync(), p.data), `${kind} ${[h, w, k, stride]}`).toBeLessThan(1e-5);
        }
      }
      checked++;
    }
    expect(checked).toBe(shapes.length);
  });

  it("is the rule the dsl's window2d implements (shape inference and every lowering use it)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        paddingArb,
        fc.boolean(),
        (n, k, stride, dil, padding, ceil) => {
          // ceilMode's rule is PyTorch's, defined for pads up to half the kernel.
          fc.pre(!ceil || typeof padding !== "object" || padding.every((q) => q <= Math.floor(k / 2)));
          const ref = explicit(padding, [n, n + 1], [k, k], [stride, stride], [dil, dil], ceil);
          const r = window2d([n, n + 1], k, stride, dil, padding, ceil);
          expect([r.outH, r.outW]).toEqual(ref.out);
          expect([r.pads.top, r.pads.bottom, r.pads.left, r.pads.right]).toEqual(ref.pads);
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});

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
      const pads = explicit(padding, [oh, ow], [k, k], [s, s], [d, d]).pads;
      // The transposed kernel [k,k,filters=1,C=2] is, in memory, the forward kernel [k,k,in=1,out=2].
      const kernel = weights.get("t/kernel")?.data ?? new Float32Array();
      const fwd = naive.conv({ h: oh, w: ow, c: 1, data: y }, kernel, toPair(k), 2, [s, s], [d, d], pads, 1);
      expect([fwd.h, fwd.w]).toEqual([3, 3]);
      const x = randomData(3 * 3 * 2, 1);
      const lhs = got.data.reduce((a, v, i) => a + v * (y[i] ?? 0), 0);
      const rhs = fwd.data.reduce((a, v, i) => a + v * (x[i] ?? 0), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rhs)));
    }
  });
});
