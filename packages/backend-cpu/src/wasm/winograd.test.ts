import { initWeights, loadGraph, type Padding, type WeightMap } from "@fusegraph/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConvGeom } from "../gemm.js";
import { prepare } from "../prepare.js";
import { WasmContext } from "./context.js";
import { wasmConv } from "./conv.js";
import {
  packWinogradWeights,
  type WinogradMode,
  winogradEligible,
  winogradTile,
  winogradWeightFloats,
} from "./winograd.js";

interface Case {
  batch: number;
  h: number;
  w: number;
  c: number;
  f: number;
  pad: Padding;
  /** conv -> batchNorm -> (+ residual r) -> activation. */
  fn: "linear" | "relu" | "leakyRelu";
  residual: boolean;
}

/** A 3x3 stride-1 conv with a folded batchNorm, an optional residual add and an activation; output "out". */
function graphOf(k: Case) {
  const [oh, ow] = k.pad === "same" ? [k.h, k.w] : [k.h - 2, k.w - 2];
  const last = k.fn !== "linear" ? "act" : k.residual ? "sum" : "bn";
  const name = (id: string) => (id === last ? "out" : id);
  return loadGraph({
    fusegraph: 1,
    name: "wino",
    inputs: k.residual ? { x: [k.h, k.w, k.c], r: [oh, ow, k.f] } : { x: [k.h, k.w, k.c] },
    nodes: {
      conv: { op: "conv2d", input: "x", filters: k.f, kernelSize: 3, padding: k.pad },
      [name("bn")]: { op: "batchNorm", input: "conv" },
      ...(k.residual ? { [name("sum")]: { merge: "add", inputs: [name("bn"), "r"] } } : {}),
      ...(k.fn !== "linear"
        ? {
            out: {
              op: "activation",
              input: name(k.residual ? "sum" : "bn"),
              fn: k.fn,
              ...(k.fn === "leakyRelu" ? { alpha: 0.2 } : {}),
            },
          }
        : {}),
    },
    outputs: ["out"],
  });
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function seededWeights(k: Case, seed: number): WeightMap {
  const weights = initWeights(graphOf(k), { seed });
  for (const [key, t] of weights) {
    if (key.endsWith("beta") || key.endsWith("bias"))
      t.data.set(random(t.data.length, seed + 3).map((v) => v * 0.1));
  }
  return weights;
}

/** Outputs of the Winograd wasm path and of the plain-TS oracle (im2col + JS GEMM) on the same feed. */
function both(
  k: Case,
  seed: number,
  threads: number,
  weights = seededWeights(k, seed),
  mode: WinogradMode = true,
) {
  const graph = graphOf(k);
  const [oh, ow] = k.pad === "same" ? [k.h, k.w] : [k.h - 2, k.w - 2];
  const feed = {
    x: { shape: [k.batch, k.h, k.w, k.c], data: random(k.batch * k.h * k.w * k.c, seed + 1) },
    ...(k.residual
      ? { r: { shape: [k.batch, oh, ow, k.f], data: random(k.batch * oh * ow * k.f, seed + 2) } }
      : {}),
  };
  const wino = prepare(graph, weights, { threads, kernel: "wasm", winograd: mode });
  const direct = prepare(graph, weights, { threads, kernel: "wasm", winograd: false });
  const oracle = prepare(graph, weights, { threads: 1, kernel: "js" });
  try {
    return {
      wino: wino.run(feed).out!.data,
      direct: direct.run(feed).out!.data,
      oracle: oracle.run(feed).out!.data,
    };
  } finally {
    wino.dispose();
    direct.dispose();
    oracle.dispose();
  }
}

/** Largest |a - b| over the largest |b|: the error relative to the output's scale. */
function relError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

/** A 10x10 "same" 3x3 conv geometry with relu and bias: eligible for Winograd as it stands. */
function winoGeom(C: number, F: number): ConvGeom {
  return {
    H: 10,
    W: 10,
    C,
    outH: 10,
    outW: 10,
    kh: 3,
    kw: 3,
    sh: 1,
    sw: 1,
    dh: 1,
    dw: 1,
    padT: 1,
    padL: 1,
    groups: 1,
    cinG: C,
    F,
    fG: F,
    act: 1,
    alpha: 0,
    hasBias: true,
    hasRes: false,
  };
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  // At least 10x10 outputs even with "valid" padding: smaller images stay on the direct conv.
  h: fc.integer({ min: 12, max: 17 }),
  w: fc.integer({ min: 12, max: 17 }),
  c: fc.integer({ min: 4, max: 12 }).map((v) => v * 4),
  f: fc.integer({ min: 4, max: 14 }).map((v) => v * 4),
  pad: fc.constantFrom<Padding>("same", "valid"),
  fn: fc.constantFrom("linear", "relu", "leakyRelu"),
  residual: fc.boolean(),
});

