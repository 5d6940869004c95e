import { loadGraph, type Padding } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prepare } from "../prepare.js";

interface Case {
  batch: number;
  h: number;
  w: number;
  c: number;
  pool: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: Padding;
}

function run(k: Case, data: Float32Array, kernel: "wasm" | "js"): Float32Array {
  const graph = loadGraph({
    fusegraph: 1,
    name: "pool",
    inputs: { x: [k.h, k.w, k.c] },
    nodes: {
      y: {
        op: "maxPool",
        input: "x",
        poolSize: k.pool,
        strides: k.strides,
        dilation: k.dilation,
        padding: k.padding,
      },
    },
    outputs: ["y"],
  });
  const exe = prepare(graph, new Map(), { threads: 1, kernel });
  try {
    return exe.run({ x: { shape: [k.batch, k.h, k.w, k.c], data } }).y!.data;
  } finally {
    exe.dispose();
  }
}

/** Equal element by element, NaN equal to NaN (the kernels pick maxima: no rounding to allow for). */
function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i]!)));
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // All negative half the time, so that a padding zero would show if it were ever read.
    return (s / 2 ** 32) * (seed % 2 ? -1 : 2) - (seed % 2 ? 0.1 : 1);
  });
}

const pair = (max: number) => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

describe("maxPool on the wasm SIMD kernel against the JS kernel", () => {
  it("agrees on random shapes, channel counts around the 4-lane vectors, strides, dilation, padding, NaN", () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 2 }),
          h: fc.integer({ min: 3, max: 9 }),
          w: fc.integer({ min: 3, max: 9 }),
          c: fc.integer({ min: 1, max: 13 }),
          pool: pair(3),
          strides: pair(2),
          dilation: pair(2),
          padding: fc.constantFrom<Padding>("same", "valid"),
        }),
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (k, seed, withNaN) => {
          const data = random(k.batch * k.h * k.w * k.c, seed);
          if (withNaN) data[seed % data.length] = Number.NaN;
          let wasm: Float32Array;
          try {
            wasm = run(k, data, "wasm");
          } catch {
            return; // a window larger than the input: the graph is refused, nothing to compare
          }
          const js = run(k, data, "js");
          expect(same(wasm, js)).toBe(true);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("keeps NaN in the vector lanes and never lets padding win (8 channels: two full vectors)", () => {
    const k: Case = {
      batch: 1,
      h: 2,
      w: 2,
      c: 8,
      pool: [3, 3],
      strides: [1, 1],
      dilation: [1, 1],
      padding: "same",
    };
    const data = Float32Array.from({ length: 32 }, (_, i) => -1 - i);
    data[5] = Number.NaN; // pixel (0,0), channel 5
    const y = run(k, data, "wasm");
    // Every 3x3 window covers all four pixels: channel c's max is pixel 0's -1 - c; channel 5 is NaN.
    const expected = Array.from({ length: 32 }, (_, i) => (i % 8 === 5 ? Number.NaN : -1 - (i % 8)));
    expect(same(y, Float32Array.from(expected))).toBe(true);
    // Negative control: the comparison notices a single wrong lane.
    const wrong = Float32Array.from(expected);
    wrong[3] = -2;
    expect(same(y, wrong)).toBe(false);
  });
});