describe.each(["2x2", "4x4"] as const)(
  "Winograd F(%s, 3x3) wasm kernel against the plain-TS oracle",
  (mode) => {
    it("agrees within 1e-4 relative on odd sizes, both paddings, batches, residuals and activations", () => {
      fc.assert(
        fc.property(caseArb, fc.integer({ min: 1, max: 1000 }), (k, seed) => {
          const { wino, direct, oracle } = both(k, seed, 1, undefined, mode);
          expect(relError(wino, oracle)).toBeLessThan(1e-4);
          // The Winograd path really ran: its rounding differs from the direct wasm conv somewhere.
          expect(relError(direct, oracle)).toBeLessThan(1e-5);
          expect(wino.some((v, i) => v !== direct[i])).toBe(true);
        }),
        { numRuns: 40 },
      );
    });

    it("agrees when the tiles and filters are shared by chunks among two threads", () => {
      // 2 x 28 x 27 x 9 x 64 x 72 MACs: parallel; several tile blocks, 9 filter panels (last is 8 wide).
      const k: Case = { batch: 2, h: 28, w: 27, c: 64, f: 72, pad: "same", fn: "relu", residual: true };
      const { wino, oracle } = both(k, 5, 2, undefined, mode);
      expect(oracle.some((v) => v === 0) && oracle.some((v) => v > 0)).toBe(true);
      expect(relError(wino, oracle)).toBeLessThan(1e-4);
    });

    it("agrees when only the tiles are shared among two threads (filters in one block)", () => {
      // 28 x 30 x 9 x 48 x 40 MACs: parallel; 40 filters = 5 panels, one filter block, so chunks are tiles only.
      const k: Case = { batch: 1, h: 28, w: 30, c: 48, f: 40, pad: "same", fn: "leakyRelu", residual: true };
      const { wino, oracle } = both(k, 13, 2, undefined, mode);
      expect(28 * 30 * 9 * 48 * 40).toBeGreaterThan(1 << 21);
      expect(relError(wino, oracle)).toBeLessThan(1e-4);
    });

    it("agrees with many channels (several depth blocks) and few tiles (filter-panel chunks)", () => {
      const k: Case = { batch: 1, h: 10, w: 10, c: 272, f: 100, pad: "same", fn: "linear", residual: false };
      const { wino, oracle } = both(k, 9, 2, undefined, mode);
      expect(relError(wino, oracle)).toBeLessThan(1e-4);
    });

    it("notices a fault: one perturbed transformed weight breaks the agreement (negative control)", () => {
      const k: Case = { batch: 1, h: 10, w: 10, c: 16, f: 16, pad: "same", fn: "linear", residual: false };
      const weights = seededWeights(k, 2);
      const good = both(k, 2, 1, weights, mode);
      // Perturb one tap of one kernel slice by 1%: the oracle moves, the comparison must see it.
      const kernel = weights.get("conv/kernel")!.data;
      kernel[5] = kernel[5]! * 1.01 + 0.01;
      const bad = both(k, 2, 1, weights, mode);
      expect(relError(good.wino, bad.oracle)).toBeGreaterThan(1e-4);
      expect(relError(bad.wino, bad.oracle)).toBeLessThan(1e-4);
    });
  },
);

describe("Winograd weight transform", () => {
  const g = winoGeom;

  it("maps a kernel of ones to G 1 G^T and pads the last panel with zeros", () => {
    const geom = g(4, 4);
    const out = new Float32Array(winogradWeightFloats(geom)).fill(Number.NaN);
    packWinogradWeights(new Float32Array(9 * 4 * 4).fill(1), geom, out);
    // G 1 = rows [1, 1.5, 0.5, 1] times a row of ones, so U[i][j] = r[i] * r[j].
    const r = [1, 1.5, 0.5, 1];
    for (let xi = 0; xi < 16; xi++) {
      const at = xi * 4 * 8; // one panel, C = 4 rows of 8
      expect(out[at]).toBeCloseTo(r[xi >> 2]! * r[xi & 3]!, 6);
      expect(out[at + 4]).toBe(0); // filter 4..7 of the panel do not exist
    }
  });

  it("builds F(4x4)'s 36 matrices: a kernel of ones gives G 1 G^T with G's row sums", () => {
    const geom = g(4, 4);
    const out = new Float32Array(winogradWeightFloats(geom, 4)).fill(Number.NaN);
    packWinogradWeights(new Float32Array(9 * 4 * 4).fill(1), geom, out, undefined, 4);
    // Row sums of G for F(4x4, 3x3): 1/4, -1/2, -1/6, 7/24, 1/8, 1.
    const r = [1 / 4, -1 / 2, -1 / 6, 7 / 24, 1 / 8, 1];
    for (let xi = 0; xi < 36; xi++) {
      const at = xi * 4 * 8;
      expect(out[at]).toBeCloseTo(r[Math.floor(xi / 6)]! * r[xi % 6]!, 6);
      expect(out[at + 4]).toBe(0);
    }
  });

  it("picks F(4x4) from 16x16 outputs on and F(2x2) below, unless a tile size is forced", () => {
    const at = (side: number): ConvGeom => ({ ...g(16, 16), H: side, W: side, outH: side, outW: side });
    expect(winogradTile(at(16), true)).toBe(4);
    expect(winogradTile(at(56), true)).toBe(4);
    expect(winogradTile(at(14), true)).toBe(2);
    expect(winogradTile({ ...at(56), outW: 10 }, true)).toBe(2);
    expect(winogradTile(at(56), "2x2")).toBe(2);
    expect(winogradTile(at(10), "4x4")).toBe(4);
  });

  it("takes only 3x3 stride-1 undilated single-group convs with lanes and pixels to fill", () => {
    expect(winogradEligible(g(16, 16))).toBe(true);
    expect(winogradEligible({ ...g(16, 16), sh: 2 })).toBe(false);
    expect(winogradEligible({ ...g(16, 16), dh: 2 })).toBe(false);
    expect(winogradEligible({ ...g(16, 16), groups: 2, cinG: 8, fG: 8 })).toBe(false);
    expect(winogradEligible({ ...g(18, 16), cinG: 18 })).toBe(false);
    expect(winogradEligible({ ...g(16, 16), act: 3 })).toBe(false);
    expect(winogradEligible({ ...g(16, 16), kh: 5, kw: 5 })).toBe(false);
    expect(winogradEligible({ ...g(16, 16), outH: 7, outW: 7 })).toBe(false);
  });
});

describe("WasmPool hand-off under repeated runs", () => {
  it("gives bit-identical results run after run, each worker share either claimed or cancelled", () => {
    // 16x16x64 -> 64 3x3 (9.4M MACs): parallel, 64 tiles in two 32-tile chunks.
    const geom: ConvGeom = { ...winoGeom(64, 64), H: 16, W: 16, outH: 16, outW: 16 };
    const ctx = new WasmContext(2);
    try {
      const conv = wasmConv(geom, random(9 * 64 * 64, 3), random(64, 5), ctx);
      const x = random(16 * 16 * 64, 4);
      const first = new Float32Array(16 * 16 * 64);
      const again = new Float32Array(first.length);
      const rt = { pool: () => undefined, scratch: new Float32Array(1) };
      conv.run([x], first, 1, rt);
      expect(first.some((v) => v > 0) && first.some((v) => v === 0)).toBe(true);
      const runs = 150;
      for (let i = 0; i < runs; i++) {
        conv.run([x], again, 1, rt);
        expect(again.every((v, j) => v === first[j])).toBe(true);
      }
      const { claimed, cancelled } = ctx.workers()!.stats;
      expect(claimed + cancelled).toBe(runs + 1);
    } finally {
      ctx.dispose();
    }
  });
});
